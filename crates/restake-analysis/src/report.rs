//! A short text summary of a run, for the terminal and the report.

use restake_agents::observe::Summary;
use restake_agents::observe::metrics::names;
use std::fmt::Write;

/// The headline numbers of a run; `lrts` are the ids of its LRTs.
pub fn summary_text(name: &str, seed: u64, lrts: &[String], s: &Summary) -> String {
    let mut t = String::new();
    let lrt = |id: &str, m: &str| s.f(&format!("lrt.{id}.{m}"));
    let _ = writeln!(t, "restake run `{name}` (seed {seed})");
    let _ = writeln!(
        t,
        "  liquidated debt   {:>12.1} ETH in {} liquidations",
        s.f(names::LIQUIDATED_DEBT),
        s.f(names::LIQUIDATIONS)
    );
    let _ = writeln!(t, "  bad debt          {:>12.1} ETH", s.f(names::BAD_DEBT));
    for id in lrts {
        let _ = writeln!(
            t,
            "  max depeg {:<8}{:>11.2}% ({:.0} h beyond 1%; NAV low {:.4}, final {:.4})",
            id,
            100.0 * lrt(id, names::MAX_DEPEG),
            lrt(id, names::HOURS_DEPEGGED_1PCT),
            lrt(id, names::MIN_NAV),
            lrt(id, names::FINAL_NAV)
        );
    }
    let _ = writeln!(t, "  slashed           {:>12.1} ETH", s.f(names::SLASHED));
    let _ = writeln!(
        t,
        "  cascade           {:>12} rounds in the worst step, longest chain {} liquidations",
        s.f(names::CASCADE_ROUNDS),
        s.f(names::CASCADE_DEPTH)
    );
    if let Some(p95) = s.get(names::RETAIL_LOSS_P95) {
        let _ = writeln!(
            t,
            "  retail loss       mean {:.2}%, 95th percentile {:.2}%",
            100.0 * s.f(names::RETAIL_LOSS_MEAN),
            100.0 * p95
        );
    }
    t
}
