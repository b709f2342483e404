//! Text helpers for Vietnamese: the canonical form every input is stored in (NFC), and search
//! folding without diacritics.
//!
//! Vietnamese letters can be typed composed (`ệ`, one code point) or decomposed (`e` + U+0323 +
//! U+0302, as some phones and macOS do). Both look the same, so both must be found the same and
//! stored the same: [`nfc`] gives the composed form (Unicode Normalization Form C, UAX #15),
//! [`fold`] the search form (decomposed, marks dropped, đ → d, lower case).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// The text in Unicode Normalization Form C (composed letters), as every input is stored.
pub fn nfc(s: &str) -> String {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => s.to_string(),
        _ => s.nfc().collect(),
    }
}

/// Whether `s` is already in Normalization Form C.
pub fn is_nfc(s: &str) -> bool {
    unicode_normalization::is_nfc(s)
}

/// The search form of one character: its canonical decomposition (NFD) without the combining
/// marks, `đ`/`Đ` as `d`, in lower case. "Ệ" → "e"; a combining mark alone → nothing.
pub fn fold_char(c: char) -> impl Iterator<Item = char> {
    std::iter::once(c)
        .nfd()
        .filter(|m| !is_combining_mark(*m))
        .map(|b| if matches!(b, 'đ' | 'Đ') { 'd' } else { b })
        .flat_map(char::to_lowercase)
}

/// Folds Vietnamese text for search: lower case, diacritics removed, đ → d, runs of
/// white space collapsed. "Thủ tục ĐẤT ĐAI" → "thu tuc dat dai". Composed and decomposed input
/// fold the same, and the result never holds a combining mark or a NUL.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for ch in s.chars() {
        for c in fold_char(ch) {
            if c.is_whitespace() || c == '\0' {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            } else {
                out.push(c);
                last_space = false;
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Characters that show nothing but change how text around them reads or is matched: the soft
/// hyphen, zero-width spaces and joiners, the byte-order mark and the bidirectional controls
/// (a right-to-left override makes `invoice_\u{202e}fdp.exe` read "invoice_exe.pdf").
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}')
}

/// A folded search pattern for `LIKE`, with the wildcard characters of the input escaped by `\`.
pub fn like_pattern(query: &str) -> String {
    let folded = fold(query);
    let mut p = String::from("%");
    for ch in folded.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Thủ tục  ĐẤT ĐAI"), "thu tuc dat dai");
        assert_eq!(fold("Đăng ký khai sinh"), "dang ky khai sinh");
        assert_eq!(fold("  Sở Tư pháp "), "so tu phap");
        assert_eq!(fold("Xã An Phú Lạc"), "xa an phu lac");
    }

    #[test]
    fn decomposed_input_folds_like_composed_input() {
        // "Thủ tục đất đai" typed decomposed: base letters followed by combining marks
        // (U+0309 hook above, U+0323 dot below, U+0302 circumflex, U+0301 acute).
        let nfd = "Thu\u{309} tu\u{323}c \u{111}a\u{302}\u{301}t \u{111}ai";
        assert_eq!(fold(nfd), "thu tuc dat dai");
        assert!(!fold(nfd).contains('\0'));
        assert!(fold(nfd).chars().all(|c| !is_combining_mark(c)));
        // A mark with nothing before it, and a NUL, leave no trace.
        assert_eq!(fold("\u{301}a\0b"), "a b");
        // Composing gives back the precomposed letters (U+1EE7 ủ, U+1EE5 ụ, U+1EA5 ấ).
        assert_eq!(nfc(nfd), "Th\u{1ee7} t\u{1ee5}c \u{111}\u{1ea5}t \u{111}ai");
        assert!(is_nfc(&nfc(nfd)));
        assert!(!is_nfc(nfd));
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("đất"), "%dat%");
        assert_eq!(like_pattern("\u{111}a\u{302}\u{301}t"), "%dat%");
        assert_eq!(like_pattern("50%_x"), "%50\\%\\_x%");
    }
}
