//! Feedback cases (phản ánh, kiến nghị) under Decree 20/2008/NĐ-CP as amended by Decree 92/2017:
//! statuses and the steps allowed from each, the four classes, the settings that give each class
//! its handling deadline, the citizen's input, case codes and attachment checks on the bytes.
//! Personal data is removed before an answer is published by [`super::publish`].

use super::validate;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Received, not yet classified (or received from another unit by forwarding).
    Received,
    /// Accepted and being handled.
    Processing,
    /// An answer waits for the leader's approval.
    AwaitingApproval,
    /// The answer is published to the citizen.
    Answered,
    /// Closed after the answer.
    Closed,
    /// Not accepted, with the reason shown to the citizen.
    NotAccepted,
    /// Forwarded to a body outside the platform.
    Forwarded,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Received,
        Status::Processing,
        Status::AwaitingApproval,
        Status::Answered,
        Status::Closed,
        Status::NotAccepted,
        Status::Forwarded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Processing => "processing",
            Status::AwaitingApproval => "awaiting_approval",
            Status::Answered => "answered",
            Status::Closed => "closed",
            Status::NotAccepted => "not_accepted",
            Status::Forwarded => "forwarded",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            Status::Received => "fb.status.received",
            Status::Processing => "fb.status.processing",
            Status::AwaitingApproval => "fb.status.awaiting_approval",
            Status::Answered => "fb.status.answered",
            Status::Closed => "fb.status.closed",
            Status::NotAccepted => "fb.status.not_accepted",
            Status::Forwarded => "fb.status.forwarded",
        }
    }
    /// Whether the unit still owes the citizen something (deadlines apply).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Received | Status::Processing | Status::AwaitingApproval
        )
    }
    /// The statuses still open, for SQL filters.
    pub fn open_strs() -> [&'static str; 3] {
        ["received", "processing", "awaiting_approval"]
    }
}

/// The four classes of the decree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Class {
    /// Fails the requirements (no name, no address, not about a regulation…): not accepted.
    NotAccepted,
    /// A problem in applying a regulation.
    Applying,
    /// About a regulation within the unit's competence.
    Competent,
    /// Outside the unit's competence: forward to the competent unit within 5 working days.
    Outside,
}

impl Class {
    pub const ALL: [Class; 4] = [
        Class::NotAccepted,
        Class::Applying,
        Class::Competent,
        Class::Outside,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Class::NotAccepted => "not_accepted",
            Class::Applying => "applying",
            Class::Competent => "competent",
            Class::Outside => "outside",
        }
    }
    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            Class::NotAccepted => "fb.class.not_accepted",
            Class::Applying => "fb.class.applying",
            Class::Competent => "fb.class.competent",
            Class::Outside => "fb.class.outside",
        }
    }
}

/// How a case reached the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    Web,
    Kiosk,
    Phone,
    Paper,
    Email,
    /// A question asked at a dialogue session, turned into a case by an official.
    Session,
}

impl Channel {
    /// The channels an official records when entering a case on a citizen's behalf.
    pub const STAFF: [Channel; 3] = [Channel::Phone, Channel::Paper, Channel::Email];
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Kiosk => "kiosk",
            Channel::Phone => "phone",
            Channel::Paper => "paper",
            Channel::Email => "email",
            Channel::Session => "session",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        [
            Channel::Web,
            Channel::Kiosk,
            Channel::Phone,
            Channel::Paper,
            Channel::Email,
            Channel::Session,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            Channel::Web => "fb.channel.web",
            Channel::Kiosk => "fb.channel.kiosk",
            Channel::Phone => "fb.channel.phone",
            Channel::Paper => "fb.channel.paper",
            Channel::Email => "fb.channel.email",
            Channel::Session => "fb.channel.session",
        }
    }
}

/// A step an official or leader takes on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Assign,
    Classify,
    Answer,
    Approve,
    Return,
    Close,
}

/// Whether `step` may be taken on a case in `status`.
pub fn allowed(status: Status, step: Step) -> bool {
    use Status::*;
    match step {
        Step::Assign => status.is_open(),
        Step::Classify => status == Received,
        Step::Answer => status == Processing,
        Step::Approve | Step::Return => status == AwaitingApproval,
        Step::Close => status == Answered,
    }
}

/// Deadlines and switches an administrator sets (working days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Classify, and forward what is outside the unit's competence, within this many days.
    pub forward_days: u32,
    /// Handle a problem in applying a regulation within this many days of receipt.
    pub applying_days: u32,
    /// Handle a case within the unit's competence within this many days of receipt.
    pub competent_days: u32,
    /// Warn this many days before a deadline.
    pub due_soon_days: u32,
    /// The new date an apology promises: this many days after the day it is sent.
    pub apology_days: u32,
    /// Answers wait for a leader's approval before they are published.
    pub approval_required: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            forward_days: 5,
            applying_days: 10,
            competent_days: 20,
            due_soon_days: 2,
            apology_days: 5,
            approval_required: false,
        }
    }
}

impl Settings {
    /// The keys under which each setting is stored, with a reader and a writer.
    pub const KEYS: [&'static str; 6] = [
        "feedback.forward_days",
        "feedback.applying_days",
        "feedback.competent_days",
        "feedback.due_soon_days",
        "feedback.apology_days",
        "feedback.approval_required",
    ];

    /// Reads stored values over the defaults; unknown keys and bad values are ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Settings {
        let mut s = Settings::default();
        for (k, v) in pairs {
            let n = v.trim().parse::<u32>().ok().filter(|n| *n <= 365);
            match (k, n) {
                ("feedback.forward_days", Some(n)) => s.forward_days = n,
                ("feedback.applying_days", Some(n)) => s.applying_days = n,
                ("feedback.competent_days", Some(n)) => s.competent_days = n,
                ("feedback.due_soon_days", Some(n)) => s.due_soon_days = n,
                ("feedback.apology_days", Some(n)) if n > 0 => s.apology_days = n,
                ("feedback.approval_required", _) => {
                    s.approval_required = matches!(v.trim(), "1" | "true")
                }
                _ => {}
            }
        }
        s
    }

    pub fn to_pairs(self) -> Vec<(&'static str, String)> {
        let vals = [
            self.forward_days.to_string(),
            self.applying_days.to_string(),
            self.competent_days.to_string(),
            self.due_soon_days.to_string(),
            self.apology_days.to_string(),
            if self.approval_required { "1" } else { "0" }.to_string(),
        ];
        Settings::KEYS.into_iter().zip(vals).collect()
    }

    /// The handling limit of a class (from the day the unit received the case).
    pub fn handling_days(&self, class: Class) -> u32 {
        match class {
            Class::Applying => self.applying_days,
            Class::Competent => self.competent_days,
            Class::NotAccepted | Class::Outside => self.forward_days,
        }
    }
}

/// What the citizen (or an official on their behalf) sends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseInput {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub content: String,
}

/// The longest content accepted (characters).
pub const MAX_CONTENT: usize = 5000;

/// Parses the citizen's fields: name, address and content are required, and a phone or an e-mail
/// (the decree's requirement, so that the answer can reach them). Errors are (field, i18n key).
pub fn parse_input(
    name: &str,
    phone: &str,
    email: &str,
    address: &str,
    content: &str,
    consent: bool,
) -> Result<CaseInput, Vec<(&'static str, &'static str)>> {
    let mut errs = Vec::new();
    let mut take = |field: &'static str, r: Result<String, &'static str>| match r {
        Ok(v) => v,
        Err(e) => {
            errs.push((field, e));
            String::new()
        }
    };
    let name = take("name", validate::required_text(name, 100));
    let address = take("address", validate::required_text(address, 200));
    let content = take("content", long_text(content, MAX_CONTENT));
    let phone = if phone.trim().is_empty() {
        String::new()
    } else {
        take("phone", validate::phone(phone))
    };
    let email = if email.trim().is_empty() {
        String::new()
    } else {
        take("email", validate::email(email))
    };
    if phone.is_empty()
        && email.is_empty()
        && !errs.iter().any(|(f, _)| matches!(*f, "phone" | "email"))
    {
        errs.push(("phone", "err.phone_or_email"));
    }
    if !consent {
        errs.push(("consent", "err.consent"));
    }
    if errs.is_empty() {
        Ok(CaseInput {
            name,
            phone,
            email,
            address,
            content,
        })
    } else {
        Err(errs)
    }
}

/// A required multi-line text: line breaks and tabs allowed, other control characters refused;
/// in NFC (see [`super::text::nfc`]).
pub fn long_text(s: &str, max: usize) -> Result<String, &'static str> {
    let t = super::text::nfc(s.trim()).replace("\r\n", "\n");
    if t.is_empty() {
        return Err("err.required");
    }
    if t.chars().count() > max {
        return Err("err.too_long");
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("err.bad_chars");
    }
    Ok(t)
}

/// A case code: "PA", the two-digit year, six digits (e.g. `PA26048213`).
pub fn make_code(year: i32, n: u32) -> String {
    format!("PA{:02}{:06}", year.rem_euclid(100), n % 1_000_000)
}

/// A code as typed by a citizen: spaces and dashes dropped, upper-cased.
pub fn normalize_code(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
        .collect::<String>()
        .to_uppercase()
}

/// Whether what the citizen typed to find a case matches its phone or e-mail.
pub fn contact_matches(typed: &str, phone: &str, email: &str) -> bool {
    let typed = typed.trim();
    if typed.is_empty() {
        return false;
    }
    if let Ok(p) = validate::phone(typed) {
        return !phone.is_empty() && p == phone;
    }
    !email.is_empty() && typed.eq_ignore_ascii_case(email)
}

/// The kinds of file a citizen may attach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }
}

/// The largest attachment accepted, and how many a case may carry.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_FILES: usize = 3;

/// What the bytes are (the file name and the browser's declared type are not trusted).
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("application/pdf") => Some(FileKind::Pdf),
        Some("image/jpeg") => Some(FileKind::Jpeg),
        Some("image/png") => Some(FileKind::Png),
        _ => None,
    }
}

impl FileKind {
    /// The kind of a stored attachment, from the type its bytes were recognised as.
    pub fn from_mime(mime: &str) -> Option<FileKind> {
        [FileKind::Pdf, FileKind::Jpeg, FileKind::Png]
            .into_iter()
            .find(|k| k.mime() == mime)
    }
    /// The file name extension of the kind.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
        }
    }
}

/// The citizen's file name, kept to be shown as text only: the last path part, no control or
/// invisible characters (bidirectional overrides included), at most 100 characters, in NFC.
pub fn clean_file_name(name: &str, kind: FileKind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = super::text::nfc(base)
        .chars()
        .filter(|c| !c.is_control() && !super::text::is_invisible(*c) && !matches!(c, '"' | ';'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        format!("tep-dinh-kem.{}", kind.extension())
    } else {
        cleaned
    }
}

/// The name an attachment is served under: made by us, never the citizen's (which could say
/// `.html` or `.exe`), with the extension of the type its bytes were recognised as:
/// `hs-PA26048213-1.pdf` for the first file of case PA26048213.
pub fn served_file_name(case_code: &str, n: usize, kind: FileKind) -> String {
    let code: String = case_code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("hs-{code}-{n}.{}", kind.extension())
}

/// A `Content-Disposition: attachment` value for `name` (RFC 6266): a plain `filename` with
/// anything but printable ASCII replaced by `_`, and `filename*` with the name in UTF-8,
/// percent-encoded as RFC 8187 (which replaced RFC 5987) says.
pub fn content_disposition(name: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    // RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_"
    // / "`" / "|" / "~"; everything else is percent-encoded.
    const ATTR: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');
    let plain: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{plain}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_follow_the_workflow() {
        assert!(allowed(Status::Received, Step::Classify));
        assert!(!allowed(Status::Processing, Step::Classify));
        assert!(allowed(Status::Processing, Step::Answer));
        assert!(!allowed(Status::Received, Step::Answer));
        assert!(allowed(Status::AwaitingApproval, Step::Approve));
        assert!(allowed(Status::AwaitingApproval, Step::Return));
        assert!(!allowed(Status::Processing, Step::Approve));
        assert!(allowed(Status::Answered, Step::Close));
        assert!(!allowed(Status::Closed, Step::Assign));
        assert!(!allowed(Status::NotAccepted, Step::Answer));
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for c in Class::ALL {
            assert_eq!(Class::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn settings_read_over_defaults() {
        let s = Settings::from_pairs([
            ("feedback.competent_days", "30"),
            ("feedback.approval_required", "1"),
            ("feedback.applying_days", "lots"),
            ("feedback.apology_days", "0"),
        ]);
        assert_eq!(s.competent_days, 30);
        assert!(s.approval_required);
        assert_eq!(s.applying_days, 10, "a bad value keeps the default");
        assert_eq!(s.apology_days, 5, "an apology must promise a later day");
        assert_eq!(s.handling_days(Class::Competent), 30);
        let round: Vec<(&str, String)> = s.to_pairs();
        let back = Settings::from_pairs(round.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, s);
    }

    #[test]
    fn input_needs_a_way_to_answer_and_consent() {
        let ok = parse_input(
            "Nguyễn Văn An",
            "0912 345 678",
            "",
            "Xã An Phú",
            "Thủ tục đất đai\r\nquá lâu",
            true,
        )
        .unwrap();
        assert_eq!(ok.phone, "0912345678");
        assert_eq!(ok.content, "Thủ tục đất đai\nquá lâu");
        let errs = parse_input("", "", "", "", "", false).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            vec!["name", "address", "content", "phone", "consent"]
        );
        let errs = parse_input("A B", "12", "x@", "Addr", "Text", true).unwrap_err();
        assert_eq!(errs, vec![("phone", "err.phone"), ("email", "err.email")]);
        assert!(parse_input("A B", "", "an@example.vn", "Addr", "Text", true).is_ok());
    }

    #[test]
    fn codes_and_contacts() {
        assert_eq!(make_code(2026, 48213), "PA26048213");
        assert_eq!(normalize_code(" pa26-048 213 "), "PA26048213");
        assert!(contact_matches("+84 912 345 678", "0912345678", ""));
        assert!(contact_matches("An@Example.VN", "", "an@example.vn"));
        assert!(!contact_matches("0912345679", "0912345678", ""));
        assert!(!contact_matches("", "", ""));
        assert!(!contact_matches("0912345678", "", "an@example.vn"));
    }

    #[test]
    fn files_are_judged_by_their_bytes() {
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
            Some(FileKind::Pdf)
        );
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F']),
            Some(FileKind::Jpeg)
        );
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileKind::Png));
        assert_eq!(sniff(b"MZ\x90\0 this is an exe named photo.jpg"), None);
        assert_eq!(sniff(b"<html>not a pdf</html>"), None);
        assert_eq!(
            clean_file_name("C:\\Users\\an\\don.pdf", FileKind::Pdf),
            "don.pdf"
        );
        assert_eq!(clean_file_name("\u{7}", FileKind::Png), "tep-dinh-kem.png");
        // A right-to-left override would show "invoice_exe.pdf" for a file that ends in .exe.
        assert_eq!(
            clean_file_name("invoice_\u{202e}fdp.exe", FileKind::Pdf),
            "invoice_fdp.exe"
        );
        assert_eq!(
            served_file_name("PA26048213", 1, FileKind::Pdf),
            "hs-PA26048213-1.pdf"
        );
        assert_eq!(
            served_file_name("PA26/../x", 2, FileKind::Png),
            "hs-PA26x-2.png"
        );
        assert_eq!(FileKind::from_mime("image/jpeg"), Some(FileKind::Jpeg));
        assert_eq!(FileKind::from_mime("text/html"), None);
        // RFC 6266 / RFC 8187, worked by hand: "đơn" is U+0111 U+01A1 n, in UTF-8 C4 91 C6 A1 6E.
        assert_eq!(
            content_disposition("đơn 1.pdf"),
            "attachment; filename=\"__n 1.pdf\"; filename*=UTF-8''%C4%91%C6%A1n%201.pdf"
        );
        assert_eq!(
            content_disposition("hs-PA26048213-1.pdf"),
            "attachment; filename=\"hs-PA26048213-1.pdf\"; filename*=UTF-8''hs-PA26048213-1.pdf"
        );
    }
}

/// Whether an open case is overdue on `today`: the unit still owes the citizen an answer and the
/// legal deadline in force (`due_on`: the classification limit until classified, then the
/// handling deadline) has passed. An apology with a new date does not cure it: the case stays
/// overdue against its legal deadline. The one definition every page, export and message uses
/// (its SQL twin is `db::feedback::OVERDUE`).
pub fn is_overdue(status: Status, due_on: NaiveDate, today: NaiveDate) -> bool {
    status.is_open() && due_on < today
}

/// What Decision 766 needs to know of one feedback case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub status: Status,
    pub class: Option<Class>,
    /// The legal deadline in force (see [`is_overdue`]).
    pub due_on: NaiveDate,
    /// The local day the answer was published.
    pub answered_on: Option<NaiveDate>,
    /// Answered after its deadline.
    pub answered_late: bool,
    /// The citizen's rating of the answer.
    pub citizen_satisfied: Option<bool>,
}

/// How one case counts in a period's Decision 766 ratios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verdict766 {
    pub on_time: bool,
    pub dissatisfied: bool,
    pub overdue: bool,
}

/// Judges a case for Decision 766 over the period `from..=to`, as seen on `today`.
///
/// A case counts when it is within the unit's authority — classified "a problem in applying a
/// regulation" or "within our competence", or **not yet classified** (the unit owes the
/// classification) — and its deadline fell in the period (`from ≤ due_on ≤ to` and
/// `due_on < today`: the day has passed) **or** it was answered in the period. A case open and
/// not yet due is not judged (it is neither on time nor late yet). Then:
/// * on time: answered, and not after its deadline;
/// * overdue: answered late, or still open past its deadline (an unclassified case past its
///   classification limit is overdue, so not on time);
/// * dissatisfied: the citizen rated the answer "not satisfied".
///
/// `None`: the case does not count in this period.
pub fn judge_766(
    c: &CaseFacts,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Option<Verdict766> {
    let in_authority = match c.class {
        Some(Class::Applying | Class::Competent) => true,
        None => c.status.is_open(),
        Some(Class::NotAccepted | Class::Outside) => false,
    };
    if !in_authority {
        return None;
    }
    let in_period = |d: NaiveDate| from <= d && d <= to;
    let deadline_fell = in_period(c.due_on) && c.due_on < today;
    let answered_in = c.answered_on.is_some_and(in_period);
    if !(deadline_fell || answered_in) {
        return None;
    }
    let answered = c.answered_on.is_some();
    Some(Verdict766 {
        on_time: answered && !c.answered_late,
        dissatisfied: c.citizen_satisfied == Some(false),
        overdue: c.answered_late || (!answered && c.due_on < today),
    })
}

/// The feedback part of Decision 766's satisfaction group: the judged cases of a period.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counts766 {
    /// Cases judged in the period (see [`judge_766`]).
    pub in_authority: i64,
    /// Of those, answered by their deadline.
    pub on_time: i64,
    /// Of those, rated "not satisfied" by the citizen.
    pub dissatisfied: i64,
    /// Of those, answered late or still open past their deadline.
    pub overdue: i64,
    /// Of those, both dissatisfied and overdue (counted once).
    pub dissatisfied_and_overdue: i64,
}

impl Counts766 {
    /// Adds one judged case.
    pub fn add(&mut self, v: Verdict766) {
        self.in_authority += 1;
        self.on_time += i64::from(v.on_time);
        self.dissatisfied += i64::from(v.dissatisfied);
        self.overdue += i64::from(v.overdue);
        self.dissatisfied_and_overdue += i64::from(v.dissatisfied && v.overdue);
    }

    /// The counts of two units (or periods) together.
    pub fn plus(&self, o: &Counts766) -> Counts766 {
        Counts766 {
            in_authority: self.in_authority + o.in_authority,
            on_time: self.on_time + o.on_time,
            dissatisfied: self.dissatisfied + o.dissatisfied,
            overdue: self.overdue + o.overdue,
            dissatisfied_and_overdue: self.dissatisfied_and_overdue + o.dissatisfied_and_overdue,
        }
    }

    /// The counts the index engine scores (`domain::index::score_766`), with the dossiers'.
    pub fn with_dossiers(&self, dossiers: i64, dossiers_bad: i64) -> super::index::Counts766 {
        super::index::Counts766 {
            cases_in_authority: self.in_authority,
            cases_on_time: self.on_time,
            cases: self.in_authority,
            cases_dissatisfied_or_overdue: self.dissatisfied + self.overdue
                - self.dissatisfied_and_overdue,
            dossiers,
            dossiers_bad,
        }
    }

    /// Cases handled on time ÷ cases judged (Decision 766's first ratio, by the index engine).
    pub fn on_time_ratio(&self) -> Option<f64> {
        super::index::score_766(&self.with_dossiers(0, 0), &Default::default()).ratios[0]
    }

    /// (Cases − those rated dissatisfied or overdue) ÷ cases (the second ratio).
    pub fn not_failed_ratio(&self) -> Option<f64> {
        super::index::score_766(&self.with_dossiers(0, 0), &Default::default()).ratios[1]
    }
}

#[cfg(test)]
mod ratio_tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn case(status: Status, class: Option<Class>, due: NaiveDate) -> CaseFacts {
        CaseFacts {
            status,
            class,
            due_on: due,
            answered_on: None,
            answered_late: false,
            citizen_satisfied: None,
        }
    }

    #[test]
    fn an_open_case_not_yet_due_is_not_judged() {
        // Q4 2026 seen on 2 December: Sở Tư pháp's only case is open and due 10/12.
        let (from, to, today) = (d(10, 1), d(12, 31), d(12, 2));
        let c = case(Status::Processing, Some(Class::Competent), d(12, 10));
        assert_eq!(judge_766(&c, from, to, today), None);
        // Due yesterday and still open: judged, overdue, not on time.
        let c = case(Status::Processing, Some(Class::Competent), d(12, 1));
        assert_eq!(
            judge_766(&c, from, to, today),
            Some(Verdict766 {
                on_time: false,
                dissatisfied: false,
                overdue: true
            })
        );
        // Due today: the day is not over, not judged yet.
        let c = case(Status::Processing, Some(Class::Competent), d(12, 2));
        assert_eq!(judge_766(&c, from, to, today), None);
    }

    #[test]
    fn unclassified_past_its_limit_counts_as_late() {
        let (from, to, today) = (d(10, 1), d(12, 31), d(12, 2));
        // Received 20/11, classification limit 27/11, still unclassified on 2/12.
        let c = case(Status::Received, None, d(11, 27));
        let v = judge_766(&c, from, to, today).unwrap();
        assert!(!v.on_time && v.overdue);
        // Within its limit: not judged.
        let c = case(Status::Received, None, d(12, 4));
        assert_eq!(judge_766(&c, from, to, today), None);
        // Not accepted, outside the unit's competence: never in the ratio.
        for class in [Class::NotAccepted, Class::Outside] {
            let mut c = case(Status::Answered, Some(class), d(11, 1));
            c.answered_on = Some(d(11, 1));
            assert_eq!(judge_766(&c, from, to, today), None);
        }
    }

    #[test]
    fn answered_cases_count_where_answered_or_due() {
        let today = d(12, 2);
        // Due 30/09 (Q3), answered late on 03/10 (Q4): judged in Q3 (its deadline fell there)
        // and in Q4 (answered there), late in both.
        let mut c = case(Status::Answered, Some(Class::Applying), d(9, 30));
        c.answered_on = Some(d(10, 3));
        c.answered_late = true;
        c.citizen_satisfied = Some(false);
        let want = Some(Verdict766 {
            on_time: false,
            dissatisfied: true,
            overdue: true,
        });
        assert_eq!(judge_766(&c, d(7, 1), d(9, 30), today), want);
        assert_eq!(judge_766(&c, d(10, 1), d(12, 31), today), want);
        // Answered early in Q4 for a deadline in Q1 2027: judged in Q4, on time.
        let mut c = case(Status::Closed, Some(Class::Competent), d(12, 30));
        c.answered_on = Some(d(11, 20));
        let v = judge_766(&c, d(10, 1), d(12, 31), today).unwrap();
        assert!(v.on_time && !v.overdue && !v.dissatisfied);
    }

    #[test]
    fn ratios_by_hand() {
        // 10 judged cases: 6 on time; 2 rated dissatisfied; 4 overdue, one of them dissatisfied.
        let mut c = Counts766::default();
        let v = |on_time, dissatisfied, overdue| Verdict766 {
            on_time,
            dissatisfied,
            overdue,
        };
        for x in [
            v(true, false, false),
            v(true, false, false),
            v(true, false, false),
            v(true, false, false),
            v(true, false, false),
            v(true, true, false),
            v(false, false, true),
            v(false, false, true),
            v(false, false, true),
            v(false, true, true),
        ] {
            c.add(x);
        }
        assert_eq!(
            (c.in_authority, c.on_time, c.dissatisfied, c.overdue),
            (10, 6, 2, 4)
        );
        let s = c.with_dossiers(0, 0);
        // r1 = 6/10; failed = 2 + 4 − 1 = 5 → r2 = 5/10.
        assert_eq!(s.cases_on_time, 6);
        assert_eq!(s.cases_dissatisfied_or_overdue, 5);
    }

    #[test]
    fn overdue_is_one_definition() {
        let today = d(12, 2);
        assert!(is_overdue(Status::Processing, d(12, 1), today));
        assert!(is_overdue(Status::Received, d(11, 30), today));
        assert!(!is_overdue(Status::Processing, d(12, 2), today));
        assert!(!is_overdue(Status::Answered, d(11, 1), today));
        assert!(!is_overdue(Status::NotAccepted, d(11, 1), today));
    }
}
