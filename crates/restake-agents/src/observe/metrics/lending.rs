//! Lending markets: liquidations, bad debt, suppliers' losses and runs, net insolvent debt, and
//! liquidated debt by cascade round.

use super::*;
use MetricKind::{F64, I64};
use Scope::*;
use Tail::Upper;
use names::*;

pub(super) fn declarations() -> Vec<MetricDecl> {
    let mut out = vec![
        d(Market, LIQUIDATIONS, Upper, I64, "count", "liquidations on the market", |_, m| {
            Reduce::Sum(probe(move |w| w.obs.tally.market[m].liquidations as f64))
        }),
        d(Market, LIQUIDATED_DEBT, Upper, F64, "ETH", "debt repaid by liquidators on the market", |_, m| {
            Reduce::Sum(probe(move |w| w.obs.tally.market[m].liquidated_debt))
        }),
        d(
            Market,
            COLLATERAL_SEIZED,
            Upper,
            F64,
            "ETH",
            "collateral seized by liquidators (protocol fee included), at the oracle",
            |_, m| Reduce::Sum(probe(move |w| w.obs.tally.market[m].collateral_seized_eth)),
        ),
        d(Market, LRT_SEIZED, Upper, F64, "tokens", "LRT tokens seized by liquidators", |_, m| {
            Reduce::Sum(probe(move |w| w.obs.tally.market[m].lrt_seized))
        }),
        d(Market, BAD_DEBT, Upper, F64, "ETH", "bad debt booked on the market", |_, m| {
            Reduce::Sum(probe(move |w| w.obs.tally.market[m].bad_debt))
        }),
        d(
            Market,
            "supplier_loss_share",
            Upper,
            F64,
            "fraction",
            "bad debt / suppliers' assets at the start",
            |_, m| {
                Reduce::Ratio(
                    Box::new(Reduce::Sum(probe(move |w| w.obs.tally.market[m].bad_debt))),
                    Box::new(Reduce::AtStart(probe(move |w| w.lending.markets[m].initial_supply()))),
                    1e-12,
                )
            },
        ),
        d(Market, PEAK_UTILISATION, Upper, F64, "fraction", "highest utilisation of a loan reserve", |_, m| {
            Reduce::Max(probe(move |w| w.lending.markets[m].utilisation()), Start::Probe)
        }),
        d(Market, "supplier_withdrawn_eth", Upper, F64, "ETH", "lenders' withdrawals", |_, m| {
            Reduce::Sum(probe(move |w| w.obs.tally.market[m].supplier_withdrawn_eth))
        }),
        d(
            Market,
            PEAK_NET_INSOLVENT,
            Upper,
            F64,
            "ETH",
            "largest net insolvent debt: debt less collateral (at the oracle) of positions worth less than their debt",
            |_, m| Reduce::Max(probe(move |w| w.obs.tally.market[m].insolvent_at_oracle), Start::Value(0.0)),
        ),
        d(
            Market,
            PEAK_NET_INSOLVENT_POOL,
            Upper,
            F64,
            "ETH",
            "largest net insolvent debt with collateral at the pool price",
            |_, m| Reduce::Max(probe(move |w| w.obs.tally.market[m].insolvent_at_pool), Start::Value(0.0)),
        ),
        d(
            Market,
            FINAL_NET_INSOLVENT,
            Upper,
            F64,
            "ETH",
            "net insolvent debt at the end (at the oracle): losses waiting to be booked",
            |_, m| Reduce::Last(probe(move |w| w.obs.tally.market[m].insolvent_at_oracle)),
        ),
        d(
            Market,
            FINAL_NET_INSOLVENT_NAV,
            Upper,
            F64,
            "ETH",
            "net insolvent debt at the end with LRT collateral at its NAV: what lenders lose when the positions close at the backing",
            |_, m| Reduce::Last(probe(move |w| w.obs.tally.market[m].insolvent_at_nav)),
        ),
        d(
            Market,
            "peak_withdrawal_queue_eth",
            Upper,
            F64,
            "ETH",
            "largest value waiting in the lenders' withdrawal queues",
            |_, m| Reduce::Max(probe(move |w| w.withdrawal_queue_eth(m)), Start::Value(0.0)),
        ),
    ];
    // Liquidated debt by cascade round: rounds 1-5 and 6+, for all markets, then per market.
    for scope in [Run, Market] {
        for (bin, name) in round_bin_names().into_iter().enumerate() {
            for count in [false, true] {
                let (metric, unit, doc, kind) = if count {
                    (format!("liquidations_{name}"), "count", "liquidations in this cascade round bin", I64)
                } else {
                    (format!("{LIQUIDATED_DEBT}_{name}"), "ETH", "debt repaid in this cascade round bin", F64)
                };
                out.push(d(scope, &metric, Upper, kind, unit, doc, move |_, m| Reduce::Rounds {
                    market: (scope == Market).then_some(m as u32),
                    bin,
                    count,
                }));
            }
        }
    }
    out
}
