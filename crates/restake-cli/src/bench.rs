//! `restake bench`: agent-steps per second on the baseline at several population sizes.

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
    /// Steps per measurement (default: the whole baseline, 240 hourly steps).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

pub fn bench(args: BenchArgs) -> Result<(), Failure> {
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build().map_err(|e| anyhow!(e))?;
    say!(
        "{:>10} {:>7} {:>9} {:>9} {:>16} {:>20}",
        "agents",
        "steps",
        "build s",
        "run s",
        "agent-steps/s",
        "agent-steps/s/core"
    );
    for &n in &args.agents {
        // Same economy at every size: the cohort's total wealth is fixed, agents split it.
        let loaded = input::load(None, &[format!("retail[0].agents={n}")])?;
        let mut r = loaded.resolved;
        r.steps = args.steps.unwrap_or(r.steps).min(r.steps);
        let steps = r.steps;
        let t0 = Instant::now();
        let w = pool.install(|| World::new(&r, r.seed));
        let build = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        pool.install(|| run_world(w, &r, r.seed, false, NullRecorder)).map_err(|e| anyhow!("{e}"))?;
        let secs = t1.elapsed().as_secs_f64();
        let rate = n as f64 * steps as f64 / secs;
        say!("{n:>10} {steps:>7} {build:>9.2} {secs:>9.2} {rate:>16.3e} {:>20.3e}", rate / threads as f64);
    }
    Ok(())
}
