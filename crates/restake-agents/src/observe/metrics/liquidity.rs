//! Liquidity: depeg and its duration, the redemption queue and its waits, the buffer, instant
//! withdrawals, sales below NAV and their cost, pool imbalance and liquidity providers, deleverages
//! that reverted, outside capital, net insolvent debt.

use super::*;
use MetricKind::{F64, I64};
use Scope::*;
use Tail::{Lower, Upper};
use names::*;

pub(super) fn declarations() -> Vec<MetricDecl> {
    let out = vec![
        d(
            Lrt,
            MAX_DEPEG,
            Upper,
            F64,
            "fraction",
            "largest discount of the pool price to NAV, inside steps included",
            |_, l| {
                Reduce::Max(
                    probe(move |w| {
                        let v = &w.liquidity.views[l];
                        (1.0 - step_low(w, l) / v.nav).max(1.0 - v.price / v.nav)
                    }),
                    Start::Value(0.0),
                )
            },
        ),
        d(
            Lrt,
            HOURS_DEPEGGED_1PCT,
            Upper,
            F64,
            "hours",
            "hours ending with the pool price more than 1% below NAV",
            |_, l| {
                Reduce::HoursAbove(probe(move |w| 1.0 - w.liquidity.views[l].price / w.liquidity.views[l].nav), 0.01)
            },
        ),
        d(Lrt, MIN_PRICE, Lower, F64, "ETH", "lowest pool price, inside steps included", |_, l| {
            Reduce::Min(probe(move |w| step_low(w, l)), Start::Probe)
        }),
        d(Lrt, MIN_NAV, Lower, F64, "ETH", "lowest NAV per token", |_, l| {
            Reduce::Min(probe(move |w| w.liquidity.views[l].nav), Start::Probe)
        }),
        d(Lrt, FINAL_NAV, Lower, F64, "ETH", "NAV per token at the end", |_, l| {
            Reduce::Last(probe(move |w| w.liquidity.views[l].nav))
        }),
        d(
            Lrt,
            HOURS_DEPEGGED_5PCT,
            Upper,
            F64,
            "hours",
            "hours ending with the pool price more than 5% below NAV",
            |_, l| {
                Reduce::HoursAbove(probe(move |w| 1.0 - w.liquidity.views[l].price / w.liquidity.views[l].nav), 0.05)
            },
        ),
        d(
            Lrt,
            HOURS_TOUCHING_1PCT,
            Upper,
            F64,
            "hours",
            "hours in steps during which the pool price went more than 1% below NAV (intra-step lows)",
            |_, l| Reduce::HoursAbove(probe(move |w| 1.0 - step_low(w, l) / w.liquidity.views[l].nav), 0.01),
        ),
        d(
            Lrt,
            HOURS_TOUCHING_5PCT,
            Upper,
            F64,
            "hours",
            "hours in steps during which the pool price went more than 5% below NAV (intra-step lows)",
            |_, l| Reduce::HoursAbove(probe(move |w| 1.0 - step_low(w, l) / w.liquidity.views[l].nav), 0.05),
        ),
        d(Lrt, LONGEST_REALISED_WAIT, Upper, F64, "days", "longest wait of a redemption paid in full", |_, l| {
            Reduce::Max(probe(move |w| w.obs.tally.lrt[l].longest_wait_seconds / 86_400.0), Start::Value(0.0))
        }),
        d(Lrt, LOWEST_BUFFER, Lower, F64, "ETH", "smallest liquid buffer at the end of a step", |_, l| {
            Reduce::Min(probe(move |w| w.liquidity.lrts[l].buffer_eth), Start::Probe)
        }),
        d(Lrt, "redeemed_eth", Upper, F64, "ETH", "redemptions paid out of the queue", |_, l| {
            Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].redeemed_eth))
        }),
        d(Lrt, "instant_eth", Upper, F64, "ETH", "instant withdrawals from the buffer (before fees)", |_, l| {
            Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].instant_eth))
        }),
        d(Lrt, "instant_fees_eth", Upper, F64, "ETH", "fees paid for instant withdrawals", |_, l| {
            Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].instant_fees))
        }),
        d(Lrt, SOLD_BELOW_NAV, Upper, F64, "tokens", "tokens sold into pools for less than NAV", |_, l| {
            Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].sold_below_nav))
        }),
        d(
            Lrt,
            DISCOUNT_COST,
            Upper,
            F64,
            "ETH",
            "what selling below NAV cost the sellers (tokens x NAV - proceeds)",
            |_, l| Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].discount_cost_eth)),
        ),
        d(Lrt, PEAK_QUEUE, Upper, F64, "ETH", "largest redemption queue (at NAV)", |_, l| {
            Reduce::Max(probe(move |w| queue_eth(w, l)), Start::Value(0.0))
        }),
        d(
            Lrt,
            "peak_wait_days",
            Upper,
            F64,
            "days",
            "longest expected redemption wait while requests are accepted",
            |_, l| {
                // NaN while closed: the maximum skips it.
                Reduce::Max(
                    probe(move |w| {
                        Some(w.liquidity.views[l].wait_years * 365.0).filter(|d| d.is_finite()).unwrap_or(f64::NAN)
                    }),
                    Start::Value(0.0),
                )
            },
        ),
        d(
            Pool,
            PEAK_POOL_IMBALANCE,
            Upper,
            F64,
            "fraction",
            "largest LRT share of the pool's value (0.5 balanced)",
            |_, p| Reduce::Max(probe(move |w| w.liquidity.pools[p].lrt_share()), Start::Probe),
        ),
        d(
            Pool,
            LP_WITHDRAWN,
            Upper,
            F64,
            "ETH",
            "liquidity withdrawn by providers who may leave (at the pool price)",
            |_, p| Reduce::Sum(probe(move |w| w.obs.tally.pool(p).lp_withdrawn_eth)),
        ),
        d(Pool, MIN_ETH_RESERVE, Lower, F64, "ETH", "smallest ETH side of the pool at the end of a step", |_, p| {
            Reduce::Min(probe(move |w| w.liquidity.pools[p].eth_reserve()), Start::Probe)
        }),
        d(Pool, MAX_LRT_RESERVE, Upper, F64, "tokens", "largest LRT side of the pool at the end of a step", |_, p| {
            Reduce::Max(probe(move |w| w.liquidity.pools[p].lrt_reserve()), Start::Probe)
        }),
        d(Pool, "lp_returned_eth", Lower, F64, "ETH", "liquidity those providers deposited back", |_, p| {
            Reduce::Sum(probe(move |w| w.obs.tally.pool(p).lp_returned_eth))
        }),
        d(
            Run,
            "reverted_deleverages",
            Upper,
            I64,
            "count",
            "deleverages and unwinds that could not repay and did not happen",
            |_, _| Reduce::Sum(probe(|w| w.obs.tally.reverted_deleverages as f64)),
        ),
        d(Run, "peak_outside_capital_eth", Upper, F64, "ETH", "most outside capital held by arbitrageurs", |_, _| {
            Reduce::Max(probe(|w| w.agents.arbitrageurs.iter().map(|a| a.outside_in).sum()), Start::Value(0.0))
        }),
        d(
            Run,
            PEAK_NET_INSOLVENT,
            Upper,
            F64,
            "ETH",
            "largest net insolvent debt over all markets, collateral at the oracle",
            |w, _| {
                let n = w.lending.markets.len();
                Reduce::Max(
                    probe(move |w| (0..n).map(|m| w.obs.tally.market[m].insolvent_at_oracle).sum()),
                    Start::Value(0.0),
                )
            },
        ),
        d(
            Run,
            PEAK_NET_INSOLVENT_POOL,
            Upper,
            F64,
            "ETH",
            "largest net insolvent debt over all markets, collateral at the pool",
            |w, _| {
                let n = w.lending.markets.len();
                Reduce::Max(
                    probe(move |w| (0..n).map(|m| w.obs.tally.market[m].insolvent_at_pool).sum()),
                    Start::Value(0.0),
                )
            },
        ),
    ];
    out
}
