//! OpenSearch size and duration strings, in both directions.
//!
//! Sizes follow `ByteSizeValue`: binary multiples, units `b`, `kb`/`k`, `mb`/`m`, `gb`/`g`,
//! `tb`/`t`, `pb`/`p`, case-insensitive. A decimal value (`"1.5gb"`) is accepted only when it is
//! a whole number of bytes. Durations follow `TimeValue`: units `d`, `h`, `m`, `s`, `ms`,
//! `micros`, `nanos`, case-insensitive; **fractional durations are rejected** as OpenSearch
//! does (`"1.5h"` is an error; write `"90m"`). A bare `"0"` is accepted for both; any other
//! number needs a unit. Negative values (including OpenSearch's `-1`) are rejected.
//!
//! Formatting picks the largest unit that represents the value exactly, so
//! `parse_size(&format_size(n)) == Ok(n)` and `parse_duration(&format_duration(d)) == Ok(d)`.
//!
//! ```
//! use lifeguard_sdk::units::*;
//! assert_eq!(parse_size("35gb"), Ok(35 * GB));
//! assert_eq!(format_size(512 * MB), "512mb");
//! assert_eq!(parse_duration_ms("12h"), Ok(12 * 3_600_000));
//! assert_eq!(format_duration_ms(90 * 60_000), "90m");
//! assert!(parse_duration("1.5h").is_err());
//! ```

use std::time::Duration;

/// One kibibyte.
pub const KB: u64 = 1 << 10;
/// One mebibyte.
pub const MB: u64 = 1 << 20;
/// One gibibyte.
pub const GB: u64 = 1 << 30;
/// One tebibyte.
pub const TB: u64 = 1 << 40;
/// One pebibyte.
pub const PB: u64 = 1 << 50;

/// Milliseconds in a second, minute, hour and day.
pub const SECOND_MS: u64 = 1_000;
/// Milliseconds in a minute.
pub const MINUTE_MS: u64 = 60 * SECOND_MS;
/// Milliseconds in an hour.
pub const HOUR_MS: u64 = 60 * MINUTE_MS;
/// Milliseconds in a day.
pub const DAY_MS: u64 = 24 * HOUR_MS;

/// A size or duration string that OpenSearch would not accept (or that does not fit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitError {
    input: String,
    what: &'static str,
    reason: String,
}

impl UnitError {
    fn new(input: &str, what: &'static str, reason: impl Into<String>) -> Self {
        UnitError {
            input: input.to_string(),
            what,
            reason: reason.into(),
        }
    }

    /// Why the input was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl std::fmt::Display for UnitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid {} `{}`: {}", self.what, self.input, self.reason)
    }
}

impl std::error::Error for UnitError {}

const SIZE_UNITS: &[(&str, u64)] = &[
    ("pb", PB),
    ("p", PB),
    ("tb", TB),
    ("t", TB),
    ("gb", GB),
    ("g", GB),
    ("mb", MB),
    ("m", MB),
    ("kb", KB),
    ("k", KB),
    ("b", 1),
];

const SIZE_FORMAT: &[(&str, u64)] = &[("pb", PB), ("tb", TB), ("gb", GB), ("mb", MB), ("kb", KB)];

// Longest suffix first, so `ms` wins over `s` and `m`, and `micros` over `s`.
const DURATION_UNITS: &[(&str, u128)] = &[
    ("micros", 1_000),
    ("nanos", 1),
    ("ms", 1_000_000),
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
];

const DURATION_FORMAT: &[(&str, u128)] = &[
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("micros", 1_000),
];

/// Split `"35gb"` into the number and the unit, given a unit table.
fn split<'a, T: Copy>(
    input: &str,
    s: &'a str,
    what: &'static str,
    units: &[(&str, T)],
    expected: &str,
) -> Result<(&'a str, Option<T>), UnitError> {
    if s.is_empty() {
        return Err(UnitError::new(input, what, "empty string"));
    }
    let num_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(num_end);
    let unit = unit.trim();
    if num.is_empty() {
        if s.starts_with('-') {
            return Err(UnitError::new(
                input,
                what,
                "negative values are not allowed",
            ));
        }
        return Err(UnitError::new(input, what, "missing number"));
    }
    if unit.is_empty() {
        return Ok((num, None));
    }
    match units.iter().find(|(u, _)| *u == unit) {
        Some((_, m)) => Ok((num, Some(*m))),
        None => Err(UnitError::new(
            input,
            what,
            format!("unknown unit `{unit}` (expected one of {expected})"),
        )),
    }
}

/// Parse a decimal number exactly, as (digits as integer, number of fraction digits).
fn decimal(input: &str, num: &str, what: &'static str) -> Result<(u128, u32), UnitError> {
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if int.is_empty() || (num.contains('.') && frac.is_empty()) || frac.contains('.') {
        return Err(UnitError::new(
            input,
            what,
            format!("malformed number `{num}`"),
        ));
    }
    if frac.len() > 18 || int.len() > 30 {
        return Err(UnitError::new(input, what, "number too long"));
    }
    let digits = format!("{int}{frac}");
    let value: u128 = digits
        .parse()
        .map_err(|_| UnitError::new(input, what, format!("malformed number `{num}`")))?;
    let scale = u32::try_from(frac.len()).unwrap_or(u32::MAX);
    Ok((value, scale))
}

/// Parse an OpenSearch byte size (`"35gb"`, `"500mb"`, `"1.5gb"`, `"0"`) into bytes.
pub fn parse_size(s: &str) -> Result<u64, UnitError> {
    const WHAT: &str = "size";
    let norm = s.trim().to_ascii_lowercase();
    let (num, unit) = split(s, &norm, WHAT, SIZE_UNITS, "b, kb, mb, gb, tb, pb")?;
    let (value, scale) = decimal(s, num, WHAT)?;
    let unit = match unit {
        Some(u) => u,
        None if value == 0 => 1,
        None => {
            return Err(UnitError::new(
                s,
                WHAT,
                "missing unit (expected one of b, kb, mb, gb, tb, pb)",
            ))
        }
    };
    let denom = 10u128.pow(scale);
    let total = value
        .checked_mul(u128::from(unit))
        .ok_or_else(|| UnitError::new(s, WHAT, "too large"))?;
    if total % denom != 0 {
        return Err(UnitError::new(
            s,
            WHAT,
            "not a whole number of bytes; use a smaller unit",
        ));
    }
    u64::try_from(total / denom).map_err(|_| UnitError::new(s, WHAT, "too large"))
}

/// Format bytes with the largest unit that is exact: `35gb`, `500mb`, `1536b`... `0b`.
pub fn format_size(bytes: u64) -> String {
    if bytes == 0 {
        return "0b".into();
    }
    for (unit, m) in SIZE_FORMAT {
        if bytes.is_multiple_of(*m) {
            return format!("{}{unit}", bytes / m);
        }
    }
    format!("{bytes}b")
}

/// Parse an OpenSearch duration (`"12h"`, `"7d"`, `"30m"`, `"90s"`, `"250ms"`, `"0"`).
/// Fractional values are rejected, as OpenSearch rejects them.
pub fn parse_duration(s: &str) -> Result<Duration, UnitError> {
    const WHAT: &str = "duration";
    let norm = s.trim().to_ascii_lowercase();
    let (num, unit) = split(
        s,
        &norm,
        WHAT,
        DURATION_UNITS,
        "d, h, m, s, ms, micros, nanos",
    )?;
    if num.contains('.') {
        return Err(UnitError::new(
            s,
            WHAT,
            "fractional durations are not supported by OpenSearch; use a smaller unit (e.g. 90m)",
        ));
    }
    let (value, _) = decimal(s, num, WHAT)?;
    let unit = match unit {
        Some(u) => u,
        None if value == 0 => 1,
        None => {
            return Err(UnitError::new(
                s,
                WHAT,
                "missing unit (expected one of d, h, m, s, ms, micros, nanos)",
            ))
        }
    };
    let nanos = value
        .checked_mul(unit)
        .ok_or_else(|| UnitError::new(s, WHAT, "too large"))?;
    let secs =
        u64::try_from(nanos / 1_000_000_000).map_err(|_| UnitError::new(s, WHAT, "too large"))?;
    let sub = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
    Ok(Duration::new(secs, sub))
}

/// Parse a duration into whole milliseconds (sub-millisecond parts are rejected).
pub fn parse_duration_ms(s: &str) -> Result<u64, UnitError> {
    let d = parse_duration(s)?;
    if d.subsec_nanos() % 1_000_000 != 0 {
        return Err(UnitError::new(
            s,
            "duration",
            "not a whole number of milliseconds",
        ));
    }
    u64::try_from(d.as_millis()).map_err(|_| UnitError::new(s, "duration", "too large"))
}

/// Format a duration with the largest unit that is exact: `7d`, `12h`, `90m`, `250ms`, `0s`.
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    for (unit, m) in DURATION_FORMAT {
        if nanos.is_multiple_of(*m) {
            return format!("{}{unit}", nanos / m);
        }
    }
    format!("{nanos}nanos")
}

/// Format milliseconds as a duration string (see [`format_duration`]).
pub fn format_duration_ms(ms: u64) -> String {
    format_duration(Duration::from_millis(ms))
}

/// `#[serde(deserialize_with = ...)]` helpers for config fields written as OpenSearch strings.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Cfg {
///     #[serde(deserialize_with = "lifeguard_sdk::units::de::size")]
///     target: u64,
///     #[serde(deserialize_with = "lifeguard_sdk::units::de::duration_ms")]
///     every: u64,
/// }
/// let c: Cfg = serde_json::from_str(r#"{"target":"30gb","every":"5m"}"#).unwrap();
/// assert_eq!((c.target, c.every), (30 << 30, 300_000));
/// ```
pub mod de {
    use serde::{de::Error, Deserialize, Deserializer};

    /// A size string (`"30gb"`) as bytes.
    pub fn size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_size(&s).map_err(D::Error::custom)
    }

    /// An optional size string.
    pub fn opt_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| super::parse_size(&s).map_err(D::Error::custom))
            .transpose()
    }

    /// A duration string (`"12h"`) as milliseconds.
    pub fn duration_ms<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_duration_ms(&s).map_err(D::Error::custom)
    }

    /// An optional duration string.
    pub fn opt_duration_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| super::parse_duration_ms(&s).map_err(D::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
#[path = "units_props.rs"]
mod props;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("35gb"), Ok(35 * GB));
        assert_eq!(parse_size("35GB"), Ok(35 * GB));
        assert_eq!(parse_size(" 500mb "), Ok(500 * MB));
        assert_eq!(parse_size("500m"), Ok(500 * MB));
        assert_eq!(parse_size("1.5gb"), Ok(3 * GB / 2));
        assert_eq!(parse_size("12b"), Ok(12));
        assert_eq!(parse_size("1kb"), Ok(1024));
        assert_eq!(parse_size("2tb"), Ok(2 * TB));
        assert_eq!(parse_size("1pb"), Ok(PB));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("0gb"), Ok(0));
    }

    #[test]
    fn bad_sizes() {
        for bad in [
            "",
            " ",
            "gb",
            "35",
            "-1",
            "-5gb",
            "35gib",
            "35 g b",
            "1.2.3gb",
            "1.gb",
            ".5gb",
            "0.1b",
            "0.3kb",
            "35gb!",
            "99999999999pb",
            "abc",
        ] {
            let e = parse_size(bad);
            assert!(e.is_err(), "{bad:?} parsed as {e:?}");
        }
        let e = parse_size("35gib").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid size `35gib`: unknown unit `gib` (expected one of b, kb, mb, gb, tb, pb)"
        );
        assert!(parse_size("35")
            .unwrap_err()
            .reason()
            .contains("missing unit"));
    }

    #[test]
    fn format_sizes() {
        assert_eq!(format_size(35 * GB), "35gb");
        assert_eq!(format_size(500 * MB), "500mb");
        assert_eq!(format_size(1536), "1536b");
        assert_eq!(format_size(1536 * MB), "1536mb");
        assert_eq!(format_size(0), "0b");
        assert_eq!(format_size(50 * GB), "50gb");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("12h"), Ok(12 * HOUR_MS));
        assert_eq!(parse_duration_ms("7d"), Ok(7 * DAY_MS));
        assert_eq!(parse_duration_ms("30m"), Ok(30 * MINUTE_MS));
        assert_eq!(parse_duration_ms("90s"), Ok(90 * SECOND_MS));
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert_eq!(parse_duration_ms("7D"), Ok(7 * DAY_MS));
        assert_eq!(parse_duration_ms("0"), Ok(0));
        assert_eq!(parse_duration("5micros"), Ok(Duration::from_micros(5)));
        assert_eq!(parse_duration("5nanos"), Ok(Duration::from_nanos(5)));
    }

    #[test]
    fn bad_durations() {
        for bad in [
            "",
            "h",
            "12",
            "-1",
            "-12h",
            "1.5h",
            "12hours",
            "12 hh",
            "1w",
            "7dd",
            "12h30m",
            "99999999999999999999d",
        ] {
            let e = parse_duration(bad);
            assert!(e.is_err(), "{bad:?} parsed as {e:?}");
        }
        assert!(parse_duration("1.5h")
            .unwrap_err()
            .reason()
            .contains("fractional"));
        assert!(parse_duration_ms("5micros").is_err());
    }

    #[test]
    fn format_durations() {
        assert_eq!(format_duration_ms(12 * HOUR_MS), "12h");
        assert_eq!(format_duration_ms(7 * DAY_MS), "7d");
        assert_eq!(format_duration_ms(90 * MINUTE_MS), "90m");
        assert_eq!(format_duration_ms(90 * SECOND_MS), "90s");
        assert_eq!(format_duration_ms(1500), "1500ms");
        assert_eq!(format_duration_ms(0), "0s");
        assert_eq!(format_duration(Duration::from_nanos(7)), "7nanos");
    }

    proptest! {
        #[test]
        fn size_round_trip(n in any::<u64>()) {
            prop_assert_eq!(parse_size(&format_size(n)), Ok(n));
        }

        #[test]
        fn size_unit_round_trip(n in 0u64..16_000, u in 0usize..5) {
            let (unit, m) = SIZE_FORMAT[u];
            prop_assert_eq!(parse_size(&format!("{n}{unit}")), Ok(n * m));
        }

        #[test]
        fn duration_round_trip(ms in 0u64..(1u64 << 50)) {
            prop_assert_eq!(parse_duration_ms(&format_duration_ms(ms)), Ok(ms));
        }

        #[test]
        fn duration_nanos_round_trip(s in 0u64..(1u64 << 40), n in 0u32..1_000_000_000) {
            let d = Duration::new(s, n);
            prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }

        #[test]
        fn garbage_never_panics(s in "\\PC{0,12}") {
            let _ = parse_size(&s);
            let _ = parse_duration(&s);
        }
    }
}
