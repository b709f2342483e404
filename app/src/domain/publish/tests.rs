//! The publication rules, format by format. Each expected output is written by hand from the
//! rule in the module's documentation (what Decree 13/2023 calls personal data: names, phone
//! numbers, e-mail and postal addresses, ID numbers), never read back from the code.

use super::*;

/// The citizen of most rows: what they typed in the form.
fn binh() -> People {
    People::new().person(
        "Trần Văn Bình",
        "0987111222",
        "binh.tran@gmail.com",
        "12 Lê Lợi, thôn 2, Xã An Phú",
    )
}

fn out(text: &str, people: &People) -> String {
    publish(text, people, &[]).public_text()
}

/// (what was typed, what the public sees) for the citizen above.
const FORMATS: &[(&str, &str)] = &[
    // Phone numbers, as people write them.
    ("Gọi 0912345678 nhé.", "Gọi […] nhé."),
    ("Gọi 0912 345 678 nhé.", "Gọi […] nhé."),
    ("Gọi 0912.345.678 nhé.", "Gọi […] nhé."),
    ("Gọi 0912-345-678 nhé.", "Gọi […] nhé."),
    ("Gọi (0912) 345 678 nhé.", "Gọi […] nhé."),
    ("Gọi 0912/345/678 nhé.", "Gọi […] nhé."),
    ("Gọi 0912  345  678 nhé.", "Gọi […] nhé."),
    ("Gọi +84 912 345 678 nhé.", "Gọi […] nhé."),
    ("Gọi +84-912-345-678 nhé.", "Gọi […] nhé."),
    ("Gọi 84912345678 nhé.", "Gọi […] nhé."),
    ("Gọi 0 9 1 2 3 4 5 6 7 8 nhé.", "Gọi […] nhé."),
    // Full-width digits (U+FF10…), as some phone keyboards type them.
    (
        "Gọi \u{ff10}\u{ff19}\u{ff11}\u{ff12}\u{ff13}\u{ff14}\u{ff15}\u{ff16}\u{ff17}\u{ff18} nhé.",
        "Gọi […] nhé.",
    ),
    // Zero-width spaces between the digits.
    ("Gọi 0912\u{200b}345\u{200b}678 nhé.", "Gọi […] nhé."),
    ("Số máy bàn 0260 3861 234.", "Số máy bàn […]."),
    (
        "Ngày 12/03/2026 0912345678 gọi.",
        "Ngày 12/03/2026 […] gọi.",
    ),
    ("Số 0912345678, 0987 111 333.", "Số […], […]."),
    ("sđt:0912345678.", "sđt:[…]."),
    // E-mail addresses, plain and disguised.
    ("Thư: hoa.nguyen@gmail.com.", "Thư: […]."),
    ("Thư: HOA.NGUYEN@GMAIL.COM.", "Thư: […]."),
    ("Thư: hoa.nguyen (at) gmail.com.", "Thư: […]."),
    ("Thư: hoa.nguyen [at] gmail [dot] com.", "Thư: […]."),
    ("Thư: hoa.nguyen a còng gmail chấm com.", "Thư: […]."),
    ("Thư: hoa.nguyen @ gmail.com.", "Thư: […]."),
    ("Thư: hoa.nguyen\u{ff20}gmail.com.", "Thư: […]."),
    ("Thư: an+phananh@example.vn.", "Thư: […]."),
    // ID numbers.
    (
        "CCCD 001203001234 cấp ngày 12/3/2021.",
        "CCCD […] cấp ngày 12/3/2021.",
    ),
    ("CMND số 123.456.789.", "CMND số […]."),
    ("Hộ chiếu C1234567.", "Hộ chiếu […]."),
    ("Mã số thuế 0101234567-001.", "Mã số thuế […]."),
    ("Số căn cước 0012 0300 1234.", "Số căn cước […]."),
    // The citizen's own name, however written.
    ("Tôi là Trần Văn Bình.", "Tôi là […]."),
    ("TÔI LÀ TRẦN VĂN BÌNH.", "TÔI LÀ […]."),
    ("Toi la Tran Van Binh.", "Toi la […]."),
    ("Tôi là trần văn bình.", "Tôi là […]."),
    ("Xin gửi Trần Bình, Văn Bình.", "Xin gửi […], […]."),
    ("Cảm ơn Bình đã phản ánh.", "Cảm ơn […] đã phản ánh."),
    // Other people, after a form of address.
    (
        "Ông Nguyễn Văn Tư ở cạnh nhà lấn đất.",
        "Ông […] ở cạnh nhà lấn đất.",
    ),
    ("Gặp bà Lê Thị Hoa hôm qua.", "Gặp bà […] hôm qua."),
    (
        "Hỏi anh Tuấn, chị Mai và cô Lụa.",
        "Hỏi anh […], chị […] và cô […].",
    ),
    (
        "Nhờ chú Ba, em Hùng, bác Tư, cụ Tám.",
        "Nhờ chú […], em […], bác […], cụ […].",
    ),
    ("Hỏi ong Tran Van Tu.", "Hỏi ong […]."),
    ("Kính gửi Ông Phạm Minh Đức.", "Kính gửi Ông […]."),
    ("Hỏi chị Anh và chị Chi.", "Hỏi chị […] và chị […]."),
    // House addresses, hamlets, neighbourhoods, parcels.
    ("Nhà số 12 đường Trần Hưng Đạo.", "Nhà […]."),
    ("Tôi ở 45 Nguyễn Huệ.", "Tôi ở […]."),
    ("Nhà 45 ngõ Trúc Lâm bị ngập.", "Nhà […] bị ngập."),
    ("Cuối hẻm 34/5 có rác.", "Cuối […] có rác."),
    ("Đường thôn 3 hỏng.", "Đường […] hỏng."),
    ("Đường tổ 5 hỏng.", "Đường […] hỏng."),
    ("Ở tổ dân phố 7, khu phố 3.", "Ở […], […]."),
    ("Dân ấp Bình Hòa và xóm Bờ Kè.", "Dân […] và […]."),
    ("Thôn II thiếu điện.", "[…] thiếu điện."),
    (
        "Thửa đất số 4521, tờ bản đồ số 12.",
        "Thửa đất số […], tờ bản đồ số […].",
    ),
    ("Căn hộ 1203 bị thấm.", "[…] bị thấm."),
    ("Đèn khu dân cư số 3 hỏng.", "Đèn […] hỏng."),
];

/// What must stay as it is: dates, years, sums, legal references, units, ordinary words.
const KEPT: &[&str] = &[
    "Hồ sơ nộp ngày 12/03/2026, hẹn trả 2026-03-19.",
    "Kế hoạch giai đoạn 2021 - 2025 và 2026-2030.",
    "Lệ phí 1.500.000.000 đồng, phí 50.000 đ.",
    "Theo Nghị định 20/2008/NĐ-CP và Quyết định 766/QĐ-TTg.",
    "Cán bộ quầy số 3 hướng dẫn tận tình.",
    "Tổ chức, cá nhân nộp bản sao có Giấy chứng nhận quyền sử dụng đất.",
    "Ông Chủ tịch UBND xã đã hứa sửa đường.",
    "Tỉnh Bà Rịa – Vũng Tàu và chợ Bà Chiểu.",
    "Mã phản ánh PA26048213.",
    "Xã An Phú Lạc bảo đảm an toàn, bình thường.",
    "Bình thường thì hồ sơ xong sớm.",
    "Đường Trần Hưng Đạo được mở rộng.",
];

#[test]
fn every_format_of_personal_data_is_removed() {
    let people = binh();
    let mut wrong = Vec::new();
    for (typed, want) in FORMATS {
        let got = out(typed, &people);
        if got != *want {
            wrong.push(format!("{typed:?}\n   want {want:?}\n    got {got:?}"));
        }
    }
    assert!(FORMATS.len() >= 32, "{} formats", FORMATS.len());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn ordinary_text_is_left_alone() {
    let people = binh();
    let mut wrong = Vec::new();
    for typed in KEPT {
        let got = out(typed, &people);
        if got != *typed {
            wrong.push(format!("{typed:?}\n    got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The given name of "Nguyễn Văn An" is not the commune "An Phú" nor the word "an toàn".
    let an = People::new().person("Nguyễn Văn An", "", "", "");
    assert_eq!(
        out("Xã An Phú Lạc bảo đảm an toàn.", &an),
        "Xã An Phú Lạc bảo đảm an toàn."
    );
    assert_eq!(out("Cảm ơn An, Nguyễn Văn An.", &an), "Cảm ơn […], […].");
}

#[test]
fn decomposed_input_is_found_and_comes_out_composed() {
    // "Tôi là Trần Văn Bình" typed decomposed: ô = o + U+0302, à = a + U+0300, ầ = a + U+0302
    // + U+0300, ă = a + U+0306, ì = i + U+0300.
    let nfd = "To\u{302}i la\u{300} Tra\u{302}\u{300}n Va\u{306}n Bi\u{300}nh.";
    let p = publish(nfd, &binh(), &[]);
    assert_eq!(p.public_text(), "Tôi là […].");
    assert_eq!(p.source(), "Tôi là Trần Văn Bình.");
    // The name given decomposed finds the name typed composed.
    let nfd_name = People::new().person("Tra\u{302}\u{300}n Va\u{306}n Bi\u{300}nh", "", "", "");
    assert_eq!(out("Gửi Trần Văn Bình.", &nfd_name), "Gửi […].");
}

#[test]
fn the_minutes_of_the_issue_are_published_without_personal_data() {
    let q = "Ông Trần Văn Bình (0987 111 222, thôn 2) hỏi về đất. CCCD 001203001234. \
             Liên hệ binh.tran@gmail.com.";
    assert_eq!(
        out(q, &binh()),
        "Ông […] ([…], […]) hỏi về đất. CCCD […]. Liên hệ […]."
    );
    assert_eq!(
        out("Đã gọi lại số 0987.111.222 của ông Bình.", &binh()),
        "Đã gọi lại số […] của ông […]."
    );
    // The citizen's address and e-mail name, alone.
    assert_eq!(
        out("Nhà ở 12 Lê Lợi; thư gửi binh.tran.", &binh()),
        "Nhà ở […]; thư gửi […]."
    );
}

#[test]
fn the_review_shows_each_removal_and_the_official_removes_more() {
    let text = "Hợp tác xã Bình Minh của Bình gọi 0912345678.";
    let p = publish(text, &binh(), &["hop tac xa binh minh".to_string()]);
    assert_eq!(p.public_text(), "[…] của […] gọi […].");
    assert_eq!(
        p.parts(),
        vec![
            Part::Removed("Hợp tác xã Bình Minh", Kind::Extra),
            Part::Kept(" của "),
            Part::Removed("Bình", Kind::Name),
            Part::Kept(" gọi "),
            Part::Removed("0912345678", Kind::Phone),
            Part::Kept("."),
        ]
    );
    assert_eq!(p.source(), text, "the text as typed stays for the record");
    // Extra words are typed one per line; blank lines go, duplicates go, nonsense is refused.
    assert_eq!(
        parse_extra("Bình Minh\n\n  Hợp tác xã \nBình Minh"),
        Ok(vec!["Bình Minh".to_string(), "Hợp tác xã".to_string()])
    );
    assert_eq!(parse_extra("..."), Err("pub.err_extra_word"));
    assert_eq!(parse_extra(&"x".repeat(101)), Err("pub.err_extra_long"));
    assert_eq!(
        parse_extra(&(0..31).map(|i| format!("w{i}\n")).collect::<String>()),
        Err("pub.err_extra_many")
    );
}

#[test]
fn removals_never_overlap_and_cover_whole_characters() {
    let text = "Ông Trần Văn Bình, 0987 111 222, binh.tran@gmail.com, thôn 2, \u{130}x";
    let p = publish(text, &binh(), &["Văn Bình".to_string()]);
    let mut at = 0;
    for r in p.removals() {
        assert!(r.start >= at && r.end > r.start, "{:?}", p.removals());
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        at = r.end;
    }
    assert_eq!(p.public_text(), "Ông […], […], […], […], \u{130}x");
}

#[test]
fn the_first_answer_page_example_and_letters_whose_lower_case_changes_length() {
    // The example the first version of the public answers page was tested with.
    let text = "Tôi là Nguyễn Văn An, ở 12 Lê Lợi, Xã An Phú. Gọi 0912 345 678 hoặc \
                an.nguyen@example.vn. CCCD 001203004567. Hồ sơ nộp ngày 12/3/2026, phí 50.000 đồng.";
    let an = People::new().person(
        "Nguyễn Văn An",
        "0912345678",
        "an.nguyen@example.vn",
        "12 Lê Lợi, Xã An Phú",
    );
    assert_eq!(
        out(text, &an),
        "Tôi là […], ở […]. Gọi […] hoặc […]. CCCD […]. Hồ sơ nộp ngày 12/3/2026, phí 50.000 đồng."
    );
    assert_eq!(out("NGUYỄN VĂN AN hỏi", &an), "[…] hỏi");
    // `İ` grows by a byte when lower-cased: positions in the view are not positions in the
    // text, and the removal must still fall on the right bytes. (The Ohm sign U+2126 is the
    // Greek capital omega U+03A9 in NFC, as every published text is.)
    let nguyen_an = People::new().person("nguyen an", "", "", "");
    assert_eq!(
        out("\u{130} Nguyen An, hỏi \u{2126}", &nguyen_an),
        "\u{130} […], hỏi \u{3a9}"
    );
    // Any case matches where lengths change (the Kelvin sign is a compatibility `K`).
    let kelvin = People::new().person("kelvin", "", "", "");
    assert_eq!(out("KELVIN \u{212A}elvin", &kelvin), "[…] […]");
    // Whole words only: the name "Hoa" is not removed from "Khoa".
    let hoa = People::new().person("Hoa", "", "", "");
    assert_eq!(out("Khoa học; Hoa hỏi.", &hoa), "Khoa học; […] hỏi.");
}

#[test]
fn a_long_text_is_published_quickly() {
    // Measured, not asserted: the longest text a form takes (5,000 characters), full of data.
    let line = "Ông Nguyễn Văn Tư (0912 345 678, thôn 2) gửi hoa.nguyen@gmail.com. ";
    let text: String = line.repeat(5000 / line.chars().count());
    let started = std::time::Instant::now();
    let p = publish(&text, &binh(), &["Tư".to_string()]);
    let took = started.elapsed();
    assert!(!p.public_text().contains("0912"));
    eprintln!(
        "publish: {} characters, {} removals in {:.1} ms",
        text.chars().count(),
        p.removals().len(),
        took.as_secs_f64() * 1000.0
    );
}
