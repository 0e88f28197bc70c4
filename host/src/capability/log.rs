//! `lifeguard:plugin/log`: plugin log lines into the host's tracing, capped per run.
use tracing::{debug, error, info, trace, warn};

use crate::bindings::log::{Host, Level};
use crate::runtime::LogView;

/// Longest message or reason kept; the rest is cut.
const MAX_MESSAGE: usize = 2048;

fn cut(mut s: String) -> String {
    if s.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

impl Host for LogView<'_> {
    async fn emit(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        if *self.lines >= self.max_lines {
            *self.dropped = self.dropped.saturating_add(1);
            return Ok(());
        }
        *self.lines += 1;
        let msg = cut(message);
        let (t, p) = (&self.env.tenant, &self.env.plugin);
        match level {
            Level::Trace => trace!(tenant = %t, plugin = %p, "{msg}"),
            Level::Debug => debug!(tenant = %t, plugin = %p, "{msg}"),
            Level::Info => info!(tenant = %t, plugin = %p, "{msg}"),
            Level::Warn => warn!(tenant = %t, plugin = %p, "{msg}"),
            Level::Error => error!(tenant = %t, plugin = %p, "{msg}"),
        }
        Ok(())
    }

    async fn set_reason(&mut self, reason: String) -> wasmtime::Result<()> {
        self.env.reason.set(cut(reason));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_on_a_char_boundary() {
        let s = "é".repeat(MAX_MESSAGE);
        let c = cut(s);
        assert!(c.len() <= MAX_MESSAGE + '…'.len_utf8());
        assert!(c.ends_with('…'));
    }
}
