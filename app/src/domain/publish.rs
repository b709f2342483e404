//! Publication of what people typed (Decree 13/2023/NĐ-CP on personal data). Every text a
//! public page shows that a person wrote — a feedback case and its answer on
//! `/feedback/answers`, each question, answer and follow-up of a dialogue session's minutes on
//! `/sessions/{id}` — goes through [`publish`], which finds the personal data in it and returns
//! the text with each piece replaced by [`REDACTED`], together with what was removed and why
//! (the official reviewing the text sees each removal highlighted before it goes public).
//!
//! What is removed (the README lists it for a data-protection officer):
//! - the people's own details wherever they appear, in any case, with or without diacritics,
//!   composed or decomposed: full name, family name + given name, middle + given name, the
//!   given name alone where it stands as a name (capitalised, not part of a longer proper noun
//!   such as "An Phú"), phone numbers, e-mail addresses (and their part before `@`), postal
//!   addresses and ID numbers;
//! - any phone or ID-like number: 9 or more digits, whatever separates them (spaces, dots,
//!   dashes, slashes, brackets, `+84`), full-width digits included; dates, years and sums of
//!   money followed by a currency word stay;
//! - numbers after the name of an identity document (CCCD, CMND, căn cước, hộ chiếu, mã số
//!   thuế, BHXH, số tài khoản…), however short;
//! - e-mail addresses, also written `(at)`, `[at]`, `a còng`, `(dot)`, `chấm`;
//! - names after a Vietnamese form of address (ông, bà, anh, chị, cô, chú, em, bác, cụ, dì,
//!   thím, mợ, cậu, cháu, bạn, ngài) that start with a capital letter — not a title that follows
//!   ("ông Chủ tịch" stays);
//! - house addresses: a house number with its street or lane ("số 12 đường Trần Hưng Đạo",
//!   "ở 12 Lê Lợi", "45 ngõ Trúc Lâm", "hẻm 34/5"), hamlets and neighbourhoods ("thôn 2",
//!   "xóm Bờ Kè", "tổ 5", "tổ dân phố 7", "khu phố 3", "ấp Bình Hòa", "khóm 4", "buôn Đôn"),
//!   flats ("căn hộ 1203") and land parcels ("thửa đất số 4521", "tờ bản đồ số 12");
//! - any other word or phrase the reviewing official adds.
//!
//! Invisible characters (zero-width spaces, soft hyphens, bidirectional controls) do not hide a
//! number or a name: they are looked through and removed with it.

use regex::Regex;
use std::sync::LazyLock;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The mark that replaces removed personal data.
pub const REDACTED: &str = "[…]";

/// The version of these rules. Public texts made with an older version are made again when the
/// application starts (`db::feedback::refresh_public_texts`, `db::sessions::refresh_minutes`):
/// raise it whenever a rule removes more.
pub const RULES_VERSION: i32 = 1;

/// A short fingerprint of public texts: the review page carries it, and "publish" goes ahead
/// only when the texts that would go public still have it (nothing changed since the review).
pub fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(&h.finalize()[..12])
}

/// Why a piece of text was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A name of the people the text is about.
    Name,
    Phone,
    Email,
    /// A citizen ID, passport, tax code or other identifying number.
    IdNumber,
    Address,
    /// Someone named after a form of address ("ông Trần Văn Bình").
    ThirdParty,
    /// Removed by the official reviewing the text.
    Extra,
}

impl Kind {
    pub fn label_key(self) -> &'static str {
        match self {
            Kind::Name => "pub.kind.name",
            Kind::Phone => "pub.kind.phone",
            Kind::Email => "pub.kind.email",
            Kind::IdNumber => "pub.kind.id_number",
            Kind::Address => "pub.kind.address",
            Kind::ThirdParty => "pub.kind.third_party",
            Kind::Extra => "pub.kind.extra",
        }
    }
}

/// The people a text is about, with what they gave us: each is found and removed wherever it
/// appears.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    names: Vec<String>,
    phones: Vec<String>,
    emails: Vec<String>,
    addresses: Vec<String>,
    ids: Vec<String>,
}

impl People {
    pub fn new() -> People {
        People::default()
    }

    /// Adds a person's details (empty ones are skipped).
    pub fn person(mut self, name: &str, phone: &str, email: &str, address: &str) -> People {
        let add = |list: &mut Vec<String>, v: &str| {
            let v = v.trim();
            if !v.is_empty() && !list.iter().any(|x| x == v) {
                list.push(v.to_string());
            }
        };
        add(&mut self.names, name);
        add(&mut self.phones, phone);
        add(&mut self.emails, email);
        add(&mut self.addresses, address);
        self
    }

    /// Adds an ID number (citizen ID, tax code) one of them gave.
    pub fn id_number(mut self, id: &str) -> People {
        let id = id.trim();
        if !id.is_empty() && !self.ids.iter().any(|x| x == id) {
            self.ids.push(id.to_string());
        }
        self
    }

    /// Whether no one is known (only the patterns apply).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
            && self.phones.is_empty()
            && self.emails.is_empty()
            && self.addresses.is_empty()
            && self.ids.is_empty()
    }
}

/// One removal: a byte range of the (NFC) text and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// A piece of the text as the review shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    Kept(&'a str),
    Removed(&'a str, Kind),
}

/// A text made ready for publication: the text as typed (in NFC) and what comes out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    text: String,
    removals: Vec<Removal>,
}

impl Publication {
    /// The text as typed (in NFC): for the internal record only.
    pub fn source(&self) -> &str {
        &self.text
    }

    /// What was removed, in order, never overlapping.
    pub fn removals(&self) -> &[Removal] {
        &self.removals
    }

    /// The text as the public sees it: each removal replaced by [`REDACTED`].
    pub fn public_text(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        for p in self.parts() {
            match p {
                Part::Kept(s) => out.push_str(s),
                Part::Removed(..) => out.push_str(REDACTED),
            }
        }
        out
    }

    /// The text in pieces, kept and removed, for the review.
    pub fn parts(&self) -> Vec<Part<'_>> {
        let mut out = Vec::with_capacity(self.removals.len() * 2 + 1);
        let mut at = 0;
        for r in &self.removals {
            if r.start > at {
                out.push(Part::Kept(&self.text[at..r.start]));
            }
            out.push(Part::Removed(&self.text[r.start..r.end], r.kind));
            at = r.end;
        }
        if at < self.text.len() {
            out.push(Part::Kept(&self.text[at..]));
        }
        out
    }
}

/// The most words or phrases an official may add to remove, and the longest one.
pub const MAX_EXTRA: usize = 30;
pub const MAX_EXTRA_CHARS: usize = 100;

/// The extra words and phrases an official typed to remove, one per line (NFC, trimmed, empty
/// lines dropped). Errors are i18n keys.
pub fn parse_extra(s: &str) -> Result<Vec<String>, &'static str> {
    let mut out: Vec<String> = Vec::new();
    for line in super::text::nfc(s).lines() {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        if l.chars().count() > MAX_EXTRA_CHARS {
            return Err("pub.err_extra_long");
        }
        if l.chars().any(char::is_control) {
            return Err("err.bad_chars");
        }
        if !l.chars().any(char::is_alphanumeric) {
            return Err("pub.err_extra_word");
        }
        if !out.iter().any(|x| x == l) {
            out.push(l.to_string());
        }
    }
    if out.len() > MAX_EXTRA {
        return Err("pub.err_extra_many");
    }
    Ok(out)
}

/// Finds the personal data in `text` (about `people`, plus the patterns above, plus the
/// official's `extra` words) and returns the text with what comes out of it.
pub fn publish(text: &str, people: &People, extra: &[String]) -> Publication {
    let text = super::text::nfc(text);
    let v = View::new(&text);
    let mut found: Vec<Removal> = Vec::new();
    known_people(&v, people, &mut found);
    numbers(&v, people, &mut found);
    id_documents(&v, &mut found);
    emails(&v, &mut found);
    third_parties(&v, &mut found);
    addresses(&v, &mut found);
    extras(&v, extra, &mut found);
    let removals = merge(found);
    Publication { text, removals }
}

// ---------------------------------------------------------------------------------------------
// The folded view: the text lower-cased, without diacritics and invisible characters, with
// compatibility forms (full-width digits and letters) as plain ones, and for each of its bytes
// the character of the text it comes from. Detectors search the view and remove from the text.

struct View<'a> {
    text: &'a str,
    folded: String,
    /// For each byte of `folded`: the byte range in `text` of the character it comes from.
    from: Vec<(usize, usize)>,
}

impl<'a> View<'a> {
    fn new(text: &'a str) -> View<'a> {
        let mut folded = String::with_capacity(text.len());
        let mut from = Vec::with_capacity(text.len());
        for (i, c) in text.char_indices() {
            if super::text::is_invisible(c) {
                continue;
            }
            let range = (i, i + c.len_utf8());
            for f in std::iter::once(c)
                .nfkd()
                .filter(|m| !is_combining_mark(*m))
                .map(|b| if matches!(b, 'đ' | 'Đ') { 'd' } else { b })
                .flat_map(char::to_lowercase)
            {
                folded.push(f);
                from.extend(std::iter::repeat_n(range, f.len_utf8()));
            }
        }
        View { text, folded, from }
    }

    /// The text's byte range of the view's bytes `start..end` (`end > start`).
    fn span(&self, start: usize, end: usize) -> (usize, usize) {
        (self.from[start].0, self.from[end - 1].1)
    }

    fn push(&self, out: &mut Vec<Removal>, start: usize, end: usize, kind: Kind) {
        if end > start {
            let (s, e) = self.span(start, end);
            out.push(Removal {
                start: s,
                end: e,
                kind,
            });
        }
    }

    /// Whether the word of the text starting at the view's byte `at` is capitalised: an upper
    /// case first letter, and no other upper case letter (so not an acronym such as "UBND").
    fn capitalised(&self, at: usize, end: usize) -> bool {
        let (s, e) = self.span(at, end);
        let mut chars = self.text[s..e].chars().filter(|c| c.is_alphabetic());
        match chars.next() {
            Some(first) if first.is_uppercase() => !chars.any(char::is_uppercase),
            _ => false,
        }
    }

    /// The word of the view ending just before `at` (across spaces, not a line break or
    /// punctuation), as its byte range.
    fn word_before(&self, at: usize) -> Option<(usize, usize)> {
        let b = self.folded.as_bytes();
        let mut i = at;
        while i > 0 && matches!(b[i - 1], b' ' | b'\t') {
            i -= 1;
        }
        let end = i;
        let head = &self.folded[..end];
        let start = head
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric())
            .last()
            .map(|(j, _)| j)?;
        (start < end).then_some((start, end))
    }

    /// The word of the view starting just after `at` (across spaces only).
    fn word_after(&self, at: usize) -> Option<(usize, usize)> {
        let b = self.folded.as_bytes();
        let mut i = at;
        while i < b.len() && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        let tail = &self.folded[i..];
        let len: usize = tail
            .chars()
            .take_while(|c| c.is_alphanumeric())
            .map(char::len_utf8)
            .sum();
        (len > 0).then_some((i, i + len))
    }

    /// Whether `at` starts a sentence: only spaces between it and the start of the text, a line
    /// break or the end of a sentence (`.`, `!`, `?`, `:`, `;`, `…`).
    fn sentence_start(&self, at: usize) -> bool {
        match self.folded[..at]
            .trim_end_matches([' ', '\t'])
            .chars()
            .last()
        {
            None => true,
            Some(c) => matches!(c, '\n' | '\r' | '.' | '!' | '?' | ':' | ';' | '…'),
        }
    }

    /// Capitalised words following `at` (across spaces), at most `max`, the first of them not
    /// a title ("Chủ tịch"): the end of the last one and how many.
    fn capitalised_words_after(&self, at: usize, max: usize) -> (usize, usize) {
        let mut end = at;
        let mut n = 0;
        while n < max {
            match self.word_after(end) {
                Some((s, e)) if self.capitalised(s, e) => {
                    if n == 0 {
                        let (a, b) = self.span(s, e);
                        if is_title_word(&self.text[a..b].to_lowercase()) {
                            break;
                        }
                    }
                    end = e;
                    n += 1;
                }
                _ => break,
            }
        }
        (end, n)
    }
}

// ---------------------------------------------------------------------------------------------
// The detectors.

/// A constant pattern, compiled the first time it is used. One that did not compile (a defect
/// every unit test of this module would show) matches nothing rather than stopping a request.
struct Pattern(LazyLock<Option<Regex>>);

impl Pattern {
    const fn new(make: fn() -> Option<Regex>) -> Pattern {
        Pattern(LazyLock::new(make))
    }
    fn get(&self) -> Option<&Regex> {
        self.0.as_ref()
    }
}

/// A phrase of folded words as a regular expression: words in order, any run of spaces or
/// punctuation between them, whole words only.
fn phrase(words: &[&str]) -> Option<Regex> {
    if words.is_empty() {
        return None;
    }
    let body = words
        .iter()
        .map(|w| regex::escape(w))
        .collect::<Vec<_>>()
        .join(r"[^\p{Alphabetic}\p{N}]+");
    Regex::new(&format!(r"(?:^|\b){body}(?:\b|$)")).ok()
}

fn folded_words(s: &str) -> Vec<String> {
    View::new(s)
        .folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn find_all(v: &View, re: &Regex, kind: Kind, out: &mut Vec<Removal>) {
    for m in re.find_iter(&v.folded) {
        v.push(out, m.start(), m.end(), kind);
    }
}

/// The people's own names, e-mail addresses and postal addresses.
fn known_people(v: &View, people: &People, out: &mut Vec<Removal>) {
    for name in &people.names {
        let words = folded_words(name);
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        if w.is_empty() {
            continue;
        }
        // The full name (a one-word name only from three letters on).
        if w.len() > 1 || w[0].chars().count() >= 3 {
            if let Some(re) = phrase(&w) {
                find_all(v, &re, Kind::Name, out);
            }
        }
        if w.len() >= 3 {
            let last = w[w.len() - 1];
            for pair in [[w[0], last], [w[w.len() - 2], last]] {
                if let Some(re) = phrase(&pair) {
                    find_all(v, &re, Kind::Name, out);
                }
            }
        }
        // The given name alone, where it stands as a name: capitalised, not the first word
        // of a sentence, and not part of a longer proper noun ("An Phú", "Quảng Bình").
        if w.len() >= 2 && w[w.len() - 1].chars().count() >= 2 {
            if let Some(re) = phrase(&[w[w.len() - 1]]) {
                for m in re.find_iter(&v.folded) {
                    let (s, e) = (m.start(), m.end());
                    if !v.capitalised(s, e) || v.sentence_start(s) {
                        continue;
                    }
                    let cap =
                        |r: Option<(usize, usize)>| r.is_some_and(|(a, b)| v.capitalised(a, b));
                    if cap(v.word_before(s)) || cap(v.word_after(e)) {
                        continue;
                    }
                    v.push(out, s, e, Kind::Name);
                }
            }
        }
    }
    for email in &people.emails {
        let f = View::new(email).folded;
        if f.chars().count() >= 3 {
            if let Ok(re) = Regex::new(&regex::escape(&f)) {
                find_all(v, &re, Kind::Email, out);
            }
        }
        // The part before `@` alone (it is often the person's name).
        if let Some((local, _)) = f.split_once('@') {
            if local.chars().count() >= 5 {
                if let Ok(re) = Regex::new(&format!(r"\b{}\b", regex::escape(local))) {
                    find_all(v, &re, Kind::Email, out);
                }
            }
        }
    }
    for address in &people.addresses {
        let words = folded_words(address);
        if words.len() >= 2 {
            let w: Vec<&str> = words.iter().map(String::as_str).collect();
            if let Some(re) = phrase(&w) {
                find_all(v, &re, Kind::Address, out);
            }
        }
        // Its parts with a house number ("12 Lê Lợi" of "12 Lê Lợi, Xã An Phú").
        for part in address.split([',', ';']) {
            let words = folded_words(part);
            if words.len() >= 2 && words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit())) {
                let w: Vec<&str> = words.iter().map(String::as_str).collect();
                if let Some(re) = phrase(&w) {
                    find_all(v, &re, Kind::Address, out);
                }
            }
        }
    }
}

/// The characters that may stand between the digits of one number.
fn number_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '.' | '-' | '/' | '(' | ')' | '–' | '—' | '_' | '·'
    )
}

/// One digit group of a number run (view byte range and its digits).
struct Group {
    start: usize,
    end: usize,
}

/// Phone numbers and ID-like numbers: runs of digits with at most three separator characters
/// between groups, of 9 digits or more, or holding a number the people gave.
fn numbers(v: &View, people: &People, out: &mut Vec<Removal>) {
    let known: Vec<String> = people
        .phones
        .iter()
        .chain(&people.ids)
        .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|d| d.len() >= 6)
        .flat_map(|d| {
            // A phone is also written without its 0, or with 84 for it.
            let national = d.strip_prefix('0').map(str::to_string);
            std::iter::once(d).chain(national)
        })
        .collect();
    let b = v.folded.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // A run: digit groups joined by short runs of separators.
        let mut groups = vec![];
        let mut j = i;
        loop {
            let gs = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            groups.push(Group { start: gs, end: j });
            let mut k = j;
            let mut seps = 0;
            while k < b.len() && seps < 4 {
                let c = v.folded[k..].chars().next().unwrap_or('x');
                if !number_separator(c) {
                    break;
                }
                k += c.len_utf8();
                seps += 1;
            }
            if seps > 0 && seps <= 3 && k < b.len() && b[k].is_ascii_digit() {
                j = k;
            } else {
                break;
            }
        }
        classify_run(v, &groups, &known, out);
        i = j.max(i + 1);
    }
}

/// Whether the view's bytes between two groups hold white space (the run splits there).
fn spaced(v: &View, a: &Group, b: &Group) -> bool {
    v.folded[a.end..b.start].contains([' ', '\t'])
}

/// A date (`12/03/2026`, `2026-03-12`, `12.3.2026`) or a year or years (`2025`, `2021-2025`).
fn is_date_or_years(v: &View, groups: &[Group]) -> bool {
    let len = |g: &Group| g.end - g.start;
    let digits = |g: &Group| &v.folded[g.start..g.end];
    let year =
        |g: &Group| len(g) == 4 && (digits(g).starts_with("19") || digits(g).starts_with("20"));
    if groups.iter().all(year) {
        return true;
    }
    if groups.len() != 3 {
        return false;
    }
    let seps_ok = groups.windows(2).all(|w| {
        let s = &v.folded[w[0].end..w[1].start];
        matches!(s, "/" | "-" | ".")
    });
    let (a, b2, c) = (len(&groups[0]), len(&groups[1]), len(&groups[2]));
    seps_ok && ((a <= 2 && b2 <= 2 && (c == 2 || c == 4)) || (a == 4 && b2 <= 2 && c <= 2))
}

/// A sum of money: `1.500.000.000` (groups of three after the first, one kind of separator)
/// followed by a currency word.
fn is_money(v: &View, groups: &[Group]) -> bool {
    let first = &v.folded[groups[0].start..groups[0].end];
    if first.starts_with('0') || first.len() > 3 || groups.len() < 2 {
        return false;
    }
    let sep = &v.folded[groups[0].end..groups[1].start];
    if !matches!(sep, "." | ",") {
        return false;
    }
    let grouped = groups[1..].iter().all(|g| g.end - g.start == 3)
        && groups
            .windows(2)
            .all(|w| &v.folded[w[0].end..w[1].start] == sep);
    static CURRENCY: Pattern =
        Pattern::new(|| Regex::new(r"^\s*(?:dong|d\b|vnd|vn d|trieu|ty|nghin|ngan|usd|\$)").ok());
    let after = &v.folded[groups[groups.len() - 1].end..];
    grouped && CURRENCY.get().is_some_and(|r| r.is_match(after))
}

fn classify_run(v: &View, groups: &[Group], known: &[String], out: &mut Vec<Removal>) {
    let digits: String = groups.iter().map(|g| &v.folded[g.start..g.end]).collect();
    let has_known = known.iter().any(|k| digits.contains(k.as_str()));
    // Split at white space into segments; dates and years at either end stay.
    let mut segments: Vec<&[Group]> = Vec::new();
    let mut from = 0;
    for k in 1..groups.len() {
        if spaced(v, &groups[k - 1], &groups[k]) {
            segments.push(&groups[from..k]);
            from = k;
        }
    }
    segments.push(&groups[from..]);
    let keep = |s: &&&[Group]| is_date_or_years(v, s);
    let lead = segments.iter().take_while(keep).count();
    if lead == segments.len() {
        if has_known {
            remove_groups(v, groups, out);
        }
        return;
    }
    let trail = segments[lead..].iter().rev().take_while(keep).count();
    let middle: Vec<&Group> = segments[lead..segments.len() - trail]
        .iter()
        .flat_map(|s| s.iter())
        .collect();
    let n: usize = middle.iter().map(|g| g.end - g.start).sum();
    let whole: Vec<Group> = middle
        .iter()
        .map(|g| Group {
            start: g.start,
            end: g.end,
        })
        .collect();
    if n >= 9 && !is_money(v, &whole) || has_known {
        remove_groups(v, &whole, out);
    }
}

fn remove_groups(v: &View, groups: &[Group], out: &mut Vec<Removal>) {
    let (Some(first), Some(last)) = (groups.first(), groups.last()) else {
        return;
    };
    let b = v.folded.as_bytes();
    let (mut start, mut end) = (first.start, last.end);
    let count = |s: usize, e: usize, c: char| v.folded[s..e].matches(c).count();
    // A leading `+` (international form) belongs to the number, and so do brackets it opens
    // or closes ("(0912) 345 678"), not those around it ("(0912 345 678, thôn 2)").
    if start > 0 && b[start - 1] == b'(' && count(start, end, ')') > count(start, end, '(') {
        start -= 1;
    }
    if start > 0 && b[start - 1] == b'+' {
        start -= 1;
    }
    if end < b.len() && b[end] == b')' && count(start, end, '(') > count(start, end, ')') {
        end += 1;
    }
    let digits: usize = groups.iter().map(|g| g.end - g.start).sum();
    let text = &v.folded[first.start..last.end];
    let phone_like = (9..=11).contains(&digits)
        && (text.starts_with('0')
            || text.starts_with("84")
            || v.folded[..first.start].ends_with('+'));
    let kind = if phone_like {
        Kind::Phone
    } else {
        Kind::IdNumber
    };
    v.push(out, start, end, kind);
}

/// Numbers after the name of an identity document, however short ("CCCD 001203001234",
/// "hộ chiếu C1234567", "CMND số 123.456.789").
fn id_documents(v: &View, out: &mut Vec<Removal>) {
    static ID_DOCUMENTS: Pattern = Pattern::new(|| {
        Regex::new(concat!(
            r"\b(?:cccd|cmnd|cmt|cmtnd|can cuoc(?: cong dan)?|chung minh(?: nhan dan| thu)?",
            r"|ho chieu|passport|(?:so |ma )?dinh danh(?: ca nhan)?|ma so thue|mst",
            r"|(?:so |ma so )?bhxh|(?:so |the )?bhyt|bao hiem (?:xa hoi|y te)|gplx|giay phep lai xe",
            r"|so tai khoan|stk|tai khoan(?: ngan hang)?|id)\b",
            r"(?:\s*(?:so|no\.?|number|la|:|#|-))*\s*",
            r"([a-z]{0,3}\d(?:[\d.\- ]*\d)?)"
        ))
        .ok()
    });
    for c in ID_DOCUMENTS
        .get()
        .into_iter()
        .flat_map(|r| r.captures_iter(&v.folded))
    {
        if let Some(m) = c.get(1) {
            if m.as_str().chars().filter(char::is_ascii_digit).count() >= 5 {
                v.push(out, m.start(), m.end(), Kind::IdNumber);
            }
        }
    }
}

/// E-mail addresses, also written to fool a robot: `hoa.nguyen (at) gmail.com`,
/// `hoa.nguyen [at] gmail [dot] com`, `hoa.nguyen a còng gmail chấm com`.
fn emails(v: &View, out: &mut Vec<Removal>) {
    static EMAIL: Pattern = Pattern::new(|| {
        let local = r"[a-z0-9](?:[a-z0-9._%+\-]*[a-z0-9])?";
        let at = r"(?:\s*@\s*|\s*[(\[{<]\s*(?:at|a|@|a ?cong)\s*[)\]}>]\s*|\s+(?:at|a ?cong)\s+)";
        let label = r"[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?";
        let dot = r"(?:\.|\s*[(\[{<]\s*(?:dot|cham|\.)\s*[)\]}>]\s*|\s+(?:dot|cham)\s+)";
        Regex::new(&format!(r"{local}{at}{label}(?:{dot}{label})+")).ok()
    });
    static TLD: Pattern = Pattern::new(|| Regex::new(r"[a-z]{2,24}$").ok());
    for m in EMAIL.get().into_iter().flat_map(|r| r.find_iter(&v.folded)) {
        if TLD.get().is_some_and(|t| t.is_match(m.as_str())) {
            v.push(out, m.start(), m.end(), Kind::Email);
        }
    }
}

/// Forms of address, as written with their diacritics (lower case).
const FORMS: [&str; 17] = [
    "ông", "bà", "anh", "chị", "cô", "chú", "em", "bác", "cụ", "dì", "thím", "mợ", "cậu", "cháu",
    "bạn", "ngài", "dượng",
];
/// The same typed without diacritics that are hardly anything else: one capitalised word after.
const FORMS_PLAIN: [&str; 3] = ["ong", "anh", "em"];
/// Typed without diacritics, these are also common words ("ba" three, "co" has, "chi"
/// spend): only a name of two capitalised words or more after them counts.
const FORMS_PLAIN_WEAK: [&str; 8] = ["ba", "chi", "co", "chu", "bac", "cu", "di", "cau"];

/// Words that start a title or a body's name rather than a person's name ("ông Chủ tịch",
/// "bà Trưởng thôn", "anh Công an xã"), lower case as typed (with their diacritics: "Chi",
/// "Thu" and "Bi" are given names, "chi", "thủ" and "bí" are not).
fn is_title_word(w: &str) -> bool {
    matches!(
        w,
        "chủ"
            | "phó"
            | "giám"
            | "trưởng"
            | "bí"
            | "tổng"
            | "chánh"
            | "cán"
            | "thủ"
            | "đội"
            | "đại"
            | "thiếu"
            | "thượng"
            | "trung"
            | "hiệu"
            | "viện"
            | "kế"
            | "kiểm"
            | "trợ"
            | "chuyên"
            | "điều"
            | "tổ"
            | "công"
            | "bộ"
            | "xã"
            | "phường"
            | "huyện"
            | "tỉnh"
            | "thị"
            | "sở"
            | "ban"
            | "phòng"
            | "ủy"
            | "uỷ"
            | "hội"
            | "nhà"
            | "bệnh"
            | "đảng"
            | "quý"
            | "ông"
            | "bà"
            | "ubnd"
            | "hđnd"
            | "thôn"
            | "xóm"
            | "ấp"
            | "khu"
            | "luật"
            | "nghị"
            | "quyết"
            | "thông"
            | "giấy"
            | "văn"
            | "đơn"
            | "hồ"
            | "thư"
    )
}

/// Place names that begin like a form of address ("Bà Rịa", "chợ Bà Chiểu", "cầu Ông Lãnh"):
/// the form and the first word after it, folded.
const PLACES: [&str; 9] = [
    "ba ria", "ba chieu", "ba diem", "ba den", "ba na", "ong lanh", "ba trieu", "ba huyen", "co to",
];

/// People named after a form of address: "ông Trần Văn Bình", "chị Hoa", "bác Tư". The form
/// stays ("ông […]"); the name goes. A form written with a capital inside a sentence ("tỉnh
/// Bà Rịa", "nước Anh") is part of a place's name unless a full name follows it.
fn third_parties(v: &View, out: &mut Vec<Removal>) {
    static WORD: Pattern = Pattern::new(|| Regex::new(r"\p{Alphabetic}+").ok());
    for m in WORD.get().into_iter().flat_map(|r| r.find_iter(&v.folded)) {
        let (s, e) = (m.start(), m.end());
        let w = m.as_str();
        let (fs, fe) = v.span(s, e);
        let typed = v.text[fs..fe].to_lowercase();
        let mut needed =
            if FORMS.contains(&typed.as_str()) || typed.is_ascii() && FORMS_PLAIN.contains(&w) {
                1
            } else if typed.is_ascii() && FORMS_PLAIN_WEAK.contains(&w) {
                2
            } else {
                continue;
            };
        if v.capitalised(s, e) && !v.sentence_start(s) {
            needed = needed.max(2);
        }
        let Some((first, first_end)) = v.word_after(e) else {
            continue;
        };
        if PLACES.contains(&format!("{w} {}", &v.folded[first..first_end]).as_str()) {
            continue;
        }
        let (end, n) = v.capitalised_words_after(e, 4);
        if n >= needed {
            v.push(out, first, end, Kind::ThirdParty);
        }
    }
}

/// House addresses, hamlets and neighbourhoods, flats and land parcels.
fn addresses(v: &View, out: &mut Vec<Removal>) {
    // A house number after "số", "nhà", "ở", "tại", "địa chỉ", with a street or lane, or with
    // a capitalised street name ("số 12 đường Trần Hưng Đạo", "ở 12 Lê Lợi").
    static HOUSE: Pattern = Pattern::new(|| {
        Regex::new(&format!(
            r"\b(so nha|nha so|so|nha|dia chi\s*:?|o|tai)\s+({})\b",
            r"\d+[a-z]?(?:\s?[/\-]\s?\d+[a-z]?)*"
        ))
        .ok()
    });
    static STREET: Pattern =
        Pattern::new(|| Regex::new(r"^\s*,?\s*(?:duong|pho|ngo|hem|kiet|ngach)\b").ok());
    static LANE_NUMBER: Pattern =
        Pattern::new(|| Regex::new(r"^\s+(?:so\s+)?\d+[a-z]?(?:\s?[/\-]\s?\d+[a-z]?)*\b").ok());
    let street_rest = |at: usize| -> Option<usize> {
        // After a street keyword: its number ("ngõ 34") or its name ("đường Trần Hưng Đạo").
        let m = STREET.get()?.find(&v.folded[at..])?;
        let kw_end = at + m.end();
        if let Some(n) = LANE_NUMBER.get().and_then(|r| r.find(&v.folded[kw_end..])) {
            let e = kw_end + n.end();
            let (e2, _) = v.capitalised_words_after(e, 5);
            return Some(e2.max(e));
        }
        let (e, n) = v.capitalised_words_after(kw_end, 6);
        (n > 0).then_some(e)
    };
    for c in HOUSE
        .get()
        .into_iter()
        .flat_map(|r| r.captures_iter(&v.folded))
    {
        let (Some(trigger), Some(num)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let end = match street_rest(num.end()) {
            Some(e) => Some(e),
            None => {
                let (e, n) = v.capitalised_words_after(num.end(), 5);
                (n > 0).then_some(e)
            }
        };
        if let Some(end) = end {
            // "số 12 …" goes whole; "nhà", "ở", "tại", "địa chỉ" stay before it.
            let _ = trigger;
            let before = v.folded[..num.start()].trim_end();
            let start = if before.ends_with("so")
                && v.word_before(num.start())
                    .is_some_and(|(s, e)| &v.folded[s..e] == "so")
            {
                before.len() - 2
            } else {
                num.start()
            };
            v.push(out, start, end, Kind::Address);
        }
    }
    // A number right before a street or lane ("12 đường Trần Hưng Đạo", "45 ngõ Trúc Lâm").
    static NUMBERED: Pattern = Pattern::new(|| {
        Regex::new(r"\b\d+[a-z]?(?:\s?/\s?\d+[a-z]?)*\s+(?:duong|pho|ngo|hem|kiet|ngach)\b").ok()
    });
    for m in NUMBERED
        .get()
        .into_iter()
        .flat_map(|r| r.find_iter(&v.folded))
    {
        let num_end = v.folded[m.start()..m.end()]
            .find(|c: char| c.is_whitespace())
            .map(|k| m.start() + k)
            .unwrap_or(m.end());
        if let Some(end) = street_rest(num_end) {
            v.push(out, m.start(), end, Kind::Address);
        }
    }
    // Lanes and alleys by number or name ("ngõ 12", "hẻm 34/5", "ngõ Trúc Lâm").
    static LANE: Pattern = Pattern::new(|| Regex::new(r"\b(?:ngo|hem|kiet|ngach)\b").ok());
    for m in LANE.get().into_iter().flat_map(|r| r.find_iter(&v.folded)) {
        if let Some(n) = LANE_NUMBER.get().and_then(|r| r.find(&v.folded[m.end()..])) {
            v.push(out, m.start(), m.end() + n.end(), Kind::Address);
        } else {
            let (e, n) = v.capitalised_words_after(m.end(), 4);
            if n > 0 {
                v.push(out, m.start(), e, Kind::Address);
            }
        }
    }
    // Hamlets, neighbourhoods, blocks of flats: the word and its number or name.
    static PLACE: Pattern = Pattern::new(|| {
        Regex::new(concat!(
            r"\b(?:to dan pho|khu dan cu|khu tap the|khu pho|chung cu|can ho|thon|xom|khom|buon",
            r"|to|ap|ban|lang|doi)\b"
        ))
        .ok()
    });
    // Words that are also common words once their diacritics are gone: only as typed.
    let exact = |s: usize, e: usize, want: &[&str]| {
        let (a, b) = v.span(s, e);
        want.contains(&v.text[a..b].to_lowercase().as_str())
    };
    for m in PLACE.get().into_iter().flat_map(|r| r.find_iter(&v.folded)) {
        let (s, e) = (m.start(), m.end());
        let ok = match m.as_str() {
            "to" => exact(s, e, &["tổ"]),
            "ap" => exact(s, e, &["ấp"]),
            "khom" => exact(s, e, &["khóm"]),
            "buon" => exact(s, e, &["buôn"]),
            "ban" => exact(s, e, &["bản"]),
            "lang" => exact(s, e, &["làng"]),
            "doi" => exact(s, e, &["đội"]),
            _ => true,
        };
        if !ok {
            continue;
        }
        // "bản", "làng" and "đội" name a place only with a number or a name that is not a
        // title ("bản Nghị định" is a copy of a decree).
        if let Some(n) = LANE_NUMBER.get().and_then(|r| r.find(&v.folded[e..])) {
            v.push(out, s, e + n.end(), Kind::Address);
            continue;
        }
        let (end, n) = v.capitalised_words_after(e, 3);
        if n > 0 {
            v.push(out, s, end, Kind::Address);
        } else if let Some((ws, we)) = v.word_after(e) {
            // Roman numerals ("thôn II").
            let w = &v.text[v.span(ws, we).0..v.span(ws, we).1];
            if w.len() <= 4 && w.chars().all(|c| matches!(c, 'I' | 'V' | 'X')) {
                v.push(out, s, we, Kind::Address);
            }
        }
    }
    // Land parcels: "thửa đất số 4521", "tờ bản đồ số 12".
    static PARCEL: Pattern = Pattern::new(|| {
        Regex::new(r"\b(?:thua(?: dat)?|to ban do)(?:\s+so)?\s*(\d+[a-z]?)\b").ok()
    });
    for c in PARCEL
        .get()
        .into_iter()
        .flat_map(|r| r.captures_iter(&v.folded))
    {
        if let Some(n) = c.get(1) {
            v.push(out, n.start(), n.end(), Kind::Address);
        }
    }
}

/// The words and phrases the reviewing official added.
fn extras(v: &View, extra: &[String], out: &mut Vec<Removal>) {
    for e in extra {
        let f = View::new(e).folded;
        let words: Vec<&str> = f.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let body = words
            .iter()
            .map(|w| regex::escape(w))
            .collect::<Vec<_>>()
            .join(r"\s+");
        let first_word = words[0].chars().next().is_some_and(char::is_alphanumeric);
        let last_word = words[words.len() - 1]
            .chars()
            .last()
            .is_some_and(char::is_alphanumeric);
        let re = format!(
            "{}{body}{}",
            if first_word { r"\b" } else { "" },
            if last_word { r"\b" } else { "" }
        );
        if let Ok(re) = Regex::new(&re) {
            find_all(v, &re, Kind::Extra, out);
        }
    }
}

/// Sorts the removals and joins those that overlap or touch.
fn merge(mut found: Vec<Removal>) -> Vec<Removal> {
    found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Removal> = Vec::with_capacity(found.len());
    for r in found {
        match out.last_mut() {
            Some(last) if r.start <= last.end => {
                last.end = last.end.max(r.end);
            }
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests;
