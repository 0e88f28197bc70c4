//! A one-line progress indicator on stderr, redrawn in place, only when stderr is a terminal
//! (a pipe or a log file gets nothing, so output stays clean for scripts).
use std::io::{IsTerminal, Write};

pub struct Progress {
    enabled: bool,
    total: usize,
    done: usize,
    drawn: bool,
}

impl Progress {
    /// `total` runs to come. Shown only if `wanted` and stderr is a terminal.
    pub fn new(wanted: bool, total: usize) -> Self {
        Self {
            enabled: wanted && std::io::stderr().is_terminal(),
            total,
            done: 0,
            drawn: false,
        }
    }

    /// A run is starting.
    pub fn run(&mut self, tick: u64, ticks: u64, tenant: &str, plugin: &str) {
        self.done += 1;
        if !self.enabled {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2Kplanning: run {}/{} (tick {tick}/{ticks}) {tenant}/{plugin}",
            self.done, self.total
        );
        let _ = err.flush();
        self.drawn = true;
    }

    /// Show `text` in place of the line (a recording's current area).
    pub fn note(&mut self, text: &str) {
        if !self.enabled {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{text}");
        let _ = err.flush();
        self.drawn = true;
    }

    /// Erase the line before the plan is printed.
    pub fn clear(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}
