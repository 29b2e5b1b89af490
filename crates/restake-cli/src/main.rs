//! `restake`: an agent-based market contagion simulator for DeFi restaking.

/// `println!` that ignores a closed stdout (e.g. piped into `head`) instead of panicking.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

mod bench;
mod input;
mod output;
mod run_cmd;
mod runner;
mod security_cmd;
mod stress;
mod sweep;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "restake", version, about = "Agent-based market contagion simulator for DeFi restaking", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by commands that read a scenario.
#[derive(clap::Args, Clone, Debug)]
pub struct ScenarioArgs {
    /// Scenario file (TOML). Without it, the built-in baseline (configs/baseline.toml).
    pub scenario: Option<PathBuf>,
    /// Override a field by its config path, e.g. --set markets[0].lltv=0.915 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario and write runs/steps/events Parquet, a manifest and plots.
    Run(run_cmd::RunArgs),
    /// Print the output schema (every file, column, type and unit) as Markdown, generated from
    /// the declarations; the scenarios (after the built-in baseline) decide which entity kinds
    /// appear. `docs/SCHEMA.md` is its output for the shipped scenarios it names.
    Schema {
        /// Scenario files whose entities add column patterns.
        scenarios: Vec<PathBuf>,
    },
    /// First-order and total Sobol indices of a run metric, from a sweep on Saltelli's design
    /// (`[design] sampling = "sobol"`), with bootstrap intervals; Parquet and a chart.
    Sensitivity {
        /// A sweep's folder.
        dir: PathBuf,
        /// The run metric (a column of runs.parquet).
        #[arg(long, default_value = "bad_debt_eth")]
        metric: String,
        /// Bootstrap resamples for the intervals.
        #[arg(long, default_value_t = 1000)]
        resamples: usize,
        /// Confidence level of the intervals.
        #[arg(long, default_value_t = 0.95)]
        conf: f64,
    },
    /// One self-contained HTML page of a results folder (run, sweep or stress report): the
    /// headline numbers, every chart embedded, the causal chain; written to DIR/report.html.
    Report {
        /// A directory written by `restake run`, `sweep`/`merge` or `stress`.
        dir: PathBuf,
    },
    /// Check a scenario file without running it.
    Validate {
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
    /// Redraw the plots of a run's folder, or draw a sweep's (heatmap, response, distribution).
    Plot {
        /// A directory written by `restake run`, `restake sweep` or `restake merge`.
        dir: PathBuf,
        /// Which run to draw (a run's folder).
        #[arg(long, default_value_t = 0)]
        run: u32,
        /// Sweep figures to draw (default: a heatmap with two parameters or more, the response to
        /// the first parameter, the distribution per value, a fan chart when steps were kept).
        #[arg(long, value_enum)]
        kind: Vec<SweepKind>,
        /// The run metric to draw (a column of runs.parquet; default bad_debt_eth).
        #[arg(long)]
        metric: Option<String>,
        /// The parameter on the x axis (default: the first swept).
        #[arg(long)]
        x: Option<String>,
        /// The parameter on the heatmap's y axis (default: the next swept).
        #[arg(long)]
        y: Option<String>,
        /// The step column of a fan chart (default: the first LRT's price).
        #[arg(long)]
        series: Option<String>,
        /// The sweep point of a fan chart.
        #[arg(long, default_value_t = 0)]
        point: u32,
    },
    /// Robustness of a restaking graph to cascading attacks (Durvasula & Roughgarden 2024).
    Security(security_cmd::SecurityArgs),
    /// Measure agent-steps per second on the baseline at several population sizes.
    Bench(bench::BenchArgs),
    /// Run an experiment (grid, random or Latin-hypercube design x replications) in parallel,
    /// resumably, optionally one shard of it; results as a Parquet dataset.
    Sweep(sweep::SweepArgs),
    /// Merge a sweep's parts: runs.parquet (sorted), summary.parquet (risk per point), manifest.json.
    Merge(sweep::merge::MergeArgs),
    /// Write sbatch scripts that run a sweep as a Slurm job array plus a dependent merge job.
    Slurm(sweep::slurm::SlurmArgs),
    /// Run a scenario under every stress of the library (and your own): one report, a row per
    /// stress with intervals across replications, the worst case drawn.
    Stress(stress::StressArgs),
}

/// Input problems (bad scenario, bad arguments) exit with 2; failures while running with 1.
pub enum Failure {
    Input(String),
    Run(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Run(e)
    }
}

impl From<input::InputError> for Failure {
    fn from(e: input::InputError) -> Self {
        Failure::Input(e.0)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run_cmd::run(args),
        Command::Validate { scenario } => validate(scenario),
        Command::Schema { scenarios } => schema(scenarios),
        Command::Report { dir } => restake_analysis::html::write_report(&dir)
            .map(|p| say!("wrote {}", p.display()))
            .map_err(|e| Failure::Run(e.into())),
        Command::Sensitivity { dir, metric, resamples, conf } => sensitivity(dir, metric, resamples, conf),
        Command::Plot { dir, run, kind, metric, x, y, series, point } => {
            plot(dir, run, kind, metric, (x, y), (series, point))
        }
        Command::Bench(args) => bench::bench(args),
        Command::Security(args) => security_cmd::security(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => sweep::merge::merge_cmd(args),
        Command::Slurm(args) => sweep::slurm::slurm(args),
        Command::Stress(args) => stress::stress(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(msg)) => {
            eprintln!("error: {}", input::clip(&msg));
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {}", input::clip(&format!("{e:#}")));
            ExitCode::from(1)
        }
    }
}

fn validate(args: ScenarioArgs) -> Result<(), Failure> {
    // Resolving checks everything, including what needs derived values (e.g. leverage that
    // would be unbounded at the start prices): validate never builds a world.
    let loaded = input::load(args.scenario.as_deref(), &args.sets)?;
    let s = &loaded.scenario;
    let r = &loaded.resolved;
    say!(
        "ok: `{}` is valid ({} steps of {}, {} LRT, {} pools, {} markets, {} retail agents and borrowers, {} shocks)",
        r.name,
        r.steps,
        s.time.step,
        r.lrt_count(),
        r.pool_count(),
        r.market_count(),
        r.agent_count(),
        r.shock_count()
    );
    Ok(())
}

/// A sweep figure, as `--kind` names it.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum SweepKind {
    Heatmap,
    Response,
    Distribution,
    Fan,
}

fn sensitivity(dir: PathBuf, metric: String, resamples: usize, conf: f64) -> Result<(), Failure> {
    if !(conf > 0.0 && conf < 1.0) || resamples < 2 {
        return Err(Failure::Input(format!(
            "--conf must be in (0, 1) and --resamples at least 2; got {conf} and {resamples}"
        )));
    }
    let (table, files) = restake_analysis::sensitivity::sweep_sensitivity(&dir, &metric, resamples, conf)
        .map_err(|e| Failure::Run(e.into()))?;
    print!("{table}");
    for f in files {
        say!("wrote {}", f.display());
    }
    Ok(())
}

fn schema(paths: Vec<PathBuf>) -> Result<(), Failure> {
    let mut loaded = vec![input::load(None, &[]).map_err(|e| Failure::Input(e.0))?];
    for p in &paths {
        loaded.push(input::load(Some(p), &[]).map_err(|e| Failure::Input(e.0))?);
    }
    let worlds: Vec<restake_agents::World> =
        loaded.iter().map(|l| restake_agents::World::new(&l.resolved, l.scenario.engine.seed)).collect();
    let names: Vec<String> = std::iter::once("baseline (built in)".to_string())
        .chain(paths.iter().map(|p| p.display().to_string()))
        .collect();
    let pairs: Vec<(&str, &restake_agents::World)> = names.iter().map(String::as_str).zip(worlds.iter()).collect();
    let command = std::iter::once("restake schema".to_string())
        .chain(paths.iter().map(|p| p.display().to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    let text = restake_analysis::schema::schema_markdown(&pairs, &command).map_err(|missing| {
        Failure::Run(anyhow::anyhow!(
            "step columns without a unit and meaning in observe::columns::describe: {}",
            missing.join(", ")
        ))
    })?;
    print!("{text}");
    Ok(())
}

fn plot(
    dir: PathBuf,
    run: u32,
    kind: Vec<SweepKind>,
    metric: Option<String>,
    (x, y): (Option<String>, Option<String>),
    (series, point): (Option<String>, u32),
) -> Result<(), Failure> {
    use restake_analysis::sweep_plots::{SweepFigure, SweepPlot, is_sweep, plot_sweep};
    let files = if is_sweep(&dir) {
        let figures = kind
            .iter()
            .map(|k| match k {
                SweepKind::Heatmap => SweepFigure::Heatmap,
                SweepKind::Response => SweepFigure::Response,
                SweepKind::Distribution => SweepFigure::Distribution,
                SweepKind::Fan => SweepFigure::Fan,
            })
            .collect();
        plot_sweep(&dir, &SweepPlot { figures, metric, x, y, series, point }).map_err(|e| Failure::Run(e.into()))?
    } else {
        if !kind.is_empty() || metric.is_some() || x.is_some() || y.is_some() || series.is_some() {
            return Err(Failure::Input(format!(
                "{}: --kind, --metric, --x, --y and --series draw a sweep's folder (one with sweep.json); this is a run's",
                dir.display()
            )));
        }
        let title = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        restake_analysis::plots::plot_run(&dir, run, &title).map_err(|e| Failure::Run(e.into()))?
    };
    for f in files {
        say!("wrote {}", f.display());
    }
    Ok(())
}
