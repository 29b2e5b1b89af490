//! `restake bench`: agent-steps per second and peak memory per agent, at several population
//! sizes, on the baseline and on a cascade-heavy case (the baseline with the bridge AVS
//! slashing 90% of its stake: most holders exit and most loopers are liquidated early, so the
//! steps after the cascade measure what idle agents cost). Build in release for real figures:
//! `cargo build --release && target/release/restake bench` (the README says where the target is).

use crate::Failure;
use crate::input;
use anyhow::anyhow;
use restake_agents::World;
use restake_agents::run::run_world;
use restake_engine::NullRecorder;
use std::time::Instant;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Retail agents per measurement (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [10_000u32, 100_000, 1_000_000])]
    pub agents: Vec<u32>,
    /// Steps per measurement (default: the whole baseline, 120 hourly steps).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Which cases to run (comma-separated): `baseline`, `cascade`.
    #[arg(long, value_delimiter = ',', default_values_t = [String::from("baseline"), String::from("cascade")])]
    pub cases: Vec<String>,
}

/// The `--set` lines of a case, beside the population size.
fn case_sets(case: &str) -> Result<&'static [&'static str], Failure> {
    match case {
        "baseline" => Ok(&[]),
        "cascade" => Ok(&["shocks[0].fraction=0.9"]),
        other => Err(anyhow!("--cases: unknown case `{other}`; allowed: baseline, cascade").into()),
    }
}

/// The process's resident memory now and at its peak since the last reset, in bytes (Linux:
/// /proc/self/status; None elsewhere).
fn rss() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|k| k * 1024)
    };
    Some((kb("VmRSS:")?, kb("VmHWM:")?))
}

/// Resets the peak resident memory to the current one (Linux >= 4.0: `5` to clear_refs).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn bench(args: BenchArgs) -> Result<(), Failure> {
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build().map_err(|e| anyhow!(e))?;
    say!(
        "{:<9} {:>10} {:>7} {:>9} {:>9} {:>16} {:>20} {:>16}",
        "case",
        "agents",
        "steps",
        "build s",
        "run s",
        "agent-steps/s",
        "agent-steps/s/core",
        "peak bytes/agent"
    );
    for case in &args.cases {
        let sets = case_sets(case)?;
        for &n in &args.agents {
            // Same economy at every size: the cohort's total wealth is fixed, agents split it.
            let mut set: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            set.push(format!("retail[0].agents={n}"));
            let loaded = input::load(None, &set)?;
            let mut r = loaded.resolved;
            r.steps = args.steps.unwrap_or(r.steps).min(r.steps);
            let steps = r.steps;
            reset_peak();
            let before = rss().map(|x| x.0);
            let t0 = Instant::now();
            let w = pool.install(|| World::new(&r, r.seed));
            let build = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            pool.install(|| run_world(w, &r, r.seed, false, NullRecorder)).map_err(|e| anyhow!("{e}"))?;
            let secs = t1.elapsed().as_secs_f64();
            let rate = n as f64 * steps as f64 / secs;
            // What the run added at its peak over the process before it was built.
            let per_agent = match (before, rss()) {
                (Some(b), Some((_, peak))) => format!("{:.0}", peak.saturating_sub(b) as f64 / n as f64),
                _ => "-".into(),
            };
            say!(
                "{case:<9} {n:>10} {steps:>7} {build:>9.2} {secs:>9.2} {rate:>16.3e} {:>20.3e} {per_agent:>16}",
                rate / threads as f64
            );
        }
    }
    Ok(())
}
