//! Watching the plugin directory (notify + debouncer) and reloading changed files.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use tokio::sync::mpsc;
use tracing::warn;

use super::Registry;

/// Editors and `cp` write in several steps; events are merged over this window.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// How often the directory is also listed, for changes the watcher never reported (inotify
/// queue overflow, network and overlay filesystems, a burst of renames under load).
const RESCAN: Duration = Duration::from_secs(2);

/// What a listing compares: a rewrite or a rename over the file changes at least one.
type Signature = (u64, u64, Option<std::time::SystemTime>);

fn signature(meta: &std::fs::Metadata) -> Signature {
    use std::os::unix::fs::MetadataExt;
    (meta.ino(), meta.len(), meta.modified().ok())
}

/// Plugin files in `dir` whose signature differs from `seen` (new, changed or gone);
/// `seen` is updated.
fn changed_files(dir: &Path, seen: &mut HashMap<String, Signature>) -> Vec<String> {
    let mut now = HashMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let (Some(file), Ok(meta)) = (plugin_file(dir, &path), entry.metadata()) else {
                continue;
            };
            now.insert(file, signature(&meta));
        }
    }
    let mut changed: Vec<String> = now
        .iter()
        .filter(|(f, sig)| seen.get(*f) != Some(sig))
        .map(|(f, _)| f.clone())
        .collect();
    changed.extend(seen.keys().filter(|f| !now.contains_key(*f)).cloned());
    *seen = now;
    changed.sort();
    changed
}

/// Keeps the watcher alive; dropping it stops watching.
pub struct WatchHandle {
    _debouncer: Box<dyn std::any::Any + Send>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether an event can mean new content. Reads (`Access(Open)`) are ignored: the host's
/// own reads of a file would otherwise trigger endless reloads.
fn is_content_change(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any)
            | EventKind::Access(AccessKind::Close(AccessMode::Write))
    )
}

/// The plugin file name of a path, if it is a `.wasm` directly in the directory.
fn plugin_file(dir: &Path, path: &Path) -> Option<String> {
    if path.parent()? != dir || path.extension()? != "wasm" {
        return None;
    }
    Some(path.file_name()?.to_str()?.to_string())
}

impl Registry {
    /// Watch the directory and reload every changed `.wasm` file. Only files for which
    /// `wanted` returns true are loaded.
    pub fn watch(
        self: &Arc<Self>,
        wanted: Arc<dyn Fn(&str) -> bool + Send + Sync>,
    ) -> notify::Result<WatchHandle> {
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        let dir = self
            .dir()
            .canonicalize()
            .unwrap_or_else(|_| self.dir().to_path_buf());
        let watch_dir = dir.clone();
        let mut debouncer = new_debouncer(DEBOUNCE, None, move |res: DebounceEventResult| {
            let Ok(events) = res else { return };
            for e in events {
                if !is_content_change(&e.event.kind) {
                    continue;
                }
                for p in &e.event.paths {
                    if let Some(f) = plugin_file(&watch_dir, p) {
                        let _ = tx.send(f);
                    }
                }
            }
        })?;
        debouncer.watch(&dir, RecursiveMode::NonRecursive)?;
        let registry = self.clone();
        let task = tokio::spawn(async move {
            let mut seen = HashMap::new();
            let mut rescan = tokio::time::interval(RESCAN);
            rescan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let mut batch = tokio::select! {
                    file = rx.recv() => match file {
                        Some(f) => vec![f],
                        None => break,
                    },
                    // Loading an unchanged file is a hash comparison, not a compile.
                    _ = rescan.tick() => changed_files(&dir, &mut seen),
                };
                // Collapse a burst of events for the same file into one load.
                while let Ok(f) = rx.try_recv() {
                    if !batch.contains(&f) {
                        batch.push(f);
                    }
                }
                for f in batch {
                    if !wanted(&f) {
                        continue;
                    }
                    if let Err(e) = registry.load(&f).await {
                        warn!(file = %f, error = %e, "reload failed");
                    }
                }
            }
        });
        Ok(WatchHandle {
            _debouncer: Box::new(debouncer),
            task,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, CreateKind, DataChange};

    #[test]
    fn only_content_changes_count() {
        assert!(is_content_change(&EventKind::Create(CreateKind::File)));
        assert!(is_content_change(&EventKind::Modify(ModifyKind::Data(
            DataChange::Content
        ))));
        assert!(!is_content_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_content_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
    }

    #[test]
    fn a_listing_finds_new_rewritten_renamed_and_deleted_files() {
        let tmp = std::env::temp_dir().join(format!("lifeguard-rescan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        let mut seen = HashMap::new();
        std::fs::write(tmp.join("a.wasm"), b"one").unwrap();
        std::fs::write(tmp.join("notes.txt"), b"ignored").unwrap();
        assert_eq!(changed_files(&tmp, &mut seen), ["a.wasm"]);
        assert!(changed_files(&tmp, &mut seen).is_empty(), "nothing changed");
        std::fs::write(tmp.join("a.wasm"), b"three").unwrap();
        assert_eq!(changed_files(&tmp, &mut seen), ["a.wasm"]);
        std::fs::write(tmp.join(".a.wasm.tmp"), b"four!").unwrap();
        std::fs::rename(tmp.join(".a.wasm.tmp"), tmp.join("a.wasm")).unwrap();
        assert_eq!(
            changed_files(&tmp, &mut seen),
            ["a.wasm"],
            "a rename over it"
        );
        std::fs::remove_file(tmp.join("a.wasm")).unwrap();
        assert_eq!(changed_files(&tmp, &mut seen), ["a.wasm"], "gone");
        assert!(changed_files(&tmp, &mut seen).is_empty());
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn plugin_files_are_wasm_directly_inside() {
        let d = Path::new("/p");
        assert_eq!(
            plugin_file(d, Path::new("/p/a.wasm")),
            Some("a.wasm".into())
        );
        assert_eq!(plugin_file(d, Path::new("/p/a.wasm.tmp")), None);
        assert_eq!(plugin_file(d, Path::new("/p/sub/a.wasm")), None);
    }
}
