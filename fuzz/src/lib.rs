//! Helpers shared by the fuzz targets.

/// The byte that separates the fields of a multi-field input (ASCII unit separator). Seeds are
/// written as the fields joined by it: `printf 'name\x1fphone\x1f…'`.
pub const SEP: u8 = 0x1f;

/// Splits a fuzz input into `N` text fields at [`SEP`] (the last field keeps any further
/// separators; missing fields are empty; invalid UTF-8 is replaced by U+FFFD).
pub fn fields<const N: usize>(data: &[u8]) -> [String; N] {
    let mut parts = data.splitn(N, |b| *b == SEP);
    std::array::from_fn(|_| String::from_utf8_lossy(parts.next().unwrap_or(&[])).into_owned())
}

/// The longest run of consecutive ASCII digits in `s`.
pub fn longest_digit_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for b in s.bytes() {
        if b.is_ascii_digit() {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// Whether `s` is a single-line text as the form checks leave it: no control characters.
pub fn printable(s: &str) -> bool {
    !s.chars().any(char::is_control)
}
