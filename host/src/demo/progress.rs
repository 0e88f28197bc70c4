//! The live view: a progress bar on stderr (redrawn in place on a terminal, a line every
//! simulated six hours otherwise) and event lines on stdout.
use std::io::{IsTerminal, Write};

/// Where the live view goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Progress and events on the terminal.
    Live,
    /// Nothing while running (tests); the caller prints the report.
    Quiet,
}

pub struct Printer {
    view: View,
    tty: bool,
    bar_shown: bool,
    last_plain_step: i64,
}

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

impl Printer {
    pub fn new(view: View) -> Self {
        Self {
            view,
            tty: std::io::stderr().is_terminal(),
            bar_shown: false,
            last_plain_step: -1,
        }
    }

    /// A plain line (header, notes).
    pub fn say(&mut self, text: &str) {
        if self.view == View::Quiet {
            return;
        }
        self.clear_bar();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// One event line, stamped with simulated time since the start.
    pub fn event(&mut self, elapsed_ms: i64, label: &str, text: &str) {
        if self.view == View::Quiet {
            return;
        }
        let stamp = stamp(elapsed_ms);
        let (on, off) = if std::io::stdout().is_terminal() {
            (colour(label), "\x1b[0m")
        } else {
            ("", "")
        };
        let mut t = text.replace('\n', " ");
        if t.chars().count() > 110 {
            t = t.chars().take(107).collect::<String>() + "...";
        }
        self.say(&format!("{stamp}  {on}{label:<17}{off} {t}"));
    }

    /// Redraws the progress bar.
    pub fn progress(&mut self, elapsed_ms: i64, total_ms: i64, note: &str) {
        if self.view == View::Quiet {
            return;
        }
        let frac = (elapsed_ms as f64 / total_ms.max(1) as f64).clamp(0.0, 1.0);
        let width = 30usize;
        let filled = (frac * width as f64).round() as usize;
        let bar = format!(
            "[{}{}] {:>3.0}%  {}  {}",
            "#".repeat(filled),
            "-".repeat(width - filled),
            frac * 100.0,
            stamp(elapsed_ms),
            note
        );
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{bar}");
            self.bar_shown = true;
        } else {
            let step = elapsed_ms / (6 * HOUR_MS);
            if step != self.last_plain_step {
                self.last_plain_step = step;
                let _ = writeln!(err, "{bar}");
            }
        }
        let _ = err.flush();
    }

    /// Removes the bar before other output (and at the end).
    pub fn clear_bar(&mut self) {
        if self.bar_shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.bar_shown = false;
        }
    }
}

/// `day 1 13:05`.
pub fn stamp(elapsed_ms: i64) -> String {
    let e = elapsed_ms.max(0);
    let day = e / DAY_MS + 1;
    let rem = e % DAY_MS;
    format!(
        "day {day} {:02}:{:02}",
        rem / HOUR_MS,
        (rem % HOUR_MS) / 60_000
    )
}

fn colour(label: &str) -> &'static str {
    match label {
        "scenario" => "\x1b[2m",
        "FAILOVER" | "breaker opened" => "\x1b[1;31m",
        "threshold changed" => "\x1b[33m",
        "index rerouted" => "\x1b[36m",
        "follower resumed" | "alias repaired" => "\x1b[35m",
        "rollover" => "\x1b[32m",
        _ => "\x1b[0m",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stamps() {
        assert_eq!(super::stamp(0), "day 1 00:00");
        assert_eq!(super::stamp(25 * 3_600_000 + 5 * 60_000), "day 2 01:05");
    }
}
