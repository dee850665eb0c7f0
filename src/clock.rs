//! Wall-clock time as stored in the database: Unix milliseconds, shown in UTC.

use time::OffsetDateTime;
use time::macros::format_description;

pub fn now_ms() -> i64 {
    let now = OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// `2026-11-28 20:15:58.123 UTC`.
pub fn display(ms: i64) -> String {
    let format =
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3] UTC");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn displays_utc() {
        assert_eq!(super::display(0), "1970-01-01 00:00:00.000 UTC");
    }
}
