//! Static demo data for "Lắng Nghe", a citizen feedback platform for the
//! fictional province "Tỉnh Lam Giang".
//!
//! The organisational structure follows the two-level local government model
//! in force since 1 July 2025: province → departments (Sở), communes and wards
//! (xã, phường; no district level), vertical agencies (ngành dọc) and a
//! provincial public administration service centre.
//!
//! Everything here is plain `const` data with no dependencies beyond `core`.

/// An organisational unit (province, department, commune/ward, vertical
/// agency or service centre).
pub struct DemoUnit {
    /// Short ASCII code, unique across all units, e.g. "STP", "XAPL", "CAT".
    pub code: &'static str,
    /// Official Vietnamese name, e.g. "Sở Tư pháp".
    pub name: &'static str,
    /// One of "province", "department", "commune", "ward", "vertical",
    /// "service_centre".
    pub kind: &'static str,
    /// Peer group code: "department" | "commune" | "vertical" | "" (province root only).
    pub group: &'static str,
    /// Parent unit code, "" for the province root.
    pub parent: &'static str,
    /// Plausible street address in Lam Giang.
    pub address: &'static str,
    /// Date the unit came into force, "YYYY-MM-DD".
    pub effective_from: &'static str,
    /// Date the unit ceased to exist, "" when still in force.
    pub effective_to: &'static str,
    /// Codes of predecessor units merged into this one (empty otherwise).
    pub successor_of: &'static [&'static str],
}

/// An administrative procedure (thủ tục hành chính).
pub struct DemoProcedure {
    /// National-database style code like "1.001193" or "2.000815" (unique).
    pub code: &'static str,
    /// Vietnamese administrative procedure name.
    pub name: &'static str,
    /// Field (lĩnh vực), e.g. "Hộ tịch", "Đất đai", "Xây dựng".
    pub field: &'static str,
    /// Legal processing time in working days, 0 = same day.
    pub processing_days: i32,
    /// Peer group that usually handles it: "department" | "commune" | "vertical".
    pub group: &'static str,
}

/// A one-stop reception counter (quầy / bộ phận một cửa) inside a unit.
pub struct DemoCounter {
    /// Code of the unit owning the counter.
    pub unit: &'static str,
    /// Counter name, unique within its unit.
    pub name: &'static str,
    /// Physical location description.
    pub location: &'static str,
}

/// A feedback kiosk placed at a counter.
pub struct DemoKiosk {
    /// Code of the unit owning the kiosk.
    pub unit: &'static str,
    /// Name of the `DemoCounter` (within that unit) the kiosk stands at.
    pub counter: &'static str,
    /// Kiosk display name.
    pub name: &'static str,
    /// Number of rating faces shown: 3, 4 or 5.
    pub faces: i32,
}

/// The province root unit.
pub const PROVINCE: DemoUnit = DemoUnit {
    code: "LG",
    name: "Tỉnh Lam Giang",
    kind: "province",
    group: "",
    parent: "",
    address: "Số 1 đường Trần Hưng Đạo, phường Lam Sơn, tỉnh Lam Giang",
    effective_from: "2020-01-01",
    effective_to: "",
    successor_of: &[],
};

/// Units directly under the province (parents listed before children).
pub const UNITS: &[DemoUnit] = &[
    // ---- Departments (Sở) and the service centre --------------------------
    DemoUnit {
        code: "STP",
        name: "Sở Tư pháp",
        kind: "department",
        group: "department",
        parent: "LG",
        address: "Số 12 đường Lê Lợi, phường Lam Sơn, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "SXD",
        name: "Sở Xây dựng",
        kind: "department",
        group: "department",
        parent: "LG",
        address: "Số 25 đường Nguyễn Huệ, phường Lam Sơn, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "STC",
        name: "Sở Tài chính",
        kind: "department",
        group: "department",
        parent: "LG",
        address: "Số 8 đường Hai Bà Trưng, phường Lam Sơn, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "SNNMT",
        name: "Sở Nông nghiệp và Môi trường",
        kind: "department",
        group: "department",
        parent: "LG",
        address: "Số 45 đường Phan Đình Phùng, phường Hòa Thuận, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "SYT",
        name: "Sở Y tế",
        kind: "department",
        group: "department",
        parent: "LG",
        address: "Số 3 đường Pasteur, phường Lam Sơn, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "SGDDT",
        name: "Sở Giáo dục và Đào tạo",
        kind: "department",
        group: "department",
        parent: "LG",
        address: "Số 16 đường Lý Thường Kiệt, phường Bình Minh, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "SCT",
        name: "Sở Công Thương",
        kind: "department",
        group: "department",
        parent: "LG",
        address: "Số 30 đường Quang Trung, phường Hòa Thuận, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "SNV",
        name: "Sở Nội vụ",
        kind: "department",
        group: "department",
        parent: "LG",
        address: "Số 5 đường Trần Phú, phường Lam Sơn, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "TTHCC",
        name: "Trung tâm Phục vụ hành chính công tỉnh",
        kind: "service_centre",
        group: "department",
        parent: "LG",
        address: "Số 2 đường Hùng Vương, phường Lam Sơn, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    // ---- Communes and wards (xã, phường) ----------------------------------
    DemoUnit {
        code: "PLS",
        name: "Phường Lam Sơn",
        kind: "ward",
        group: "commune",
        parent: "LG",
        address: "Số 10 đường Trần Hưng Đạo, phường Lam Sơn, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "PHT",
        name: "Phường Hòa Thuận",
        kind: "ward",
        group: "commune",
        parent: "LG",
        address: "Số 88 đường Nguyễn Trãi, phường Hòa Thuận, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "PBM",
        name: "Phường Bình Minh",
        kind: "ward",
        group: "commune",
        parent: "LG",
        address: "Số 120 đường Võ Thị Sáu, phường Bình Minh, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "XTH",
        name: "Xã Tân Hòa",
        kind: "commune",
        group: "commune",
        parent: "LG",
        address: "Thôn Tân Lập, xã Tân Hòa, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "XPL",
        name: "Xã Phước Long",
        kind: "commune",
        group: "commune",
        parent: "LG",
        address: "Ấp Phước Thạnh, xã Phước Long, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "XVT",
        name: "Xã Vĩnh Thạnh",
        kind: "commune",
        group: "commune",
        parent: "LG",
        address: "Quốc lộ 1A, thôn Vĩnh Xuân, xã Vĩnh Thạnh, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "XAP",
        name: "Xã An Phú",
        kind: "commune",
        group: "commune",
        parent: "LG",
        address: "Thôn An Phú Đông, xã An Phú, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "2025-06-30",
        successor_of: &[],
    },
    DemoUnit {
        code: "XAL",
        name: "Xã An Lạc",
        kind: "commune",
        group: "commune",
        parent: "LG",
        address: "Thôn An Lạc Tây, xã An Lạc, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "2025-06-30",
        successor_of: &[],
    },
    DemoUnit {
        code: "XAPL",
        name: "Xã An Phú Lạc",
        kind: "commune",
        group: "commune",
        parent: "LG",
        address: "Thôn An Phú Đông, xã An Phú Lạc, tỉnh Lam Giang",
        effective_from: "2025-07-01",
        effective_to: "",
        successor_of: &["XAP", "XAL"],
    },
    // ---- Vertical agencies (ngành dọc) ------------------------------------
    DemoUnit {
        code: "CAT",
        name: "Công an tỉnh Lam Giang",
        kind: "vertical",
        group: "vertical",
        parent: "LG",
        address: "Số 50 đường Lê Duẩn, phường Lam Sơn, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "THUE",
        name: "Thuế tỉnh Lam Giang",
        kind: "vertical",
        group: "vertical",
        parent: "LG",
        address: "Số 72 đường Nguyễn Văn Cừ, phường Hòa Thuận, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
    DemoUnit {
        code: "BHXH",
        name: "Bảo hiểm xã hội tỉnh Lam Giang",
        kind: "vertical",
        group: "vertical",
        parent: "LG",
        address: "Số 18 đường Điện Biên Phủ, phường Bình Minh, tỉnh Lam Giang",
        effective_from: "2020-01-01",
        effective_to: "",
        successor_of: &[],
    },
];

/// Exactly 50 administrative procedures spread over the main fields.
pub const PROCEDURES: &[DemoProcedure] = &[
    // ---- Hộ tịch (7) ------------------------------------------------------
    DemoProcedure { code: "1.001193", name: "Đăng ký khai sinh", field: "Hộ tịch", processing_days: 0, group: "commune" },
    DemoProcedure { code: "1.000894", name: "Đăng ký kết hôn", field: "Hộ tịch", processing_days: 0, group: "commune" },
    DemoProcedure { code: "1.000656", name: "Đăng ký khai tử", field: "Hộ tịch", processing_days: 0, group: "commune" },
    DemoProcedure { code: "1.001022", name: "Đăng ký nhận cha, mẹ, con", field: "Hộ tịch", processing_days: 3, group: "commune" },
    DemoProcedure { code: "1.004873", name: "Cấp Giấy xác nhận tình trạng hôn nhân", field: "Hộ tịch", processing_days: 3, group: "commune" },
    DemoProcedure { code: "1.004859", name: "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", field: "Hộ tịch", processing_days: 3, group: "commune" },
    DemoProcedure { code: "2.000635", name: "Cấp bản sao Trích lục hộ tịch", field: "Hộ tịch", processing_days: 0, group: "commune" },
    // ---- Chứng thực (4) ---------------------------------------------------
    DemoProcedure { code: "2.000815", name: "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam cấp hoặc chứng nhận", field: "Chứng thực", processing_days: 0, group: "commune" },
    DemoProcedure { code: "2.000884", name: "Chứng thực chữ ký trong các giấy tờ, văn bản", field: "Chứng thực", processing_days: 0, group: "commune" },
    DemoProcedure { code: "2.001035", name: "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở", field: "Chứng thực", processing_days: 2, group: "commune" },
    DemoProcedure { code: "2.000913", name: "Chứng thực văn bản thỏa thuận phân chia di sản mà di sản là động sản, quyền sử dụng đất, nhà ở", field: "Chứng thực", processing_days: 2, group: "commune" },
    // ---- Tư pháp (3) ------------------------------------------------------
    DemoProcedure { code: "2.000488", name: "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam", field: "Tư pháp", processing_days: 10, group: "department" },
    DemoProcedure { code: "2.000889", name: "Đăng ký hoạt động Văn phòng công chứng", field: "Tư pháp", processing_days: 10, group: "department" },
    DemoProcedure { code: "1.001612", name: "Đăng ký hành nghề và cấp Thẻ công chứng viên", field: "Tư pháp", processing_days: 10, group: "department" },
    // ---- Đất đai (5) ------------------------------------------------------
    DemoProcedure { code: "1.012765", name: "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", field: "Đất đai", processing_days: 10, group: "department" },
    DemoProcedure { code: "1.012754", name: "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu", field: "Đất đai", processing_days: 20, group: "commune" },
    DemoProcedure { code: "1.012772", name: "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", field: "Đất đai", processing_days: 7, group: "department" },
    DemoProcedure { code: "1.012790", name: "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền đối với cá nhân", field: "Đất đai", processing_days: 15, group: "commune" },
    DemoProcedure { code: "1.011028", name: "Xóa đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất", field: "Đất đai", processing_days: 1, group: "department" },
    // ---- Xây dựng (4) -----------------------------------------------------
    DemoProcedure { code: "1.009994", name: "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", field: "Xây dựng", processing_days: 15, group: "commune" },
    DemoProcedure { code: "1.009995", name: "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với nhà ở riêng lẻ", field: "Xây dựng", processing_days: 15, group: "commune" },
    DemoProcedure { code: "1.009974", name: "Cấp giấy phép xây dựng mới đối với công trình cấp II, cấp III", field: "Xây dựng", processing_days: 20, group: "department" },
    DemoProcedure { code: "1.009986", name: "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III", field: "Xây dựng", processing_days: 20, group: "department" },
    // ---- Đăng ký kinh doanh (5) -------------------------------------------
    DemoProcedure { code: "2.001610", name: "Đăng ký thành lập doanh nghiệp tư nhân", field: "Đăng ký kinh doanh", processing_days: 3, group: "department" },
    DemoProcedure { code: "2.001199", name: "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên", field: "Đăng ký kinh doanh", processing_days: 3, group: "department" },
    DemoProcedure { code: "2.002046", name: "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", field: "Đăng ký kinh doanh", processing_days: 3, group: "department" },
    DemoProcedure { code: "2.000720", name: "Đăng ký thành lập hộ kinh doanh", field: "Đăng ký kinh doanh", processing_days: 3, group: "commune" },
    DemoProcedure { code: "2.000575", name: "Đăng ký tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh", field: "Đăng ký kinh doanh", processing_days: 3, group: "commune" },
    // ---- Thuế (3) ---------------------------------------------------------
    DemoProcedure { code: "1.007630", name: "Đăng ký thuế lần đầu đối với hộ kinh doanh, cá nhân kinh doanh", field: "Thuế", processing_days: 3, group: "vertical" },
    DemoProcedure { code: "1.011530", name: "Khai lệ phí trước bạ nhà, đất", field: "Thuế", processing_days: 5, group: "vertical" },
    DemoProcedure { code: "1.008063", name: "Hoàn thuế thu nhập cá nhân đối với cá nhân trực tiếp quyết toán với cơ quan thuế", field: "Thuế", processing_days: 6, group: "vertical" },
    // ---- Bảo hiểm xã hội (4) ----------------------------------------------
    DemoProcedure { code: "1.012031", name: "Cấp lại thẻ bảo hiểm y tế do bị mất, hỏng", field: "Bảo hiểm xã hội", processing_days: 7, group: "vertical" },
    DemoProcedure { code: "1.012040", name: "Giải quyết hưởng chế độ thai sản", field: "Bảo hiểm xã hội", processing_days: 6, group: "vertical" },
    DemoProcedure { code: "1.012044", name: "Giải quyết hưởng bảo hiểm xã hội một lần", field: "Bảo hiểm xã hội", processing_days: 10, group: "vertical" },
    DemoProcedure { code: "1.012011", name: "Đăng ký tham gia bảo hiểm xã hội tự nguyện", field: "Bảo hiểm xã hội", processing_days: 5, group: "vertical" },
    // ---- Cư trú (4) -------------------------------------------------------
    DemoProcedure { code: "1.004194", name: "Đăng ký thường trú", field: "Cư trú", processing_days: 7, group: "vertical" },
    DemoProcedure { code: "1.004222", name: "Đăng ký tạm trú", field: "Cư trú", processing_days: 3, group: "vertical" },
    DemoProcedure { code: "1.004226", name: "Khai báo tạm vắng", field: "Cư trú", processing_days: 1, group: "vertical" },
    DemoProcedure { code: "1.013010", name: "Cấp thẻ căn cước cho công dân Việt Nam từ đủ 14 tuổi trở lên", field: "Cư trú", processing_days: 7, group: "vertical" },
    // ---- Lao động (3) -----------------------------------------------------
    DemoProcedure { code: "1.001978", name: "Giải quyết hưởng trợ cấp thất nghiệp", field: "Lao động", processing_days: 20, group: "department" },
    DemoProcedure { code: "1.000105", name: "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", field: "Lao động", processing_days: 5, group: "department" },
    DemoProcedure { code: "1.000494", name: "Đăng ký nội quy lao động", field: "Lao động", processing_days: 7, group: "department" },
    // ---- Giáo dục (2) -----------------------------------------------------
    DemoProcedure { code: "1.005088", name: "Chuyển trường đối với học sinh trung học phổ thông", field: "Giáo dục", processing_days: 3, group: "department" },
    DemoProcedure { code: "2.001914", name: "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", field: "Giáo dục", processing_days: 0, group: "department" },
    // ---- Y tế (2) ---------------------------------------------------------
    DemoProcedure { code: "1.012256", name: "Cấp mới giấy phép hành nghề khám bệnh, chữa bệnh", field: "Y tế", processing_days: 30, group: "department" },
    DemoProcedure { code: "2.000591", name: "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", field: "Y tế", processing_days: 20, group: "department" },
    // ---- Giao thông vận tải (2) -------------------------------------------
    DemoProcedure { code: "1.002809", name: "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", field: "Giao thông vận tải", processing_days: 5, group: "department" },
    DemoProcedure { code: "1.002856", name: "Cấp Giấy phép kinh doanh vận tải bằng xe ô tô", field: "Giao thông vận tải", processing_days: 5, group: "department" },
    // ---- Công thương (2) --------------------------------------------------
    DemoProcedure { code: "2.000620", name: "Cấp Giấy phép bán lẻ sản phẩm rượu", field: "Công thương", processing_days: 10, group: "commune" },
    DemoProcedure { code: "2.000181", name: "Cấp Giấy phép bán lẻ sản phẩm thuốc lá", field: "Công thương", processing_days: 15, group: "commune" },
];

/// One-stop counters of units currently in force.
pub const COUNTERS: &[DemoCounter] = &[
    // Provincial public administration service centre
    DemoCounter {
        unit: "TTHCC",
        name: "Quầy số 1 – Tư pháp, Xây dựng",
        location: "Tầng 1, khu A, Trung tâm Phục vụ hành chính công tỉnh",
    },
    DemoCounter {
        unit: "TTHCC",
        name: "Quầy số 2 – Đất đai, Đăng ký kinh doanh",
        location: "Tầng 1, khu A, Trung tâm Phục vụ hành chính công tỉnh",
    },
    DemoCounter {
        unit: "TTHCC",
        name: "Quầy số 3 – Y tế, Giáo dục, Lao động",
        location: "Tầng 1, khu B, Trung tâm Phục vụ hành chính công tỉnh",
    },
    // Communes and wards
    DemoCounter {
        unit: "PLS",
        name: "Bộ phận Một cửa",
        location: "Tầng 1, trụ sở UBND phường Lam Sơn",
    },
    DemoCounter {
        unit: "PHT",
        name: "Bộ phận Một cửa",
        location: "Tầng 1, trụ sở UBND phường Hòa Thuận",
    },
    DemoCounter {
        unit: "PBM",
        name: "Bộ phận Một cửa",
        location: "Tầng 1, trụ sở UBND phường Bình Minh",
    },
    DemoCounter {
        unit: "XTH",
        name: "Bộ phận Một cửa",
        location: "Nhà A, trụ sở UBND xã Tân Hòa",
    },
    DemoCounter {
        unit: "XPL",
        name: "Bộ phận Một cửa",
        location: "Nhà A, trụ sở UBND xã Phước Long",
    },
    DemoCounter {
        unit: "XVT",
        name: "Bộ phận Một cửa",
        location: "Tầng 1, trụ sở UBND xã Vĩnh Thạnh",
    },
    DemoCounter {
        unit: "XAPL",
        name: "Bộ phận Một cửa",
        location: "Tầng 1, trụ sở UBND xã An Phú Lạc",
    },
    // Vertical agencies
    DemoCounter {
        unit: "CAT",
        name: "Bộ phận Một cửa",
        location: "Tầng 1, nhà tiếp dân, trụ sở Công an tỉnh",
    },
    DemoCounter {
        unit: "THUE",
        name: "Bộ phận Một cửa",
        location: "Tầng 1, trụ sở Thuế tỉnh",
    },
    DemoCounter {
        unit: "BHXH",
        name: "Bộ phận Một cửa",
        location: "Tầng 1, trụ sở Bảo hiểm xã hội tỉnh",
    },
];

/// Feedback kiosks placed at some of the counters above.
pub const KIOSKS: &[DemoKiosk] = &[
    DemoKiosk {
        unit: "TTHCC",
        counter: "Quầy số 1 – Tư pháp, Xây dựng",
        name: "Kiosk TTHCC-01",
        faces: 5,
    },
    DemoKiosk {
        unit: "TTHCC",
        counter: "Quầy số 2 – Đất đai, Đăng ký kinh doanh",
        name: "Kiosk TTHCC-02",
        faces: 4,
    },
    DemoKiosk {
        unit: "TTHCC",
        counter: "Quầy số 3 – Y tế, Giáo dục, Lao động",
        name: "Kiosk TTHCC-03",
        faces: 3,
    },
    DemoKiosk {
        unit: "PLS",
        counter: "Bộ phận Một cửa",
        name: "Kiosk phường Lam Sơn",
        faces: 5,
    },
    DemoKiosk {
        unit: "XTH",
        counter: "Bộ phận Một cửa",
        name: "Kiosk xã Tân Hòa",
        faces: 4,
    },
    DemoKiosk {
        unit: "XAPL",
        counter: "Bộ phận Một cửa",
        name: "Kiosk xã An Phú Lạc",
        faces: 3,
    },
    DemoKiosk {
        unit: "CAT",
        counter: "Bộ phận Một cửa",
        name: "Kiosk Công an tỉnh",
        faces: 5,
    },
    DemoKiosk {
        unit: "BHXH",
        counter: "Bộ phận Một cửa",
        name: "Kiosk Bảo hiểm xã hội tỉnh",
        faces: 3,
    },
];

/// Common Vietnamese family names (họ).
pub const FAMILY_NAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Lâm", "Mai", "Trương", "Đoàn", "Cao", "Lương", "Trịnh",
    "Tạ", "Hà", "Tô", "Châu", "Quách", "Kiều",
];

/// Common Vietnamese middle names (tên đệm).
pub const MIDDLE_NAMES: &[&str] = &[
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thành", "Xuân", "Hoài", "Kim",
    "Gia", "Bảo", "Anh", "Thu", "Phương", "Công", "Tuấn", "Mỹ",
];

/// Common Vietnamese given names (tên).
pub const GIVEN_NAMES: &[&str] = &[
    "An", "Anh", "Bình", "Châu", "Chi", "Cường", "Dũng", "Dung", "Duy", "Đạt", "Giang", "Hà",
    "Hải", "Hạnh", "Hiếu", "Hoa", "Hòa", "Hùng", "Hương", "Huy", "Khánh", "Khoa", "Lan", "Linh",
    "Long", "Mai", "Minh", "My", "Nam", "Nga", "Ngân", "Nghĩa", "Ngọc", "Nhung", "Phong", "Phúc",
    "Phương", "Quân", "Quang", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Thịnh", "Thu", "Thủy",
    "Tiến", "Trang", "Trí", "Trinh", "Trung", "Tú", "Tuấn", "Tùng", "Uyên", "Vân", "Việt", "Vy",
    "Yến",
];

/// Two-syllable place-name words for synthesising "Xã {place}" / "Phường {place}".
pub const PLACE_NAMES: &[&str] = &[
    "An Phú",
    "An Lạc",
    "An Bình",
    "An Hòa",
    "An Khánh",
    "An Thạnh",
    "Tân Hòa",
    "Tân Phú",
    "Tân An",
    "Tân Thành",
    "Tân Hiệp",
    "Tân Lập",
    "Tân Long",
    "Phước Long",
    "Phước Hòa",
    "Phước Thạnh",
    "Phước An",
    "Vĩnh Thạnh",
    "Vĩnh Phú",
    "Vĩnh Hòa",
    "Vĩnh Lợi",
    "Vĩnh Xuân",
    "Bình Minh",
    "Bình Hòa",
    "Bình An",
    "Bình Thạnh",
    "Bình Lợi",
    "Hòa Thuận",
    "Hòa Lợi",
    "Hòa Khánh",
    "Hòa Hiệp",
    "Long Hưng",
    "Long Phú",
    "Long Hòa",
    "Long Thạnh",
    "Mỹ Phước",
    "Mỹ Hòa",
    "Mỹ Lộc",
    "Mỹ Thuận",
    "Thạnh Phú",
    "Thạnh Lộc",
    "Phú Hòa",
    "Phú Lộc",
    "Phú Thành",
    "Phú Mỹ",
    "Hưng Thịnh",
    "Hưng Long",
    "Hưng Đạo",
    "Thuận An",
    "Thuận Lợi",
    "Thanh Bình",
    "Thanh Sơn",
    "Thanh Xuân",
    "Xuân Lộc",
    "Xuân Hòa",
    "Xuân Phú",
    "Đông Hòa",
    "Đông Sơn",
    "Tây Sơn",
    "Nam Hòa",
    "Bắc Sơn",
    "Quảng Phú",
    "Quảng Long",
    "Định An",
    "Định Thành",
    "Đức Hòa",
    "Đức Thạnh",
    "Lộc Hưng",
    "Lộc Thành",
    "Khánh Bình",
    "Khánh An",
    "Hiệp Phước",
    "Nhơn Mỹ",
    "Nhơn Phú",
    "Lam Sơn",
    "Hải Ninh",
    "Trung Hòa",
    "Trung Nghĩa",
    "Kim Sơn",
    "Ngọc Lâm",
];

/// Short positive citizen comments about one-stop service.
pub const COMMENTS_POSITIVE: &[&str] = &[
    "Cán bộ hướng dẫn rất tận tình",
    "Thủ tục nhanh gọn, nhận kết quả đúng hẹn",
    "Nhân viên niềm nở, lịch sự",
    "Được giải thích rõ ràng từng bước, rất dễ hiểu",
    "Phòng chờ sạch sẽ, thoáng mát, có nước uống",
    "Lấy số thứ tự tự động rất tiện, không phải chen lấn",
    "Nộp hồ sơ trực tuyến rồi lên nhận kết quả luôn, rất thuận tiện",
    "Cán bộ kiểm tra hồ sơ kỹ, báo thiếu giấy tờ một lần là đủ",
    "Được hỗ trợ điền tờ khai tại chỗ, cảm ơn các cô chú",
    "Trả kết quả sớm hơn ngày hẹn",
    "Không phải chờ lâu, chưa đến mười phút đã xong",
    "Thái độ phục vụ chuyên nghiệp, đáng khen",
    "Có nhắn tin báo khi hồ sơ đã có kết quả, rất hài lòng",
    "Người cao tuổi được ưu tiên, cán bộ rất chu đáo",
    "Lệ phí niêm yết công khai, thanh toán chuyển khoản dễ dàng",
];

/// Short negative citizen comments about one-stop service.
pub const COMMENTS_NEGATIVE: &[&str] = &[
    "Phải chờ quá lâu, không có chỗ ngồi",
    "Cán bộ trả lời cộc lốc, thiếu nhiệt tình",
    "Hồ sơ bị trả lại nhiều lần, mỗi lần yêu cầu bổ sung một giấy khác",
    "Trễ hẹn trả kết quả mà không báo trước",
    "Hệ thống mạng bị lỗi, phải quay lại hôm sau",
    "Quầy chỉ có một người tiếp nhận, hàng chờ rất dài",
    "Không có hướng dẫn rõ ràng, không biết nộp ở quầy nào",
    "Bãi giữ xe chật, phải gửi xe ở ngoài",
    "Máy lấy số thứ tự bị hỏng, mọi người chen lấn",
    "Cán bộ đi vắng trong giờ làm việc, phải ngồi đợi",
    "Biểu mẫu in sẵn đã hết, phải tự đi photo",
    "Nộp trực tuyến rồi vẫn phải mang bản giấy lên nộp lại",
    "Phòng chờ nóng bức, không có quạt",
    "Gọi điện đường dây nóng nhưng không ai nghe máy",
    "Thông tin niêm yết khác với yêu cầu thực tế của cán bộ",
];
