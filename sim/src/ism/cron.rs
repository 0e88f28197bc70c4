//! Five-field cron expressions for the `cron` transition condition (UTC or fixed offsets).
use crate::util::civil_from_days;

#[derive(Debug, Clone)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    dom: Vec<bool>,
    months: Vec<bool>,
    dow: Vec<bool>,
    dom_any: bool,
    dow_any: bool,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn value(s: &str, names: &[&str], base: u32) -> Result<u32, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
        return Ok(i as u32 + base);
    }
    s.parse()
        .map_err(|_| format!("Invalid cron expression: bad value [{s}]"))
}

fn field(spec: &str, min: u32, max: u32, names: &[&str], base: u32) -> Result<Vec<bool>, String> {
    let mut out = vec![false; (max + 1) as usize];
    for part in spec.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .map_err(|_| format!("Invalid cron expression: bad step [{s}]"))?
                    .max(1),
            ),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, names, base)?, value(b, names, base)?)
        } else {
            let v = value(range, names, base)?;
            (v, if step > 1 { max } else { v })
        };
        if lo < min || hi > max || lo > hi {
            return Err(format!("Invalid cron expression: [{spec}] out of range"));
        }
        let mut v = lo;
        while v <= hi {
            out[v as usize] = true;
            v += step;
        }
    }
    Ok(out)
}

impl Cron {
    pub fn parse(expr: &str) -> Result<Self, String> {
        let parts: Vec<&str> = expr.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(format!(
                "Invalid cron expression [{expr}]: expected 5 fields"
            ));
        }
        let mut dow = field(parts[4], 0, 7, &DAYS, 0)?;
        if dow[7] {
            dow[0] = true;
        }
        Ok(Self {
            minutes: field(parts[0], 0, 59, &[], 0)?,
            hours: field(parts[1], 0, 23, &[], 0)?,
            dom: field(parts[2], 1, 31, &[], 0)?,
            months: field(parts[3], 1, 12, &MONTHS, 1)?,
            dow,
            dom_any: parts[2] == "*" || parts[2] == "?",
            dow_any: parts[4] == "*" || parts[4] == "?",
        })
    }

    fn day_matches(&self, days: i64) -> bool {
        let (_, m, d) = civil_from_days(days);
        if !self.months[m as usize] {
            return false;
        }
        let wd = (days + 4).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
        match (self.dom_any, self.dow_any) {
            (true, true) => true,
            (false, true) => self.dom[d as usize],
            (true, false) => self.dow[wd],
            (false, false) => self.dom[d as usize] || self.dow[wd],
        }
    }

    /// The first fire time strictly after `after_ms`, in a zone `offset_ms` from UTC.
    pub fn next_after(&self, after_ms: i64, offset_ms: i64) -> Option<i64> {
        let local = after_ms + offset_ms;
        let mut minute = local.div_euclid(60_000) + 1;
        let limit = minute + 366 * 24 * 60 * 5;
        while minute < limit {
            let days = minute.div_euclid(1440);
            if !self.day_matches(days) {
                minute = (days + 1) * 1440;
                continue;
            }
            let mod_day = minute.rem_euclid(1440);
            let (h, m) = ((mod_day / 60) as usize, (mod_day % 60) as usize);
            if self.hours[h] && self.minutes[m] {
                return Some(minute * 60_000 - offset_ms);
            }
            minute += 1;
        }
        None
    }
}

/// Offset of a timezone id: UTC/GMT/Z and fixed offsets ("+02:00", "UTC-5"); others count as UTC.
pub fn tz_offset_ms(tz: &str) -> i64 {
    let t = tz.trim_start_matches("UTC").trim_start_matches("GMT");
    if t.is_empty() || t == "Z" {
        return 0;
    }
    let sign = if t.starts_with('-') { -1 } else { 1 };
    let t = t.trim_start_matches(['+', '-']);
    let (h, m) = t.split_once(':').unwrap_or((t, "0"));
    match (h.parse::<i64>(), m.parse::<i64>()) {
        (Ok(h), Ok(m)) => sign * (h * 3_600_000 + m * 60_000),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_saturday_17h() {
        let c = Cron::parse("0 17 * * SAT").unwrap();
        // 2026-01-01 is a Thursday; the next Saturday 17:00 UTC is 2026-01-03T17:00Z.
        let next = c.next_after(1_767_225_600_000, 0).unwrap();
        assert_eq!(crate::util::iso8601(next), "2026-01-03T17:00:00.000Z");
    }
}
