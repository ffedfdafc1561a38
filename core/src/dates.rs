//! Calendar dates as days since 1970-01-01 (the Arrow `Date32` representation), with conversions
//! that need no platform clock or time-zone database, so every face computes the same dates.

use crate::error::{Error, Result};

/// Days since 1970-01-01. Negative before 1970.
pub type Day = i32;

/// Earliest date accepted in source tables (1900-01-01): anything before is a data error.
pub const MIN_DAY: Day = -25_567;
/// Latest date accepted in source tables (2099-12-31).
pub const MAX_DAY: Day = 47_481;
/// 1600-01-01, the date SNDS extracts write for a missing date (a living person's death date,
/// an open ALD's end): accepted in source tables by [`parse_source`], and read as empty by the
/// loader.
pub const SENTINEL: Day = -135_140;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian). `month` 1–12, `day` 1–31.
pub fn from_ymd(year: i32, month: u32, day: u32) -> Day {
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as i64;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era as i64 * 146_097 + doe - 719_468) as Day
}

/// Civil date `(year, month, day)` of a [`Day`].
pub fn to_ymd(days: Day) -> (i32, u32, u32) {
    let z = days as i64 + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// Calendar year of a [`Day`].
pub fn year(days: Day) -> i32 {
    to_ymd(days).0
}

/// Whether `year` is a leap year.
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in a month.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

/// ISO 8601 text (`2021-03-09`) of a [`Day`].
pub fn format(days: Day) -> String {
    let (y, m, d) = to_ymd(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whole years between a birth date and a date (age in completed years).
pub fn age_at(birth: Day, at: Day) -> i32 {
    let (by, bm, bd) = to_ymd(birth);
    let (y, m, d) = to_ymd(at);
    let mut age = y - by;
    if (m, d) < (bm, bd) {
        age -= 1;
    }
    age
}

/// Parse a date as found in SNDS extracts: ISO (`2021-03-09`), French (`09/03/2021`), compact
/// (`20210309`) or SAS (`09MAR2021`, month in any case). ISO and French dates may be followed by a
/// midnight time (`2021-03-09 00:00:00`, `2021-03-09T00:00`, `09/03/2021 00:00:00.000`), SAS
/// dates by `:00:00:00` (the SAS datetime form): a date column holds days, so any other time of
/// day is an error, as is any other trailing text. The result must lie in
/// [`MIN_DAY`]..=[`MAX_DAY`]. Never panics, whatever the text (non-ASCII included).
pub fn parse(text: &str) -> Result<Day, String> {
    parse_in(text, false)
}

/// [`parse`] for a date of a source table: the missing-date sentinel 1600-01-01 ([`SENTINEL`],
/// in any of the accepted spellings) is accepted too.
pub fn parse_source(text: &str) -> Result<Day, String> {
    parse_in(text, true)
}

fn parse_in(text: &str, sentinel: bool) -> Result<Day, String> {
    let t = text.trim();
    let bad = || format!("expected a date such as 2021-03-09 or 09/03/2021, found {t:?}");
    if !t.is_ascii() {
        return Err(bad());
    }
    let b = t.as_bytes();
    let all_digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0'))
    };
    let n = b.len();
    let ((y, m, d), rest, seps): ((u32, u32, u32), &str, &[u8]) =
        if n >= 10 && b[4] == b'-' && b[7] == b'-' {
            if !(all_digits(0..4) && all_digits(5..7) && all_digits(8..10)) {
                return Err(bad());
            }
            ((num(0..4), num(5..7), num(8..10)), &t[10..], b" T")
        } else if n >= 10 && b[2] == b'/' && b[5] == b'/' {
            if !(all_digits(0..2) && all_digits(3..5) && all_digits(6..10)) {
                return Err(bad());
            }
            ((num(6..10), num(3..5), num(0..2)), &t[10..], b" T")
        } else if n == 8 && all_digits(0..8) {
            ((num(0..4), num(4..6), num(6..8)), "", b"")
        } else if n >= 9
            && all_digits(0..2)
            && b[2..5].iter().all(u8::is_ascii_alphabetic)
            && all_digits(5..9)
        {
            const MONTHS: [&[u8; 3]; 12] = [
                b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT",
                b"NOV", b"DEC",
            ];
            let mon = b[2..5].to_ascii_uppercase();
            let m = MONTHS
                .iter()
                .position(|x| x[..] == mon[..])
                .ok_or_else(bad)? as u32
                + 1;
            ((num(5..9), m, num(0..2)), &t[9..], b":")
        } else {
            return Err(bad());
        };
    if !rest.is_empty() {
        match midnight(rest, seps) {
            Some(true) => {}
            Some(false) => {
                return Err(format!(
                    "expected a date, found a date with a time of day: {t:?}"
                ))
            }
            None => return Err(bad()),
        }
    }
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y as i32, m) {
        return Err(format!("{t:?} is not a valid calendar date"));
    }
    let day = from_ymd(y as i32, m, d);
    if sentinel && day == SENTINEL {
        return Ok(day);
    }
    if !(MIN_DAY..=MAX_DAY).contains(&day) {
        return Err(format!(
            "date {t:?} is out of range (1900-01-01 to 2099-12-31)"
        ));
    }
    Ok(day)
}

/// Whether the text after a date is a time (`<sep>HH:MM`, `<sep>HH:MM:SS`, optionally with a
/// fraction of a second and, after a space or `T`, a zone `Z`, `+HH:MM` or `+HHMM`: the date is
/// read as written), `sep` one of `seps`: `Some(true)` at midnight, `Some(false)` at another
/// time, `None` when it is not a time at all. `text` is ASCII.
fn midnight(text: &str, seps: &[u8]) -> Option<bool> {
    let (&first, time) = text.as_bytes().split_first()?;
    if !seps.contains(&first) {
        return None;
    }
    let time = if first == b' ' || first == b'T' {
        without_zone(time)
    } else {
        time
    };
    let (clock, fraction) = match time.iter().position(|&c| c == b'.') {
        Some(i) => (&time[..i], Some(&time[i + 1..])),
        None => (time, None),
    };
    let parts: Vec<&[u8]> = clock.split(|&c| c == b':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.iter().all(u8::is_ascii_digit))
    {
        return None;
    }
    if let Some(f) = fraction {
        if parts.len() != 3 || f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
            return None;
        }
    }
    let zero = |s: &[u8]| s.iter().all(|&c| c == b'0');
    Some(parts.iter().all(|p| zero(p)) && fraction.is_none_or(zero))
}

/// `time` without its trailing zone designator (`Z`, `+HH:MM`, `-HH:MM`, `+HHMM`, `-HHMM`).
fn without_zone(time: &[u8]) -> &[u8] {
    let n = time.len();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let sign = |c: u8| c == b'+' || c == b'-';
    if n >= 1 && time[n - 1] == b'Z' {
        &time[..n - 1]
    } else if n >= 6 && sign(time[n - 6]) && time[n - 3] == b':' {
        if digits(&time[n - 5..n - 3]) && digits(&time[n - 2..]) {
            &time[..n - 6]
        } else {
            time
        }
    } else if n >= 5 && sign(time[n - 5]) && digits(&time[n - 4..]) {
        &time[..n - 5]
    } else {
        time
    }
}

/// Parse a date argument given by a user (ISO form), as an [`Error::InvalidArgument`] on failure.
pub fn parse_arg(name: &str, text: &str) -> Result<Day> {
    parse(text).map_err(|m| Error::invalid(format!("{name}: {m}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        // Reference values: 1970-01-01 is day 0; 2000-03-01 is day 11017 (checked by hand:
        // 30 years * 365 + 7 leap days = 10957 to 2000-01-01, + 31 + 29).
        assert_eq!(from_ymd(1970, 1, 1), 0);
        assert_eq!(from_ymd(2000, 1, 1), 10_957);
        assert_eq!(from_ymd(2000, 3, 1), 10_957 + 31 + 29);
        assert_eq!(from_ymd(1969, 12, 31), -1);
        assert_eq!(from_ymd(1900, 1, 1), MIN_DAY);
        assert_eq!(from_ymd(1600, 1, 1), SENTINEL);
        assert_eq!(format(SENTINEL), "1600-01-01");
        assert_eq!(parse_source("01/01/1600"), Ok(SENTINEL));
        assert_eq!(parse_source("01JAN1600"), Ok(SENTINEL));
        assert!(parse("1600-01-01").is_err());
        assert!(parse_source("1600-01-02").is_err());
        assert_eq!(from_ymd(2099, 12, 31), MAX_DAY);
    }

    #[test]
    fn round_trip_every_day() {
        for d in MIN_DAY..=MAX_DAY {
            let (y, m, dd) = to_ymd(d);
            assert_eq!(from_ymd(y, m, dd), d);
        }
    }

    #[test]
    fn parses_snds_forms() {
        let d = from_ymd(2021, 3, 9);
        for t in [
            "2021-03-09",
            "09/03/2021",
            "20210309",
            "09MAR2021",
            "09mar2021:00:00:00",
            "2021-03-09 00:00:00",
        ] {
            assert_eq!(parse(t), Ok(d), "{t}");
        }
        assert!(parse("2021-02-30")
            .unwrap_err()
            .contains("not a valid calendar date"));
        assert!(parse("1850-01-01").unwrap_err().contains("out of range"));
        assert!(parse("hello").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn midnight_times_are_accepted_other_trailing_text_is_not() {
        let d = from_ymd(2021, 3, 9);
        for t in [
            "2021-03-09T00:00:00",
            "2021-03-09 00:00",
            "2021-03-09 00:00:00.000",
            "09/03/2021 00:00:00",
            "09MAR2021:00:00:00",
            "  09/03/2021  ",
            "2021-03-09T00:00:00Z",
            "2021-03-09T00:00:00.000Z",
            "2021-03-09 00:00:00+01:00",
            "2021-03-09T00:00:00-0500",
        ] {
            assert_eq!(parse(t), Ok(d), "{t}");
        }
        for t in [
            "2021-03-09 14:30",
            "2021-03-09T00:00:01",
            "09MAR2021:12:00:00",
            "09/03/2021 00:00:00.5",
            "2021-03-09T14:30:00Z",
            "2021-03-09 23:00:00+01:00",
        ] {
            let e = parse(t).unwrap_err();
            assert!(e.contains("time of day"), "{t}: {e}");
        }
        for t in [
            "2021-03-09xyz",
            "2021-03-09 00",
            "2021-03-09 00:00:00:00",
            "2021-03-09 0:00",
            "2021-03-09 00:00.000",
            "2021-03-09:00:00:00",
            "09MAR2021 00:00:00",
            "09MAR20210",
            "09/03/20211",
            "202103091",
            "2021030",
            "2021-3-09",
            "+021-03-09",
            "09-MAR-2021",
            "09XYZ2021",
            "2021-03-09Z",
            "2021-03-09 Z",
            "2021-03-09T00:00:00+1:00",
            "2021-03-09T00:00:00ZZ",
            "09MAR2021:00:00:00Z",
        ] {
            let e = parse(t).unwrap_err();
            assert!(e.contains("expected a date such as"), "{t}: {e}");
        }
    }

    #[test]
    fn non_ascii_text_is_an_error_not_a_panic() {
        // Each has a multi-byte character where the old parser sliced at a fixed byte offset.
        for t in [
            "1éMAR2021",
            "2021-03-0é",
            "09/03/202é",
            "09/03/2é21",
            "é9MAR2021",
            "09MAé2021",
            "2021-03-09é",
            "\u{feff}2021-03-09",
            "２０２１-03-09",
        ] {
            let e = parse(t).unwrap_err();
            assert!(e.contains("expected a date such as"), "{t}: {e}");
        }
    }

    #[test]
    fn ages() {
        let b = from_ymd(1950, 6, 15);
        assert_eq!(age_at(b, from_ymd(2020, 6, 14)), 69);
        assert_eq!(age_at(b, from_ymd(2020, 6, 15)), 70);
    }
}
