//! Calendar arithmetic on epoch milliseconds, enough for daily windows, cron schedules and
//! RFC 3339 stamps without pulling a date-time crate into the build.

pub const MS_PER_MIN: i64 = 60_000;
pub const MIN_PER_DAY: i64 = 1_440;
pub const MS_PER_DAY: i64 = MS_PER_MIN * MIN_PER_DAY;

/// Weekday of a day number (days since 1970-01-01), 0 = Monday.
pub fn weekday(day: i64) -> usize {
    // 1970-01-01 was a Thursday.
    (day + 3).rem_euclid(7) as usize
}

/// (year, month 1-12, day 1-31) of a day number, proleptic Gregorian. Howard Hinnant's
/// `civil_from_days`.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The UTC fields of an epoch-millisecond instant.
struct Fields {
    date: (i64, u32, u32),
    hour: i64,
    minute: i64,
    second: i64,
    milli: i64,
}

fn fields(ms: i64) -> Fields {
    let in_day = ms.rem_euclid(MS_PER_DAY);
    Fields {
        date: civil_from_days(ms.div_euclid(MS_PER_DAY)),
        hour: in_day / 3_600_000,
        minute: (in_day / 60_000) % 60,
        second: (in_day / 1000) % 60,
        milli: in_day % 1000,
    }
}

/// `2024-05-06T07:08:09.123Z`, the form OpenSearch and the audit trail use.
pub fn rfc3339_ms(ms: i64) -> String {
    let f = fields(ms);
    let (y, mo, d) = f.date;
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        f.hour, f.minute, f.second, f.milli
    )
}

/// `2024-05-06 07:08:09`, UTC to the second, for people reading a status page.
pub fn utc_seconds(ms: i64) -> String {
    let f = fields(ms);
    let (y, mo, d) = f.date;
    format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}",
        f.hour, f.minute, f.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        // 2024-02-29T13:45:30.250Z, a Thursday.
        let ms = 1_709_214_330_250;
        assert_eq!(rfc3339_ms(ms), "2024-02-29T13:45:30.250Z");
        assert_eq!(rfc3339_ms(1_767_225_600_000), "2026-01-01T00:00:00.000Z");
        assert_eq!(utc_seconds(1_709_210_096_000), "2024-02-29 12:34:56");
        assert_eq!(weekday(ms / MS_PER_DAY), 3);
        assert_eq!(weekday(0), 3);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
    }
}
