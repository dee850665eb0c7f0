//! The length cap on every value the bank stores in the audit log or echoes on a page that comes
//! from a request or a certificate (a header, the method and path, a certificate's CN, a CSP
//! report's summary): at most [`VALUE_CAP`] bytes, cut on a character boundary and marked, so a
//! value that costs nothing to send costs the bank nothing to keep or to show.

use std::borrow::Cow;

/// The longest header value, CN, method or path kept or echoed, in bytes (before the mark).
pub const VALUE_CAP: usize = 256;
/// The longest reason kept in a row: the bank's own sentence plus capped values.
pub const REASON_CAP: usize = 2048;

/// `value`, cut to [`VALUE_CAP`] bytes.
pub fn capped(value: &str) -> Cow<'_, str> {
    cut(value, VALUE_CAP)
}

/// `value`, cut to at most `limit` bytes on a character boundary and marked with its real length
/// (`…[truncated, 110000 bytes]`); unchanged when it fits.
pub fn cut(value: &str, limit: usize) -> Cow<'_, str> {
    if value.len() <= limit {
        return Cow::Borrowed(value);
    }
    let end = (0..=limit).rev().find(|&i| value.is_char_boundary(i)).unwrap_or(0);
    Cow::Owned(format!("{}…[truncated, {} bytes]", &value[..end], value.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_on_a_char_boundary_and_marked() {
        assert_eq!(capped("https://localhost:8443"), "https://localhost:8443");
        let long = "é".repeat(200); // 400 bytes, 2 per char: byte 256 is a boundary, 255 is not
        let cut_once = cut(&long, 255);
        assert!(cut_once.starts_with(&"é".repeat(127)), "{cut_once}");
        assert!(cut_once.ends_with("…[truncated, 400 bytes]"), "{cut_once}");
        assert_eq!(capped(&"a".repeat(110_000)).len(), VALUE_CAP + "…[truncated, 110000 bytes]".len());
    }
}
