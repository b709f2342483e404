//! The SIPAS 2017–2020 questionnaire of the Ministry of Home Affairs: 5 elements, 22 criteria,
//! the 1–5 scale. Seeded as version 1 of the instrument `SIPAS` on every new database.

/// (code, Vietnamese, English, criteria: (code, Vietnamese, English))
pub type ElementSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
);

pub const CODE: &str = "SIPAS";
pub const NAME_VI: &str = "Bộ câu hỏi SIPAS 2017–2020";
pub const NAME_EN: &str = "SIPAS questionnaire 2017–2020";

pub const SCALE: [(i32, &str, &str); 5] = [
    (1, "Rất không hài lòng", "Very dissatisfied"),
    (2, "Không hài lòng", "Dissatisfied"),
    (3, "Bình thường", "Neutral"),
    (4, "Hài lòng", "Satisfied"),
    (5, "Rất hài lòng", "Very satisfied"),
];

pub const ELEMENTS: [ElementSeed; 5] = [
    (
        "TC",
        "Tiếp cận dịch vụ",
        "Access to the service",
        &[
            (
                "TC1",
                "Nơi ngồi chờ tại Bộ phận Một cửa có đủ chỗ ngồi",
                "The waiting area at the one-stop counter has enough seats",
            ),
            (
                "TC2",
                "Trang thiết bị phục vụ người dân tại Bộ phận Một cửa đầy đủ",
                "The equipment for citizens at the counter is adequate",
            ),
            (
                "TC3",
                "Trang thiết bị phục vụ người dân tại Bộ phận Một cửa hiện đại",
                "The equipment for citizens at the counter is modern",
            ),
            (
                "TC4",
                "Trang thiết bị phục vụ người dân tại Bộ phận Một cửa dễ sử dụng",
                "The equipment for citizens at the counter is easy to use",
            ),
        ],
    ),
    (
        "TT",
        "Thủ tục hành chính",
        "Administrative procedures",
        &[
            (
                "TT1",
                "Thủ tục hành chính được niêm yết công khai đầy đủ",
                "The procedure is posted publicly in full",
            ),
            (
                "TT2",
                "Thủ tục hành chính được niêm yết công khai chính xác",
                "The procedure is posted publicly and accurately",
            ),
            (
                "TT3",
                "Thành phần hồ sơ phải nộp là đúng quy định",
                "The documents asked for are as regulated",
            ),
            (
                "TT4",
                "Phí, lệ phí phải nộp là đúng quy định",
                "The fees charged are as regulated",
            ),
            (
                "TT5",
                "Thời hạn giải quyết ghi trên giấy hẹn là đúng quy định",
                "The processing time on the appointment slip is as regulated",
            ),
        ],
    ),
    (
        "CC",
        "Công chức trực tiếp giải quyết công việc",
        "The civil servant who handled the case",
        &[
            (
                "CC1",
                "Công chức có thái độ giao tiếp lịch sự",
                "The civil servant was polite",
            ),
            (
                "CC2",
                "Công chức chú ý lắng nghe ý kiến của người dân",
                "The civil servant listened carefully",
            ),
            (
                "CC3",
                "Công chức trả lời, giải thích đầy đủ các ý kiến",
                "The civil servant answered and explained fully",
            ),
            (
                "CC4",
                "Công chức hướng dẫn kê khai hồ sơ tận tình, chu đáo",
                "The civil servant guided the paperwork with care",
            ),
            (
                "CC5",
                "Công chức hướng dẫn kê khai hồ sơ dễ hiểu",
                "The civil servant's guidance was easy to understand",
            ),
            (
                "CC6",
                "Công chức tuân thủ đúng quy định trong giải quyết công việc",
                "The civil servant followed the rules",
            ),
        ],
    ),
    (
        "KQ",
        "Kết quả giải quyết",
        "The result",
        &[
            (
                "KQ1",
                "Kết quả nhận được là đúng quy định",
                "The result received is as regulated",
            ),
            (
                "KQ2",
                "Kết quả có thông tin đầy đủ",
                "The result has complete information",
            ),
            (
                "KQ3",
                "Kết quả có thông tin chính xác",
                "The result has accurate information",
            ),
        ],
    ),
    (
        "PH",
        "Tiếp nhận, xử lý ý kiến góp ý, phản ánh",
        "Receiving and handling feedback",
        &[
            (
                "PH1",
                "Cơ quan có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị",
                "The office has a way to receive feedback",
            ),
            (
                "PH2",
                "Người dân dễ dàng thực hiện góp ý, phản ánh, kiến nghị",
                "Giving feedback is easy",
            ),
            (
                "PH3",
                "Cơ quan tiếp nhận, xử lý tích cực các góp ý, phản ánh, kiến nghị",
                "The office handles feedback actively",
            ),
            (
                "PH4",
                "Cơ quan thông báo kết quả xử lý kịp thời",
                "The office reports the outcome of feedback in time",
            ),
        ],
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn five_elements_and_twenty_two_criteria() {
        assert_eq!(super::ELEMENTS.len(), 5);
        assert_eq!(super::ELEMENTS.iter().map(|e| e.3.len()).sum::<usize>(), 22);
    }
}
