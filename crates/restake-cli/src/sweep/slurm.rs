//! `restake slurm`: sbatch scripts that run a sweep as a Slurm job array (one shard per array
//! task) and a merge job that starts when every task has succeeded (`afterok`).
//!
//! The output directory is created here (with its sweep.json), so every array task attaches to
//! the same sweep and a wrong experiment is rejected before anything is queued. Array tasks run
//! with `--resume`: a requeued or re-submitted task completes its shard instead of redoing it.

use super::experiment::Experiment;
use super::{default_out, store};
use crate::Failure;
use anyhow::{Context, anyhow};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct SlurmArgs {
    /// Experiment file (TOML).
    pub experiment: PathBuf,
    /// Number of shards = array tasks.
    #[arg(long)]
    pub shards: u32,
    /// CPUs per task (the sweep's --threads).
    #[arg(long, default_value_t = 1)]
    pub cpus: u32,
    /// Time limit per task, in a form sbatch accepts: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
    #[arg(long, default_value = "01:00:00")]
    pub time: String,
    /// Partition (default: the cluster's default partition).
    #[arg(long)]
    pub partition: Option<String>,
    /// Run at most this many array tasks at once (sbatch --array=...%K).
    #[arg(long, value_name = "K")]
    pub throttle: Option<u32>,
    /// Memory per task, e.g. 4G (default: the cluster's default).
    #[arg(long)]
    pub mem: Option<String>,
    /// Account to charge (sbatch --account).
    #[arg(long)]
    pub account: Option<String>,
    /// Output directory of the sweep (default: results/sweeps/<experiment name>); must be on a
    /// file system every node sees.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The restake binary the nodes run (default: this one).
    #[arg(long)]
    pub restake: Option<PathBuf>,
    /// Submit at once (runs the written submit.sh).
    #[arg(long)]
    pub submit: bool,
}

/// Does `t` look like a Slurm time limit?
fn valid_time(t: &str) -> bool {
    let nums = |s: &str, max_parts: usize| {
        let parts: Vec<&str> = s.split(':').collect();
        !s.is_empty()
            && parts.len() <= max_parts
            && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    match t.split_once('-') {
        Some((d, rest)) => nums(d, 1) && nums(rest, 3),
        None => nums(t, 3) || t == "UNLIMITED" || t == "infinite",
    }
}

/// Quotes `s` for a POSIX shell.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()))
}

/// The scripts for `exp`, as (file name, text).
pub fn scripts(
    exp: &Experiment,
    args: &SlurmArgs,
    restake: &Path,
    experiment: &Path,
    out: &Path,
) -> Vec<(&'static str, String)> {
    let name = format!("restake-{}", exp.name);
    let logs = out.join("slurm").join("logs");
    let mut common = String::new();
    if let Some(p) = &args.partition {
        common.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(a) = &args.account {
        common.push_str(&format!("#SBATCH --account={a}\n"));
    }
    let throttle = args.throttle.map_or(String::new(), |k| format!("%{k}"));
    let mem = args.mem.as_ref().map_or(String::new(), |m| format!("#SBATCH --mem={m}\n"));
    let array = format!(
        "#!/bin/bash\n\
         # A Slurm job array: task K runs shard K/{n} of the sweep `{exp_name}` ({runs} runs).\n\
         # Written by `restake slurm`; submit with submit.sh (which also queues the merge job).\n\
         #SBATCH --job-name={name}\n\
         #SBATCH --array=0-{last}{throttle}\n\
         #SBATCH --cpus-per-task={cpus}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --time={time}\n\
         {mem}{common}#SBATCH --output={logs}/shard-%a.out\n\
         set -euo pipefail\n\
         exec {restake} sweep {experiment} --out {out} --shard \"${{SLURM_ARRAY_TASK_ID}}/{n}\" --threads \"${{SLURM_CPUS_PER_TASK:-{cpus}}}\" --resume\n",
        n = args.shards,
        exp_name = exp.name,
        runs = exp.runs(),
        last = args.shards - 1,
        cpus = args.cpus,
        time = args.time,
        logs = logs.display(),
        restake = sh(&restake.display().to_string()),
        experiment = sh(&experiment.display().to_string()),
        out = sh(&out.display().to_string()),
    );
    let merge = format!(
        "#!/bin/bash\n\
         # Merges the shards of `{exp_name}`: runs.parquet, summary.parquet, manifest.json.\n\
         # Queued by submit.sh with --dependency=afterok on the array job.\n\
         #SBATCH --job-name={name}-merge\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --time={time}\n\
         {common}#SBATCH --output={logs}/merge.out\n\
         set -euo pipefail\n\
         exec {restake} merge {out}\n",
        exp_name = exp.name,
        time = args.time,
        logs = logs.display(),
        restake = sh(&restake.display().to_string()),
        out = sh(&out.display().to_string()),
    );
    let submit = "#!/bin/bash\n\
         # Submits the sweep's job array, then the merge job that runs when every task succeeded.\n\
         set -euo pipefail\n\
         here=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n\
         array=$(sbatch --parsable \"$here/sweep.sbatch\")\n\
         array=${array%%;*}\n\
         merge=$(sbatch --parsable --dependency=afterok:${array} \"$here/merge.sbatch\")\n\
         merge=${merge%%;*}\n\
         echo \"array job ${array}, merge job ${merge}\"\n\
         echo \"${array} ${merge}\" > \"$here/jobs\"\n"
        .to_string();
    vec![("sweep.sbatch", array), ("merge.sbatch", merge), ("submit.sh", submit)]
}

pub fn slurm(args: SlurmArgs) -> Result<(), Failure> {
    let exp = Experiment::load(&args.experiment)?;
    if args.shards == 0 {
        return Err(Failure::Input("--shards must be at least 1".into()));
    }
    if args.cpus == 0 {
        return Err(Failure::Input("--cpus must be at least 1".into()));
    }
    if args.throttle == Some(0) {
        return Err(Failure::Input("--throttle must be at least 1".into()));
    }
    if !valid_time(&args.time) {
        return Err(Failure::Input(format!(
            "--time {}: not a Slurm time limit; use MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS",
            args.time
        )));
    }
    if args.shards as u64 > exp.runs() {
        return Err(Failure::Input(format!(
            "--shards {}: the sweep has only {} runs; use at most that many shards",
            args.shards,
            exp.runs()
        )));
    }
    let restake = match &args.restake {
        Some(p) => absolute(p)?,
        None => std::env::current_exe().context("cannot find the restake binary; pass --restake")?,
    };
    let experiment = absolute(&args.experiment)?;
    let out = absolute(&args.out.clone().unwrap_or_else(|| default_out(&exp)))?;
    // Fail now, not on a node: the base scenario must build.
    super::job::runs_columns(&exp)
        .map_err(|e| Failure::Input(format!("{}: the base scenario cannot be built: {e:#}", exp.base_source)))?;
    store::open(&out, &exp)?;
    let dir = out.join("slurm");
    std::fs::create_dir_all(dir.join("logs")).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, text) in scripts(&exp, &args, &restake, &experiment, &out) {
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).ok();
        }
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    }
    say!(
        "wrote {0}/sweep.sbatch ({1} array tasks{2}, {3} CPU(s), {4} each), {0}/merge.sbatch and {0}/submit.sh",
        dir.display(),
        args.shards,
        args.throttle.map_or(String::new(), |k| format!(", at most {k} at once")),
        args.cpus,
        args.time
    );
    if args.submit {
        let status =
            std::process::Command::new("bash").arg(dir.join("submit.sh")).status().context("cannot run submit.sh")?;
        if !status.success() {
            return Err(Failure::Run(anyhow!("submit.sh failed ({status}); is sbatch on PATH?")));
        }
    } else {
        say!(
            "submit: bash {}/submit.sh   (logs in {}/logs/, results in {})",
            dir.display(),
            dir.display(),
            out.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slurm_time_limits() {
        for ok in ["30", "30:00", "01:00:00", "2-00", "2-12:00", "1-00:00:00", "UNLIMITED"] {
            assert!(valid_time(ok), "{ok}");
        }
        for bad in ["", "1h", "1:2:3:4", "x-1", "-1", "1-"] {
            assert!(!valid_time(bad), "{bad}");
        }
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), "'it'\\''s'");
    }
}
