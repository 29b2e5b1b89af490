//! What a run cost: liquidations, bad debt, slashing, the cascade, TVL, exits and retail losses.

use super::*;
use crate::population::Strategy;
use MetricKind::{F64, I64};
use Scope::*;
use Tail::Upper;
use names::*;

pub(super) fn declarations() -> Vec<MetricDecl> {
    let mut out = vec![
        d(Run, LIQUIDATIONS, Upper, I64, "count", "liquidations over the run, all markets", |w, _| {
            let n = w.lending.markets.len();
            Reduce::SumEach((0..n).map(|m| probe(move |w| w.obs.tally.market[m].liquidations as f64)).collect())
        }),
        d(
            Run,
            LIQUIDATED_DEBT,
            Upper,
            F64,
            "ETH",
            "debt repaid by liquidators (USD debt at the step's ETH/USD)",
            |w, _| {
                let n = w.lending.markets.len();
                Reduce::SumEach((0..n).map(|m| probe(move |w| w.obs.tally.market[m].liquidated_debt)).collect())
            },
        ),
        d(Run, BAD_DEBT, Upper, F64, "ETH", "bad debt booked, all markets (pooled deficits at the oracle)", |w, _| {
            let n = w.lending.markets.len();
            Reduce::SumEach((0..n).map(|m| probe(move |w| w.obs.tally.market[m].bad_debt)).collect())
        }),
        d(Run, SLASHED, Upper, F64, "ETH", "restaked stake slashed (AVS and beacon chain)", |_, _| {
            Reduce::Sum(probe(|w| w.obs.tally.slashed_eth))
        }),
        d(Run, CASCADE_ROUNDS, Upper, I64, "rounds", "most liquidation rounds in one step", |_, _| {
            Reduce::Max(probe(|w| w.obs.tally.rounds as f64), Start::Value(0.0))
        }),
        d(Run, CASCADE_DEPTH, Upper, I64, "liquidations", "longest causal chain of liquidations", |_, _| {
            Reduce::Max(probe(|w| w.obs.tally.max_depth as f64), Start::Value(0.0))
        }),
        d(Run, "tvl_drawdown", Upper, F64, "fraction", "1 - lowest TVL / TVL at the start", |_, _| {
            Reduce::Drawdown(probe(|w| w.tvl()))
        }),
        d(Run, RETAIL_EXITS, Upper, I64, "agents", "retail agents who sold, redeemed or unwound everything", |w, _| {
            let n = w.liquidity.lrts.len();
            Reduce::SumEach((0..n).map(|l| probe(move |w| w.obs.tally.lrt[l].exits as f64)).collect())
        }),
        d(Run, "liquidated_agents", Upper, I64, "agents", "agents whose position was liquidated to nothing", |_, _| {
            Reduce::LiquidatedAgents
        }),
        d(
            Run,
            RETAIL_LOSS_MEAN,
            Upper,
            F64,
            "fraction",
            "mean retail loss, 1 - wealth / initial wealth (mark to market)",
            |_, _| Reduce::RetailLoss(LossStat::Mean),
        ),
    ];
    for q in LOSS_QUANTILES {
        let name = if q == 1.0 {
            "retail_loss_max".to_string()
        } else {
            format!("retail_loss_p{}", (q * 100.0).round() as u32)
        };
        let doc = "quantile of retail losses across agents (type 7)";
        out.push(d(Run, &name, Upper, F64, "fraction", doc, move |_, _| Reduce::RetailLoss(LossStat::Quantile(q))));
    }
    for (name, class, who) in [
        (LOSS_HOLDERS, Strategy::Holder, "holders"),
        (LOSS_LOOPERS, Strategy::Looper, "loopers"),
        (LOSS_BORROWERS, Strategy::Borrower, "ETH-collateral borrowers"),
    ] {
        let doc = match who {
            "holders" => "mean loss of holders (no borrowing)",
            "loopers" => "mean loss of loopers (LRT collateral, ETH debt)",
            _ => "mean loss of ETH-collateral USD borrowers",
        };
        out.push(d(Run, name, Upper, F64, "fraction", doc, move |_, _| Reduce::ClassLoss(class)));
    }
    out
}
