//! Durations and sizes as people write them in config files: `"20s"`, `"1h 30m"`, `"64mb"`.
//! One parser each, used by the config validation and by serde for nested sections, so a
//! duration means the same wherever it is set.
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

/// "20s", "5m", "1h 30m", "1m30s", "250ms": whole numbers with units, parts summed. The one
/// duration parser of the config, cluster timeouts included. Fractions (`"1.5s"`) are
/// refused, as OpenSearch refuses them, so a value means the same here and on the cluster.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if s.contains('.') {
        return Err(format!(
            "bad duration {s:?}: fractions are not allowed; use a smaller unit, e.g. \"1500ms\""
        ));
    }
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("bad duration {s:?} ({e}); use e.g. \"20s\", \"5m\", \"1h\""))
}

/// "64mb", "4MiB", "512kb", "1gb", or a plain number of bytes. Units are binary (1kb = 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let digits_end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("bad size {s:?}; use e.g. \"64mb\", \"4mb\", \"1gb\""))?;
    let mult: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => {
            return Err(format!(
                "bad size unit {other:?} in {s:?}; use b, kb, mb, gb or tb"
            ))
        }
    };
    let bytes = n * mult as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("size {s:?} is out of range"));
    }
    Ok(bytes as u64)
}

/// serde `deserialize_with` for a duration field: the string through [`parse_duration`].
pub fn deserialize_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

/// serde `serialize_with` for a duration field, in the form [`parse_duration`] reads back.
pub fn serialize_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_duration(*d).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64mb"), Ok(64 << 20));
        assert_eq!(parse_size("4MiB"), Ok(4 << 20));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("1.5kb"), Ok(1536));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("12parsecs").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        let e = parse_duration("1.5s").unwrap_err();
        assert!(e.contains("fractions are not allowed"), "{e}");
    }

    const SIZE_UNITS: &[(&str, u64)] = &[
        ("", 1),
        ("b", 1),
        ("kb", 1 << 10),
        ("K", 1 << 10),
        ("MiB", 1 << 20),
        ("mb", 1 << 20),
        ("GB", 1 << 30),
        ("g", 1 << 30),
        ("tb", 1 << 40),
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever humantime writes, the parser reads back exactly.
        #[test]
        fn duration_format_round_trips(secs in 0u64..(10 * 366 * 86_400), nanos in 0u32..1_000_000_000) {
            let d = Duration::new(secs, nanos);
            let text = humantime::format_duration(d).to_string();
            proptest::prop_assert_eq!(parse_duration(&text), Ok(d), "{}", text);
        }

        #[test]
        fn sizes_with_units_are_exact(n in 0u64..(1 << 20), u in 0..SIZE_UNITS.len(), pad in " {0,2}") {
            let (unit, mult) = SIZE_UNITS[u];
            proptest::prop_assert_eq!(parse_size(&format!("{pad}{n}{pad}{unit}{pad}")), Ok(n * mult));
        }

        /// Near-valid text (digits, dots, signs, units, spaces) never panics, and an error
        /// quotes the input so the user sees what was refused.
        #[test]
        fn errors_quote_the_input(s in "[-+0-9. ]{0,6}(ms|s|m|h|d|kb|mb|gb|tb|pb|b|x|µs)?[0-9 ]{0,3}|\\PC{0,16}") {
            for e in [parse_duration(&s).err(), parse_size(&s).err()].into_iter().flatten() {
                proptest::prop_assert!(e.contains(&format!("{s:?}")), "{}", e);
            }
        }
    }
}
