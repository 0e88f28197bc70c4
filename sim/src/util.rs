//! Small pure helpers: OpenSearch time and byte-size values and ids (patterns come from `lifeguard-common`).

/// Parses an OpenSearch time value ("5m", "1h", "7d", "500ms", "30s", "1.5h") into milliseconds.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "nanos" => 1e-6,
        "micros" => 1e-3,
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    Some((n * mult) as i64)
}

/// Parses a byte-size value ("50gb", "1.2mb", "100b", plain numbers are bytes).
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit {
        "b" => 1.0,
        "k" | "kb" => 1024.0,
        "m" | "mb" => 1024.0 * 1024.0,
        "g" | "gb" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" => 1024.0f64.powi(4),
        "p" | "pb" => 1024.0f64.powi(5),
        _ => return None,
    };
    Some((n * mult) as u64)
}

/// Formats bytes the way OpenSearch's `ByteSizeValue.toString()` does ("1.2mb", "208kb", "0b").
pub fn human_bytes(b: u64) -> String {
    const UNITS: [(&str, f64); 5] = [
        ("pb", 1125899906842624.0),
        ("tb", 1099511627776.0),
        ("gb", 1073741824.0),
        ("mb", 1048576.0),
        ("kb", 1024.0),
    ];
    let f = b as f64;
    for (unit, size) in UNITS {
        if f >= size {
            return format!("{}{unit}", trim_float(f / size));
        }
    }
    format!("{b}b")
}

/// Formats a duration the way `TimeValue.toString()` does ("9.5h", "5m", "12s", "0s").
pub fn human_time(ms: i64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("d", 86_400_000.0),
        ("h", 3_600_000.0),
        ("m", 60_000.0),
        ("s", 1_000.0),
    ];
    let f = ms as f64;
    for (unit, size) in UNITS {
        if f.abs() >= size {
            return format!("{}{unit}", trim_float(f / size));
        }
    }
    format!("{ms}ms")
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// Converts bytes into the unit requested by `_cat`'s `bytes=` parameter.
pub fn bytes_in_unit(b: u64, unit: Option<&str>) -> String {
    let div: u64 = match unit {
        Some("b") => 1,
        Some("k" | "kb") => 1 << 10,
        Some("m" | "mb") => 1 << 20,
        Some("g" | "gb") => 1 << 30,
        Some("t" | "tb") => 1 << 40,
        Some("p" | "pb") => 1 << 50,
        _ => return human_bytes(b),
    };
    (b / div).to_string()
}

/// SplitMix64: a cheap, well-mixed hash for deriving per-entity randomness from the seed.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over a string, mixed into seeds so that per-index values do not depend on order.
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A 22-character URL-safe id like the ones OpenSearch generates for index uuids.
pub fn make_uuid(seed: u64, counter: u64) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut a = splitmix64(seed ^ counter.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut b = splitmix64(a ^ counter);
    let mut out = String::with_capacity(22);
    for i in 0..22 {
        let src = if i < 11 { &mut a } else { &mut b };
        out.push(char::from(ALPHABET[(*src & 63) as usize]));
        *src >>= 6;
    }
    out
}

pub use lifeguard_common::calendar::{civil_from_days, rfc3339_ms as iso8601};
pub use lifeguard_common::pattern::wildcard_match;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_time_ms("5m"), Some(300_000));
        assert_eq!(parse_time_ms("1.5h"), Some(5_400_000));
        assert_eq!(parse_bytes("50gb"), Some(50 * (1 << 30)));
        assert_eq!(human_bytes(1_258_291), "1.2mb");
        assert_eq!(human_time(34_200_000), "9.5h");
        assert_eq!(iso8601(1_767_225_600_000), "2026-01-01T00:00:00.000Z");
        assert_eq!(make_uuid(1, 2).len(), 22);
    }
}
