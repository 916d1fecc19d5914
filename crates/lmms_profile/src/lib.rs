//! Measure imports in fresh interpreters (LMMS-DEC-03: profile first).
//!
//! - [`runner`]: the process seam — the only code in lmms that spawns.
//! - [`python`]: which interpreter to measure.
//! - [`importtime`]: parser for `-X importtime` (3.7–3.14).
//! - [`measure`]: runs the entry N times and builds the [`doc::ProfileDoc`].
//! - [`doc`]: the `lmms.profile/1` artifact other stages read.
pub mod doc;
pub mod importtime;
pub mod measure;
pub mod python;
pub mod render;
pub mod runner;

/// RFC 3339 UTC timestamp (seconds precision) for a Unix time; no time
/// zone database needed.
pub fn rfc3339_utc(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let rem = unix_secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_matches_known_dates() {
        assert_eq!(super::rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339_utc(1_795_305_600), "2026-11-22T00:00:00Z");
    }
}
