//! Malformed scenarios exit non-zero with one paragraph naming file, line and field, and write
//! nothing.

mod common;
use common::*;

/// Writes `text` as `bad.toml` in a fresh directory, runs `restake run bad.toml`, and checks
/// the exit code, that the message names the file, `line` and `field`, and that no file other
/// than the scenario exists afterwards.
fn rejects(text: &str, line: usize, field: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    let out = restake(&["run", "bad.toml", "--out", "res"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {err}");
    assert!(err.contains(&format!("bad.toml:{line}")), "names file and line {line}: {err}");
    assert!(err.contains(field), "names field `{field}`: {err}");
    assert_eq!(files_under(dir.path()), vec![dir.path().join("bad.toml")], "nothing written");
    // `validate` reports the same problem.
    let v = restake(&["validate", "bad.toml"], dir.path());
    assert_eq!(v.status.code(), Some(2));
    assert!(stderr(&v).contains(&format!("bad.toml:{line}")));
    err
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect("needle in baseline") + 1
}

#[test]
fn broken_toml_syntax() {
    let text = baseline_text().replace("lltv = 0.945", "lltv = = 0.945");
    let line = line_of(&text, "lltv = = 0.945");
    rejects(&text, line, "");
}

#[test]
fn unknown_field() {
    let text = baseline_text().replace("lltv = 0.945", "lltv = 0.945\nlltvv = 0.9");
    let line = line_of(&text, "lltvv");
    let err = rejects(&text, line, "lltvv");
    assert!(err.contains("unknown field"), "{err}");
}

#[test]
fn lltv_out_of_range() {
    let text = baseline_text().replace("lltv = 0.945", "lltv = 1.2");
    let line = line_of(&text, "lltv = 1.2");
    let err = rejects(&text, line, "markets[0].lltv");
    assert!(err.contains("(0, 1)") && err.contains("1.2"), "says what is allowed: {err}");
}

#[test]
fn lrt_names_a_missing_operator() {
    let text = baseline_text().replace(
        "delegations = { op-a = 0.4, op-b = 0.3, op-c = 0.3 }",
        "delegations = { op-a = 0.4, op-b = 0.3, op-zz = 0.3 }",
    );
    let line = line_of(&text, "op-zz");
    let err = rejects(&text, line, "lrts[0].delegations.op-zz");
    assert!(err.contains("no operator named `op-zz`") && err.contains("op-a"), "lists what exists: {err}");
}

#[test]
fn a_bad_override_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = restake(&["run", "--set", "markets[0].lltv=1.5", "--out", "res"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("markets[0].lltv"), "{}", stderr(&out));
    let out = restake(&["run", "--set", "markets[9].lltv=0.5", "--out", "res"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("out of range"), "{}", stderr(&out));
    assert!(files_under(dir.path()).is_empty());
}

#[test]
fn a_missing_file_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = restake(&["validate", "nope.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.toml"));
}

#[test]
fn the_baseline_validates() {
    let dir = tempfile::tempdir().unwrap();
    let out = restake(&["validate", &repo_root().join("configs/baseline.toml").display().to_string()], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ok:"));
}

#[test]
fn every_shipped_scenario_validates() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(repo_root().join("configs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = restake(&["validate", &path.display().to_string()], dir.path());
            assert!(out.status.success(), "{}: {}", path.display(), stderr(&out));
            n += 1;
        }
    }
    assert!(n >= 7, "found {n} scenarios");
}
