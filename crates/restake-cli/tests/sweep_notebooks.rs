//! The notebooks run against fresh results, and a sharded sweep folder reads as one table in
//! polars, DuckDB and pyarrow (notebooks/tests/check_results.py); on a tiny Sobol sweep
//! (experiments/tiny-sobol.toml) after `restake sensitivity`, sweep_analysis.ipynb draws the indices;
//! apy_trap.ipynb and diversification.ipynb run on the sweeps of their ready experiments.
//!
//! Needs python3 with the packages of notebooks/requirements.lock (`bash .ci/run` installs them). Without them the
//! test fails and says how to install them; RESTAKE_SKIP_PYTHON=1 skips it on purpose.

mod common;
use common::*;
use std::process::Command;

#[test]
fn notebooks_execute_and_python_reads_the_sharded_dataset() {
    if std::env::var("RESTAKE_SKIP_PYTHON").is_ok_and(|v| v == "1") {
        eprintln!("skipped: RESTAKE_SKIP_PYTHON=1");
        return;
    }
    let probe = Command::new("python3")
        .args(["-c", "import polars, pyarrow, duckdb, nbclient, nbformat, ipykernel, matplotlib"])
        .output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "python3 lacks the notebook packages: `python3 -m pip install -r notebooks/requirements.lock` (or RESTAKE_SKIP_PYTHON=1 to skip):\n{}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!(
            "python3 not found ({e}): install Python 3 and notebooks/requirements.lock, or set RESTAKE_SKIP_PYTHON=1 to skip"
        ),
    }
    let dir = tempfile::tempdir().unwrap();
    let exp = repo_root().join("experiments/tiny.toml");
    let exp = exp.to_str().unwrap();
    for k in 0..2 {
        let o = restake(&["sweep", exp, "--out", "sweep", "--shard", &format!("{k}/2"), "--threads", "2"], dir.path());
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = restake(&["merge", "sweep"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = restake(
        &["run", "--out", "run", "--no-plot", "--set", "retail[0].agents=300", "--set", "time.duration=\"2d\""],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // Saltelli's design (320 runs of a small baseline, a second or two) and its Sobol indices.
    let sobol = repo_root().join("experiments/tiny-sobol.toml");
    let sobol = sobol.to_str().unwrap();
    let o = restake(&["sweep", sobol, "--out", "sobol", "--threads", "2"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = restake(&["sensitivity", "sobol", "--metric", "bad_debt_eth"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("sobol/sensitivity-bad_debt_eth.parquet").is_file(), "{}", stdout(&o));

    // The two ready experiments of the yield questions, as the README runs them.
    for name in ["apy-trap", "diversification"] {
        let exp = repo_root().join(format!("experiments/{name}.toml"));
        let o = restake(&["sweep", exp.to_str().unwrap(), "--out", name, "--threads", "2"], dir.path());
        assert!(o.status.success(), "{name}: {}", stderr(&o));
    }

    let script = repo_root().join("notebooks/tests/check_results.py");
    let o = Command::new("python3")
        .arg(&script)
        .args(["--sweep", "sweep", "--run", "run", "--sobol", "sobol"])
        .args(["--apy-trap", "apy-trap", "--diversification", "diversification"])
        .current_dir(dir.path())
        .output()
        .expect("python3 runs");
    println!("{}", stdout(&o));
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
}
