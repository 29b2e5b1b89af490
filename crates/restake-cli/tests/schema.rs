//! docs/SCHEMA.md is what `restake schema` prints for the scenarios it names: a column added
//! without a description, or a changed declaration, fails here until the document is regenerated.

mod common;
use common::*;

const ARGS: [&str; 6] = [
    "schema",
    "configs/eth-crash.toml",
    "configs/correlated-fault.toml",
    "configs/replays/steth-2022.toml",
    "configs/replays/rseth-2026.toml",
    "configs/apy-trap.toml",
];

#[test]
fn the_schema_document_is_current() {
    let root = repo_root();
    let out = restake(&ARGS, &root);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = std::fs::read_to_string(root.join("docs/SCHEMA.md")).unwrap();
    assert!(
        stdout(&out) == doc,
        "docs/SCHEMA.md is stale: regenerate it with `restake {} > docs/SCHEMA.md`",
        ARGS.join(" ")
    );
    // Every kind of output and the columns the replays' notes quote are in it, with units.
    for needle in [
        "| `market.<id>.<asset>.utilisation` | fraction |",
        "| `lrt.<id>.nav` | ETH per token |",
        "| `market.<id>.final_net_insolvent_debt_nav_eth` | f64 | ETH | upper |",
        "| `cause` | u64 |",
        "`summary.parquet (sweeps)`",
    ] {
        assert!(doc.contains(needle), "SCHEMA.md has {needle}");
    }
}
