//! Sweep progress: a live bar on a terminal, plain dated lines otherwise (cluster logs, CI).
//! Runs count as done when they finish (ok or failed); rate and ETA are from finished runs of
//! this process only, so a resumed sweep does not report the old runs as instant.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Plain progress lines at most this often (and at every 10% of the runs).
const LINE_EVERY: Duration = Duration::from_secs(10);

pub struct Progress {
    label: String,
    bar: Option<ProgressBar>,
    total: u64,
    done: u64,
    failed: u64,
    /// Runs started and not yet finished (incremented by workers).
    pub running: Arc<AtomicUsize>,
    started: Instant,
    last_line: Instant,
    last_decile: u64,
}

fn eta(secs: f64) -> String {
    if !secs.is_finite() {
        return "?".into();
    }
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl Progress {
    /// `total`: runs this process will run. A bar only when stderr is a terminal.
    pub fn new(label: &str, total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} runs {per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            b.set_style(style);
            b.set_prefix(label.to_string());
            b.enable_steady_tick(Duration::from_millis(250));
            b
        });
        Progress {
            label: label.to_string(),
            bar,
            total,
            done: 0,
            failed: 0,
            running: Arc::new(AtomicUsize::new(0)),
            started: Instant::now(),
            last_line: Instant::now(),
            last_decile: 0,
        }
    }

    /// Counts one finished run.
    pub fn finished(&mut self, ok: bool) {
        self.done += 1;
        if !ok {
            self.failed += 1;
        }
        let running = self.running.load(Ordering::Relaxed);
        match &self.bar {
            Some(b) => {
                b.set_message(format!("· {running} running · {} failed", self.failed));
                b.inc(1);
            }
            None => {
                let decile = self.done * 10 / self.total.max(1);
                if self.last_line.elapsed() >= LINE_EVERY || decile > self.last_decile || self.done == self.total {
                    self.last_decile = decile;
                    self.last_line = Instant::now();
                    eprintln!("{}", self.line());
                }
            }
        }
    }

    fn line(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64();
        let rate = self.done as f64 / secs.max(1e-9);
        let left = self.total.saturating_sub(self.done) as f64 / rate;
        format!(
            "{}: {}/{} runs done ({:.1}%), {} running, {} failed, {:.2} runs/s, ETA {}",
            self.label,
            self.done,
            self.total,
            100.0 * self.done as f64 / self.total.max(1) as f64,
            self.running.load(Ordering::Relaxed),
            self.failed,
            rate,
            if self.done == 0 { "?".into() } else { eta(left) }
        )
    }

    /// A message above the bar (or a plain line).
    pub fn note(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(msg),
            None => eprintln!("{msg}"),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }

    pub fn failed(&self) -> u64 {
        self.failed
    }

    pub fn done(&self) -> u64 {
        self.done
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn eta_reads_naturally() {
        assert_eq!(super::eta(42.4), "42s");
        assert_eq!(super::eta(125.0), "2m05s");
        assert_eq!(super::eta(7300.0), "2h01m");
    }
}
