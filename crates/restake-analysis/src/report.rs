//! A short text summary of a run, for the terminal and the report.

use restake_agents::world::RunSummary;
use std::fmt::Write;

pub fn summary_text(name: &str, seed: u64, s: &RunSummary) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "restake run `{name}` (seed {seed})");
    let _ = writeln!(t, "  liquidated debt   {:>12.1} ETH in {} liquidations", s.liquidated_debt, s.liquidations);
    let _ = writeln!(t, "  bad debt          {:>12.1} ETH", s.bad_debt);
    for l in &s.lrts {
        let _ = writeln!(
            t,
            "  max depeg {:<8}{:>11.2}% ({:.0} h beyond 1%; NAV low {:.4}, final {:.4})",
            l.id,
            100.0 * l.max_depeg,
            l.hours_depegged_1pct,
            l.min_nav,
            l.final_nav
        );
    }
    let _ = writeln!(t, "  slashed           {:>12.1} ETH", s.slashed_eth);
    let _ = writeln!(
        t,
        "  cascade           {:>12} rounds in the worst step, longest chain {} liquidations",
        s.cascade_rounds, s.cascade_depth
    );
    if let Some(&(_, p95)) = s.retail_loss_quantiles.iter().find(|(q, _)| *q == 0.95) {
        let _ = writeln!(
            t,
            "  retail loss       mean {:.2}%, 95th percentile {:.2}%",
            100.0 * s.retail_mean_loss,
            100.0 * p95
        );
    }
    t
}
