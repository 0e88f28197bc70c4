//! Checks of a deserialised config that serde cannot express: values in range, names unique
//! and known, globs, URLs, windows and addresses well formed. Everything the daemon would
//! otherwise reject at startup is caught here, with the line and the key.
use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

use super::load::{ConfigError, Validator};
use super::locate::Seg::{self, Index as I, Key as K};
use super::{Config, OverlapPolicy, Resolved, TenantConfig};
use crate::cluster::http::{auth_mode_error, check_url, ClusterConfig};
use crate::guard::audit::Rotation;
use crate::guard::{Grant, GrantConfig, MaintenanceWindows, WindowConfig};
use crate::units::{parse_duration, parse_size};

impl Validator<'_> {
    fn duration(&self, path: &[Seg<'_>], s: &str) -> Result<Duration, ConfigError> {
        let d = parse_duration(s).map_err(|m| self.at(path, m))?;
        if d.is_zero() {
            return Err(self.at(path, "must be more than zero"));
        }
        Ok(d)
    }

    fn size(&self, path: &[Seg<'_>], s: &str) -> Result<u64, ConfigError> {
        let n = parse_size(s).map_err(|m| self.at(path, m))?;
        if n == 0 {
            return Err(self.at(path, "must be more than zero"));
        }
        Ok(n)
    }

    fn positive(&self, path: &[Seg<'_>], n: u64) -> Result<(), ConfigError> {
        if n == 0 {
            return Err(self.at(path, "must be at least 1"));
        }
        Ok(())
    }

    pub(super) fn validate(&self, c: &Config) -> Result<Resolved, ConfigError> {
        let h = &c.host;
        let interval = self.duration(&[K("host"), K("interval")], h.interval.get_ref())?;
        let shutdown_grace = self.duration(
            &[K("host"), K("shutdown_grace")],
            h.shutdown_grace.get_ref(),
        )?;
        let backoff_base =
            self.duration(&[K("host"), K("backoff_base")], h.backoff_base.get_ref())?;
        let backoff_max = self.duration(&[K("host"), K("backoff_max")], h.backoff_max.get_ref())?;
        if backoff_base > backoff_max {
            return Err(self.at(
                &[K("host"), K("backoff_base")],
                format!(
                    "must not exceed host.backoff_max ({})",
                    h.backoff_max.get_ref()
                ),
            ));
        }
        self.positive(
            &[K("host"), K("max_concurrent_runs")],
            h.max_concurrent_runs as u64,
        )?;
        self.positive(
            &[K("host"), K("max_concurrent_per_cluster")],
            h.max_concurrent_per_cluster as u64,
        )?;
        if !h.telemetry_listen.is_empty() {
            h.telemetry_listen.parse::<SocketAddr>().map_err(|e| {
                self.at(
                    &[K("host"), K("telemetry_listen")],
                    format!(
                        "{:?} is not an address like \"127.0.0.1:9464\" ({e}); \"\" disables it",
                        h.telemetry_listen
                    ),
                )
            })?;
        }
        let l = &c.limits;
        self.positive(&[K("limits"), K("fuel")], l.fuel)?;
        self.positive(
            &[K("limits"), K("quarantine_after")],
            u64::from(l.quarantine_after),
        )?;
        let deadline = self.duration(&[K("limits"), K("deadline")], l.deadline.get_ref())?;
        let memory_bytes = self.size(&[K("limits"), K("memory")], l.memory.get_ref())?;
        let max_arg_bytes = self.size(&[K("limits"), K("max_arg")], l.max_arg.get_ref())?;
        if let Some((key, msg)) = c.coordination.as_ref().and_then(|k| k.problems()) {
            return Err(self.at(&[K("coordination"), K(key)], msg));
        }
        let audit_rotation = self.guard(c)?;
        let clusters = self.clusters(&c.clusters)?;
        let mut tenants = HashSet::new();
        let mut plugin_intervals = Vec::new();
        for (ti, t) in c.tenants.iter().enumerate() {
            let name = [K("tenants"), I(ti), K("name")];
            if t.name.is_empty() {
                return Err(self.at(&name, "must not be empty"));
            }
            if !tenants.insert(t.name.as_str()) {
                return Err(self.at(&name, format!("tenant [{}] is defined twice", t.name)));
            }
            self.tenant(ti, t, &clusters)?;
            plugin_intervals.push(self.plugins(ti, t, interval)?);
        }
        let mut warnings = self.overlaps(c)?;
        if let Some(secs) = c.guard.breaker.cool_down_secs {
            let path = [K("guard"), K("breaker"), K("cool_down_secs")];
            let msg = format!("deprecated; write cool_down = \"{secs}s\" (this value is used)");
            warnings.push(self.at(&path, msg).to_string());
        }
        let tick_period = plugin_intervals
            .iter()
            .flatten()
            .copied()
            .fold(interval, Duration::min);
        Ok(Resolved {
            interval,
            tick_period,
            shutdown_grace,
            backoff_base,
            backoff_max,
            deadline,
            memory_bytes,
            max_arg_bytes,
            audit_rotation,
            plugin_intervals,
            warnings,
        })
    }

    fn guard(&self, c: &Config) -> Result<Rotation, ConfigError> {
        let ratio = c.guard.breaker.queue_ratio;
        if ratio.is_nan() || ratio <= 0.0 || ratio > 1.0 {
            return Err(self.at(
                &[K("guard"), K("breaker"), K("queue_ratio")],
                format!("{ratio} is not a fraction in (0, 1], e.g. 0.8"),
            ));
        }
        for (wi, w) in c.guard.maintenance.iter().enumerate() {
            self.window(&[K("guard"), K("maintenance"), I(wi)], w, false)?;
        }
        let g = &c.guard;
        let max_bytes = self.size(&[K("guard"), K("audit_max_size")], &g.audit_max_size)?;
        self.positive(&[K("guard"), K("audit_keep")], g.audit_keep as u64)?;
        self.positive(
            &[K("guard"), K("policy_backups_keep")],
            g.policy_backups_keep as u64,
        )?;
        Ok(Rotation {
            max_bytes,
            keep: g.audit_keep,
        })
    }

    /// One maintenance window, compiled as the daemon will; tenants' may not pause ISM.
    fn window(&self, path: &[Seg<'_>], w: &WindowConfig, tenant: bool) -> Result<(), ConfigError> {
        let one = std::slice::from_ref(w);
        let (global, own): (&[WindowConfig], &[WindowConfig]) =
            if tenant { (&[], one) } else { (one, &[]) };
        MaintenanceWindows::new(global, own)
            .map(|_| ())
            .map_err(|e| self.at(path, e))
    }

    /// Cluster names, unique and non-empty, with their URLs, credentials and timeouts.
    fn clusters<'c>(&self, list: &'c [ClusterConfig]) -> Result<HashSet<&'c str>, ConfigError> {
        let mut names = HashSet::new();
        for (ci, cl) in list.iter().enumerate() {
            let at = |key: &'static str| [K("clusters"), I(ci), K(key)];
            if cl.name.is_empty() {
                return Err(self.at(&at("name"), "must not be empty"));
            }
            if !names.insert(cl.name.as_str()) {
                return Err(self.at(
                    &at("name"),
                    format!("cluster [{}] is defined twice", cl.name),
                ));
            }
            if cl.urls.is_empty() {
                return Err(self.at(&at("urls"), "at least one base URL is required"));
            }
            for (ui, u) in cl.urls.iter().enumerate() {
                check_url(u).map_err(|e| self.at(&[K("clusters"), I(ci), K("urls"), I(ui)], e))?;
            }
            if let Some(m) = cl.auth.as_ref().and_then(auth_mode_error) {
                return Err(self.at(&at("auth"), m));
            }
            for (key, d) in [
                ("connect_timeout", cl.connect_timeout),
                ("request_timeout", cl.request_timeout),
                ("overall_timeout", cl.overall_timeout),
            ] {
                if d.is_zero() {
                    return Err(self.at(&at(key), "must be more than zero"));
                }
            }
            self.positive(
                &[K("clusters"), I(ci), K("retry"), K("max_attempts")],
                u64::from(cl.retry.max_attempts),
            )?;
        }
        Ok(names)
    }

    /// A tenant's clusters, grant globs and windows.
    fn tenant(
        &self,
        ti: usize,
        t: &TenantConfig,
        clusters: &HashSet<&str>,
    ) -> Result<(), ConfigError> {
        if t.clusters.is_empty() {
            return Err(self.at(
                &[K("tenants"), I(ti), K("clusters")],
                format!("tenant [{}] names no cluster", t.name),
            ));
        }
        for (ci, alias) in t.clusters.iter().enumerate() {
            if !clusters.contains(alias.get_ref().as_str()) {
                return Err(self.at(
                    &[K("tenants"), I(ti), K("clusters"), I(ci)],
                    format!(
                        "tenant [{}] names unknown cluster [{}]",
                        t.name,
                        alias.get_ref()
                    ),
                ));
            }
        }
        let indices: Vec<&str> = t.indices.iter().map(|s| s.get_ref().as_str()).collect();
        for (field, globs) in [
            ("indices", indices),
            ("policies", t.policies.iter().map(String::as_str).collect()),
            (
                "autofollow_rules",
                t.autofollow_rules.iter().map(String::as_str).collect(),
            ),
        ] {
            for (gi, g) in globs.into_iter().enumerate() {
                let mut grant = GrantConfig::default();
                let one = vec![g.to_owned()];
                match field {
                    "indices" => grant.indices = one,
                    "policies" => grant.policies = one,
                    _ => grant.autofollow_rules = one,
                }
                Grant::new(&grant)
                    .map_err(|e| self.at(&[K("tenants"), I(ti), K(field), I(gi)], e))?;
            }
        }
        for (wi, w) in t.guard.maintenance.iter().enumerate() {
            self.window(
                &[K("tenants"), I(ti), K("guard"), K("maintenance"), I(wi)],
                w,
                true,
            )?;
        }
        Ok(())
    }

    /// A tenant's plugins: unique names, a file, a table of config; returns their intervals.
    fn plugins(
        &self,
        ti: usize,
        t: &TenantConfig,
        default: Duration,
    ) -> Result<Vec<Duration>, ConfigError> {
        let mut names = HashSet::new();
        let mut intervals = Vec::new();
        for (pi, p) in t.plugins.iter().enumerate() {
            let at = |key: &'static str| [K("tenants"), I(ti), K("plugins"), I(pi), K(key)];
            if p.name.is_empty() {
                return Err(self.at(&at("name"), "must not be empty"));
            }
            if !names.insert(p.name.as_str()) {
                return Err(self.at(
                    &at("name"),
                    format!("plugin [{}] appears twice in tenant [{}]", p.name, t.name),
                ));
            }
            if p.file.get_ref().trim().is_empty() {
                return Err(self.at(&at("file"), "must name a .wasm file"));
            }
            if !p.config.is_table() {
                return Err(self.at(
                    &at("config"),
                    format!("plugin [{}] config must be a table", p.name),
                ));
            }
            intervals.push(match &p.interval {
                Some(i) => self.duration(&at("interval"), i.get_ref())?,
                None => default,
            });
        }
        Ok(intervals)
    }

    /// Two tenants granted the same index pattern: a warning, or an error under `reject`.
    fn overlaps(&self, c: &Config) -> Result<Vec<String>, ConfigError> {
        let mut warnings = Vec::new();
        for (i, a) in c.tenants.iter().enumerate() {
            for (j, b) in c.tenants.iter().enumerate().skip(i + 1) {
                for pa in &a.indices {
                    for (gi, pb) in b.indices.iter().enumerate() {
                        let (x, y) = (pa.get_ref(), pb.get_ref());
                        if x == y || glob_covers(x, y) || glob_covers(y, x) {
                            let msg = format!(
                                "tenants [{}] and [{}] are both granted [{}]/[{}]",
                                a.name, b.name, x, y
                            );
                            if c.host.on_overlap == OverlapPolicy::Reject {
                                return Err(
                                    self.at(&[K("tenants"), I(j), K("indices"), I(gi)], msg)
                                );
                            }
                            warnings.push(format!("tenants.indices: {msg}"));
                        }
                    }
                }
            }
        }
        Ok(warnings)
    }
}

/// Whether pattern `wide` matches the literal text of `narrow` (a conservative overlap test).
fn glob_covers(wide: &str, narrow: &str) -> bool {
    crate::pattern::wildcard_match(wide, narrow)
}
