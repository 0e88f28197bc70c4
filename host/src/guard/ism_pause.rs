//! Pausing ISM for platform maintenance windows that ask for it (`pause_ism = true`).
//!
//! At the first tick inside such a window, [`IsmPauser::tick`] reads
//! `plugins.index_state_management.enabled`, writes the prior values to a small state file,
//! then sets it to `false`. At the first tick after the window it puts the prior values back
//! (`null` when it was unset, which restores the default) and deletes the file. The state file
//! is written before the cluster is touched, so a host that dies in between restores on its
//! next start. Every `_cluster/settings` request runs under its own strict timeout.
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::window::MaintenanceWindows;
use crate::cluster::{ApiError, DynCluster};

/// The ISM job switch.
pub const ISM_ENABLED: &str = "plugins.index_state_management.enabled";

/// Default timeout of one `_cluster/settings` request.
pub const SETTINGS_TIMEOUT: Duration = Duration::from_secs(5);

/// What the file remembers while ISM is paused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PauseState {
    pub cluster: String,
    pub window: String,
    /// The persistent value before the pause; `null` if unset.
    pub prior_persistent: Value,
    /// The transient value before the pause, if there was one (it would override ours).
    pub prior_transient: Option<Value>,
    pub paused_ms: u64,
    /// Whether the pause reached the cluster.
    pub applied: bool,
}

/// What a tick did.
#[derive(Debug, Clone, PartialEq)]
pub enum PauseAction {
    /// No pausing window, nothing to restore.
    Idle,
    /// ISM was paused for `window`.
    Paused { window: String },
    /// Still inside the window, already paused.
    StillPaused,
    /// The window ended; the prior persistent value was put back.
    Restored { prior: Value },
}

/// Pauses and restores ISM on one cluster. Give it the unguarded client: this is platform
/// work, and a tenant's guarded view denies `_cluster/settings` writes.
pub struct IsmPauser {
    cluster: String,
    api: DynCluster,
    windows: MaintenanceWindows,
    state_path: PathBuf,
    timeout: Duration,
}

impl IsmPauser {
    /// `windows` are the platform windows (only those with `pause_ism` count); the state
    /// lives at `state_path`, e.g. `<state dir>/ism-pause-<cluster>.json`.
    pub fn new(
        cluster: &str,
        api: DynCluster,
        windows: MaintenanceWindows,
        state_path: PathBuf,
    ) -> Self {
        Self {
            cluster: cluster.to_string(),
            api,
            windows,
            state_path,
            timeout: SETTINGS_TIMEOUT,
        }
    }

    /// Override the `_cluster/settings` timeout (default 5 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether a pause is recorded (ISM may be paused by us).
    pub fn paused(&self) -> Result<Option<PauseState>, ApiError> {
        self.load()
    }

    /// Call every tick (and once at startup, so a pause left by a crash is undone).
    pub async fn tick(&self, now_ms: u64) -> Result<PauseAction, ApiError> {
        let state = self.load()?;
        match (self.windows.pausing_ism(now_ms), state) {
            (None, None) => Ok(PauseAction::Idle),
            (Some(w), None) => {
                let current = self.timed(self.api.cluster_settings()).await?;
                let mut st = PauseState {
                    cluster: self.cluster.clone(),
                    window: w.name.clone(),
                    prior_persistent: setting(&current, "persistent").unwrap_or(Value::Null),
                    prior_transient: setting(&current, "transient"),
                    paused_ms: now_ms,
                    applied: false,
                };
                self.store(&st)?;
                self.apply_pause(&mut st).await?;
                tracing::warn!(cluster = %self.cluster, window = %w.name, "ISM paused for a maintenance window");
                Ok(PauseAction::Paused { window: w.name })
            }
            (Some(w), Some(mut st)) if !st.applied => {
                self.apply_pause(&mut st).await?;
                Ok(PauseAction::Paused { window: w.name })
            }
            (Some(_), Some(_)) => Ok(PauseAction::StillPaused),
            (None, Some(st)) => {
                let mut body =
                    json!({ "persistent": { ISM_ENABLED: st.prior_persistent.clone() } });
                if let Some(t) = &st.prior_transient {
                    body["transient"] = json!({ ISM_ENABLED: t });
                }
                self.timed(self.api.put_cluster_settings(&body)).await?;
                self.clear()?;
                tracing::info!(cluster = %self.cluster, prior = %st.prior_persistent, "ISM restored after a maintenance window");
                Ok(PauseAction::Restored {
                    prior: st.prior_persistent,
                })
            }
        }
    }

    async fn apply_pause(&self, st: &mut PauseState) -> Result<(), ApiError> {
        let mut body = json!({ "persistent": { ISM_ENABLED: false } });
        if st.prior_transient.is_some() {
            body["transient"] = json!({ ISM_ENABLED: false });
        }
        self.timed(self.api.put_cluster_settings(&body)).await?;
        st.applied = true;
        self.store(st)
    }

    async fn timed<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        tokio::time::timeout(self.timeout, fut)
            .await
            .unwrap_or_else(|_| {
                Err(ApiError::Unavailable(format!(
                    "_cluster/settings on [{}] did not answer within {:?}",
                    self.cluster, self.timeout
                )))
            })
    }

    fn io(&self, what: &str, e: impl std::fmt::Display) -> ApiError {
        ApiError::Other(format!(
            "ISM pause state {} ({what}): {e}",
            self.state_path.display()
        ))
    }

    fn load(&self) -> Result<Option<PauseState>, ApiError> {
        match std::fs::read(&self.state_path) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| self.io("parse", e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io("read", e)),
        }
    }

    fn store(&self, st: &PauseState) -> Result<(), ApiError> {
        use std::io::Write;
        let bytes = serde_json::to_vec_pretty(st).map_err(|e| self.io("encode", e))?;
        if let Some(dir) = self.state_path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.io("mkdir", e))?;
        }
        let tmp = self.state_path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.state_path)
        };
        write().map_err(|e| self.io("write", e))
    }

    fn clear(&self) -> Result<(), ApiError> {
        match std::fs::remove_file(&self.state_path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("remove", e)),
        }
    }
}

/// The ISM switch in one section of `GET _cluster/settings`, flat or nested.
fn setting(settings: &Value, section: &str) -> Option<Value> {
    let s = settings.get(section)?;
    if let Some(v) = s.get(ISM_ENABLED) {
        return Some(v.clone());
    }
    ISM_ENABLED.split('.').try_fold(s, |v, k| v.get(k)).cloned()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::guard::window::WindowConfig;
    use crate::testing::{temp_dir, FakeCluster};

    const DAY: u64 = 86_400_000;
    const HOUR: u64 = 3_600_000;

    fn windows() -> MaintenanceWindows {
        let w = WindowConfig {
            name: Some("nightly".into()),
            start: "02:00".into(),
            end: "03:00".into(),
            days: vec![],
            tz: "UTC".into(),
            pause_ism: true,
        };
        let plain = WindowConfig {
            name: Some("no-pause".into()),
            start: "05:00".into(),
            end: "06:00".into(),
            pause_ism: false,
            ..w.clone()
        };
        MaintenanceWindows::new(&[w, plain], &[]).unwrap()
    }

    #[tokio::test]
    async fn pauses_and_restores_across_restart() {
        let dir = temp_dir("ism-pause");
        let state = dir.join("ism-pause-prod.json");
        let fake = Arc::new(FakeCluster::default());
        fake.set_cluster_settings(json!({"persistent": {ISM_ENABLED: "true"}, "transient": {}}));
        let day0 = 19_784 * DAY;

        let p = IsmPauser::new("prod", fake.clone(), windows(), state.clone());
        assert_eq!(p.tick(day0 + HOUR).await.unwrap(), PauseAction::Idle);
        assert_eq!(
            p.tick(day0 + 5 * HOUR).await.unwrap(),
            PauseAction::Idle,
            "a window without pause_ism"
        );
        assert_eq!(
            p.tick(day0 + 2 * HOUR).await.unwrap(),
            PauseAction::Paused {
                window: "nightly".into()
            }
        );
        assert_eq!(
            fake.cluster_settings_value()["persistent"][ISM_ENABLED],
            json!(false)
        );
        assert_eq!(
            p.tick(day0 + 2 * HOUR + 60_000).await.unwrap(),
            PauseAction::StillPaused
        );
        drop(p);

        // The host restarts after the window: the prior value comes back from the file.
        let p = IsmPauser::new("prod", fake.clone(), windows(), state.clone());
        assert!(p.paused().unwrap().is_some());
        assert_eq!(
            p.tick(day0 + 4 * HOUR).await.unwrap(),
            PauseAction::Restored {
                prior: json!("true")
            }
        );
        assert_eq!(
            fake.cluster_settings_value()["persistent"][ISM_ENABLED],
            json!("true")
        );
        assert!(!state.exists());
        assert_eq!(p.tick(day0 + 4 * HOUR).await.unwrap(), PauseAction::Idle);
        let puts = fake.calls_matching("put_cluster_settings");
        assert_eq!(puts.len(), 2, "{puts:?}");
    }

    #[tokio::test]
    async fn unset_prior_is_restored_as_null_and_transient_handled() {
        let dir = temp_dir("ism-pause-null");
        let fake = Arc::new(FakeCluster::default());
        fake.set_cluster_settings(
            json!({"persistent": {}, "transient": {"plugins": {"index_state_management": {"enabled": "true"}}}}),
        );
        let p = IsmPauser::new("prod", fake.clone(), windows(), dir.join("s.json"));
        let day0 = 19_784 * DAY;
        p.tick(day0 + 2 * HOUR).await.unwrap();
        let st = p.paused().unwrap().unwrap();
        assert_eq!(st.prior_persistent, Value::Null);
        assert_eq!(st.prior_transient, Some(json!("true")));
        assert_eq!(
            fake.cluster_settings_value()["transient"][ISM_ENABLED],
            json!(false)
        );
        assert_eq!(
            p.tick(day0 + 3 * HOUR).await.unwrap(),
            PauseAction::Restored { prior: Value::Null }
        );
        let v = fake.cluster_settings_value();
        assert_eq!(v["persistent"][ISM_ENABLED], Value::Null);
        assert_eq!(v["transient"][ISM_ENABLED], json!("true"));
    }

    #[tokio::test]
    async fn a_failed_put_is_retried_and_settings_calls_time_out() {
        let dir = temp_dir("ism-pause-timeout");
        let fake = Arc::new(FakeCluster::default());
        fake.set_cluster_settings(json!({"persistent": {}}));
        fake.set_settings_delay(Duration::from_secs(30));
        let p = IsmPauser::new("prod", fake.clone(), windows(), dir.join("s.json"))
            .with_timeout(Duration::from_millis(50));
        let day0 = 19_784 * DAY;
        let started = std::time::Instant::now();
        let e = p.tick(day0 + 2 * HOUR).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(matches!(e, ApiError::Unavailable(ref m) if m.contains("did not answer")));
        // Reading timed out, so nothing was recorded and nothing is to restore.
        assert!(p.paused().unwrap().is_none());

        // Reads answer now but the put still hangs: the state says "not applied" and the
        // next tick inside the window tries again.
        fake.set_settings_delay_put_only(Duration::from_secs(30));
        assert!(p.tick(day0 + 2 * HOUR).await.is_err());
        assert!(!p.paused().unwrap().unwrap().applied);
        fake.set_settings_delay_put_only(Duration::ZERO);
        assert_eq!(
            p.tick(day0 + 2 * HOUR + 1).await.unwrap(),
            PauseAction::Paused {
                window: "nightly".into()
            }
        );
        assert!(p.paused().unwrap().unwrap().applied);
    }
}
