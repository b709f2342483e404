//! Text helpers for Vietnamese: search folding without diacritics.

/// Folds Vietnamese text for search: lower case, diacritics removed, đ → d, runs of
/// white space collapsed. "Thủ tục ĐẤT ĐAI" → "thu tuc dat dai".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for ch in s.chars() {
        let c = fold_char(ch);
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.extend(c.to_lowercase());
            last_space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn fold_char(c: char) -> char {
    const GROUPS: [(&str, char); 14] = [
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", 'a'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ÈÉẺẼẸÊỀẾỂỄỆ", 'e'),
        ("ìíỉĩị", 'i'),
        ("ÌÍỈĨỊ", 'i'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", 'o'),
        ("ùúủũụưừứửữự", 'u'),
        ("ÙÚỦŨỤƯỪỨỬỮỰ", 'u'),
        ("ỳýỷỹỵ", 'y'),
        ("ỲÝỶỸỴ", 'y'),
        ("đ", 'd'),
        ("Đ", 'd'),
    ];
    if c.is_ascii() {
        return c;
    }
    for (set, base) in GROUPS {
        if set.contains(c) {
            return base;
        }
    }
    // Combining marks (text typed in decomposed form) are dropped.
    if ('\u{0300}'..='\u{036f}').contains(&c) {
        return '\u{0}';
    }
    c
}

/// A folded search pattern for `LIKE`, with the wildcard characters of the input escaped by `\`.
pub fn like_pattern(query: &str) -> String {
    let folded: String = fold(query).chars().filter(|c| *c != '\u{0}').collect();
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
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("đất"), "%dat%");
        assert_eq!(like_pattern("50%_x"), "%50\\%\\_x%");
    }
}
