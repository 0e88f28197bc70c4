//! Maintenance windows: daily stretches of time, globally or per tenant, in which mutations
//! are `throttled`.
//!
//! A window is `start`..`end` (`HH:MM`, end exclusive) on the listed `days` (all days when
//! empty), in `tz`: `UTC` or a fixed offset such as `+02:00` (no DST rules; a zone that
//! observes DST needs two configurations or a UTC window). A window whose end is before its
//! start runs past midnight, and `days` names the day it starts on.
use serde::{Deserialize, Serialize};

use crate::time::{self, MIN_PER_DAY, MS_PER_DAY, MS_PER_MIN};

/// ```toml
/// [[guard.maintenance]]            # global; tenants have their own list
/// name = "weekend-reindex"         # optional, shown in the throttle message
/// start = "02:00"
/// end = "03:30"
/// days = ["sat", "sun"]            # optional: every day when absent
/// tz = "UTC"                       # or "+02:00"; default UTC
/// pause_ism = true                 # global windows only: also pause ISM itself
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    #[serde(default)]
    pub name: Option<String>,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub days: Vec<String>,
    #[serde(default = "default_tz")]
    pub tz: String,
    /// Set `plugins.index_state_management.enabled=false` for the window. Platform config
    /// only: refused in a tenant's windows. Default false.
    #[serde(default)]
    pub pause_ism: bool,
}

fn default_tz() -> String {
    "UTC".into()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("maintenance window: time [{0}] is not HH:MM")]
    Time(String),
    #[error("maintenance window: day [{0}] is not one of mon tue wed thu fri sat sun")]
    Day(String),
    #[error("maintenance window: tz [{0}] is not UTC or an offset like +02:00")]
    Tz(String),
    #[error("maintenance window [{0}]: start and end are equal")]
    Empty(String),
    #[error("maintenance window [{0}]: pause_ism is platform config; tenants can't set it")]
    TenantPause(String),
}

/// A compiled window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub name: String,
    start_min: i64,
    end_min: i64,
    /// Indexed by weekday, 0 = Monday.
    days: [bool; 7],
    offset_min: i64,
    pub pause_ism: bool,
}

/// A window in force now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveWindow {
    pub name: String,
    /// Epoch ms at which it ends.
    pub until_ms: u64,
}

impl ActiveWindow {
    /// The `throttled` message.
    pub fn message(&self) -> String {
        format!(
            "maintenance window [{}] until {}",
            self.name,
            time::rfc3339_ms(self.until_ms)
        )
    }
}

impl Window {
    pub fn new(cfg: &WindowConfig) -> Result<Self, WindowError> {
        let start_min = hhmm(&cfg.start)?;
        let end_min = hhmm(&cfg.end)?;
        let name = cfg
            .name
            .clone()
            .unwrap_or_else(|| format!("{}-{} {}", cfg.start, cfg.end, cfg.tz));
        if start_min == end_min {
            return Err(WindowError::Empty(name));
        }
        let mut days = [cfg.days.is_empty(); 7];
        for d in &cfg.days {
            let i = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .iter()
                .position(|n| d.eq_ignore_ascii_case(n))
                .ok_or_else(|| WindowError::Day(d.clone()))?;
            days[i] = true;
        }
        Ok(Self {
            name,
            start_min,
            end_min,
            days,
            offset_min: offset(&cfg.tz)?,
            pause_ism: cfg.pause_ism,
        })
    }

    /// If the window is in force at `now_ms`, when it ends.
    pub fn active_at(&self, now_ms: u64) -> Option<ActiveWindow> {
        let local = now_ms as i64 + self.offset_min * MS_PER_MIN;
        let day = local.div_euclid(MS_PER_DAY);
        let minute = local.rem_euclid(MS_PER_DAY) / MS_PER_MIN;
        let on = |d: i64| self.days[time::weekday(d)];
        // The local day on which the current occurrence ends, if one is running.
        let end_day = if self.start_min < self.end_min {
            (on(day) && minute >= self.start_min && minute < self.end_min).then_some(day)
        } else if on(day) && minute >= self.start_min {
            Some(day + 1)
        } else if on(day - 1) && minute < self.end_min {
            Some(day)
        } else {
            None
        }?;
        let until = (end_day * MIN_PER_DAY + self.end_min - self.offset_min) * MS_PER_MIN;
        Some(ActiveWindow {
            name: self.name.clone(),
            until_ms: until.max(0) as u64,
        })
    }
}

fn hhmm(s: &str) -> Result<i64, WindowError> {
    let err = || WindowError::Time(s.to_string());
    let (h, m) = s.split_once(':').ok_or_else(err)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(err());
    }
    let h: i64 = h.parse().map_err(|_| err())?;
    let m: i64 = m.parse().map_err(|_| err())?;
    // 24:00 is allowed as an end of day.
    if h > 24 || m > 59 || (h == 24 && m != 0) {
        return Err(err());
    }
    Ok(h * 60 + m)
}

fn offset(tz: &str) -> Result<i64, WindowError> {
    if tz.eq_ignore_ascii_case("utc") || tz == "Z" {
        return Ok(0);
    }
    let err = || WindowError::Tz(tz.to_string());
    let (sign, rest) = match tz.split_at_checked(1) {
        Some(("+", r)) => (1, r),
        Some(("-", r)) => (-1, r),
        _ => return Err(err()),
    };
    let m = hhmm(rest).map_err(|_| err())?;
    if m > 14 * 60 {
        return Err(err());
    }
    Ok(sign * m)
}

/// The windows that apply to one tenant: the global ones and its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaintenanceWindows {
    windows: Vec<Window>,
}

impl MaintenanceWindows {
    /// Platform windows (may pause ISM) plus a tenant's (may not).
    pub fn new(global: &[WindowConfig], tenant: &[WindowConfig]) -> Result<Self, WindowError> {
        let mut windows = Vec::with_capacity(global.len() + tenant.len());
        for c in global {
            windows.push(Window::new(c)?);
        }
        for c in tenant {
            let w = Window::new(c)?;
            if w.pause_ism {
                return Err(WindowError::TenantPause(w.name));
            }
            windows.push(w);
        }
        Ok(Self { windows })
    }

    /// The window in force at `now_ms` that ends last, if any.
    pub fn active(&self, now_ms: u64) -> Option<ActiveWindow> {
        self.windows
            .iter()
            .filter_map(|w| w.active_at(now_ms))
            .max_by_key(|a| a.until_ms)
    }

    /// Like [`Self::active`], among windows that pause ISM.
    pub fn pausing_ism(&self, now_ms: u64) -> Option<ActiveWindow> {
        self.windows
            .iter()
            .filter(|w| w.pause_ism)
            .filter_map(|w| w.active_at(now_ms))
            .max_by_key(|a| a.until_ms)
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-03-02 (a Saturday) at `h:m` UTC.
    fn sat(h: i64, m: i64) -> u64 {
        let day = 19_784; // 2024-03-02
        ((day * MIN_PER_DAY + h * 60 + m) * MS_PER_MIN) as u64
    }

    fn cfg(start: &str, end: &str, days: &[&str], tz: &str) -> WindowConfig {
        WindowConfig {
            name: Some("w".into()),
            start: start.into(),
            end: end.into(),
            days: days.iter().map(|d| d.to_string()).collect(),
            tz: tz.into(),
            pause_ism: false,
        }
    }

    #[test]
    fn fixture_is_a_saturday() {
        assert_eq!(time::rfc3339_ms(sat(0, 0)), "2024-03-02T00:00:00.000Z");
        assert_eq!(time::weekday(19_784), 5);
    }

    #[test]
    fn daily_window_on_days() {
        let w = Window::new(&cfg("02:00", "03:00", &["sat", "sun"], "UTC")).unwrap();
        assert_eq!(w.active_at(sat(1, 59)), None);
        let a = w.active_at(sat(2, 0)).unwrap();
        assert_eq!(a.until_ms, sat(3, 0));
        assert_eq!(
            a.message(),
            "maintenance window [w] until 2024-03-02T03:00:00.000Z"
        );
        assert!(w.active_at(sat(2, 59)).is_some());
        assert_eq!(w.active_at(sat(3, 0)), None);
        // Monday 02:30 is not a listed day.
        assert_eq!(w.active_at(sat(2, 30) + 2 * MS_PER_DAY as u64), None);
        assert!(w.active_at(sat(2, 30) + MS_PER_DAY as u64).is_some());
    }

    #[test]
    fn past_midnight_belongs_to_start_day() {
        let w = Window::new(&cfg("23:00", "01:00", &["fri"], "UTC")).unwrap();
        // Saturday 00:30 is the tail of Friday's window.
        let a = w.active_at(sat(0, 30)).unwrap();
        assert_eq!(a.until_ms, sat(1, 0));
        // Saturday 23:30 is not: Saturday isn't listed.
        assert_eq!(w.active_at(sat(23, 30)), None);
        let every = Window::new(&cfg("23:00", "01:00", &[], "UTC")).unwrap();
        assert_eq!(every.active_at(sat(23, 30)).unwrap().until_ms, sat(25, 0));
    }

    #[test]
    fn fixed_offset() {
        // 02:00-03:00 at +02:00 is 00:00-01:00 UTC.
        let w = Window::new(&cfg("02:00", "03:00", &["sat"], "+02:00")).unwrap();
        let a = w.active_at(sat(0, 15)).unwrap();
        assert_eq!(a.until_ms, sat(1, 0));
        assert_eq!(w.active_at(sat(2, 15)), None);
    }

    #[test]
    fn bad_configs() {
        assert!(Window::new(&cfg("2:00", "03:00", &[], "UTC")).is_err());
        assert!(Window::new(&cfg("02:00", "25:00", &[], "UTC")).is_err());
        assert!(Window::new(&cfg("02:00", "02:00", &[], "UTC")).is_err());
        assert!(Window::new(&cfg("02:00", "03:00", &["saturday"], "UTC")).is_err());
        assert!(Window::new(&cfg("02:00", "03:00", &[], "Europe/Paris")).is_err());
        let mut p = cfg("02:00", "03:00", &[], "UTC");
        p.pause_ism = true;
        assert!(MaintenanceWindows::new(&[p.clone()], &[]).is_ok());
        assert!(matches!(
            MaintenanceWindows::new(&[], &[p]),
            Err(WindowError::TenantPause(_))
        ));
        assert!(toml::from_str::<WindowConfig>("start='02:00'\nend='03:00'\nx=1").is_err());
        let c: WindowConfig = toml::from_str("start='02:00'\nend='03:00'").unwrap();
        assert_eq!(c.tz, "UTC");
    }
}
