//! The time series recorded per step, declared as named probes on the world (Agents.jl's
//! `mdata`): adding a step column is one line here, and every recorder and plot sees it.

use crate::world::World;
use std::sync::Arc;

/// A value read off the world after a step.
pub type Probe = Arc<dyn Fn(&World) -> f64 + Send + Sync>;

/// One column of `steps.parquet`.
pub struct StepColumn {
    pub name: String,
    pub probe: Probe,
    /// The value may be undefined in a step (a redemption wait while redemptions are closed):
    /// a non-finite value is written as null. Any other column must be finite.
    pub nullable: bool,
}

fn col(name: impl Into<String>, probe: impl Fn(&World) -> f64 + Send + Sync + 'static) -> StepColumn {
    StepColumn { name: name.into(), probe: Arc::new(probe), nullable: false }
}

fn col_or_null(name: impl Into<String>, probe: impl Fn(&World) -> f64 + Send + Sync + 'static) -> StepColumn {
    StepColumn { nullable: true, ..col(name, probe) }
}

/// Column name of a per-entity metric, e.g. `lrt.rstETH.nav`.
pub fn entity_column(kind: &str, id: &str, metric: &str) -> String {
    format!("{kind}.{id}.{metric}")
}

/// Names of step columns other code reads back (plots, notebooks): declared once here.
pub mod names {
    pub const ETH_USD: &str = "eth_usd";
    pub const LRT_PRICE: &str = "price";
    pub const LRT_NAV: &str = "nav";
    pub const LRT_QUEUE: &str = "queue_eth";
    pub const LRT_WAIT: &str = "wait_days";
    pub const LRT_BUFFER: &str = "buffer_eth";
    pub const POOL_LRT_SHARE: &str = "lrt_share";
    pub const MARKET_ORACLE: &str = "oracle_price";
    pub const MARKET_UTILISATION: &str = "utilisation";
    pub const MARKET_BAD_DEBT: &str = "bad_debt_eth";
    pub const MARKET_WITHDRAWAL_QUEUE: &str = "withdrawal_queue_eth";
    pub const MARKET_INSOLVENT: &str = "net_insolvent_debt_eth";
    pub const MARKET_INSOLVENT_POOL: &str = "net_insolvent_debt_pool_eth";
    pub const LRT_DEPEG: &str = "depeg";
    pub const LRT_DISCOUNT_COST: &str = "discount_cost_eth";
    pub const POOL_LP_WITHDRAWN: &str = "lp_withdrawn_eth";
    pub const OUTSIDE_CAPITAL: &str = "outside_capital_eth";
}

/// All step columns for this world's entities.
pub fn step_columns(w: &World) -> Vec<StepColumn> {
    use names::*;
    let mut c = vec![
        col(ETH_USD, |w| w.eth_usd()),
        col("tvl_eth", |w| w.tvl()),
        col("beacon_exit_queue_eth", |w| w.restaking.beacon.exit_queue_eth),
        col("slashed_eth", |w| w.obs.tally.slashed_eth),
        col("liquidation_rounds", |w| w.obs.tally.rounds as f64),
        col("cascade_depth", |w| w.obs.tally.max_depth as f64),
        col("retail_sold_lrt", |w| w.obs.tally.retail_sold_lrt),
        // Liquidators' free capital (ETH not tied up in seized LRT waiting for redemption).
        col("liquidator_eth", |w| w.agents.liquidators.iter().map(|l| l.eth).sum()),
        // Outside capital held by arbitrageurs, and deleverages that reverted in the step.
        col(OUTSIDE_CAPITAL, |w| w.agents.arbitrageurs.iter().map(|a| a.outside_in).sum()),
        col("reverted_deleverages", |w| w.obs.tally.reverted_deleverages as f64),
    ];
    for (l, lrt) in w.liquidity.lrts.iter().enumerate() {
        let e = |m: &str| entity_column("lrt", &lrt.id, m);
        c.push(col(e(LRT_NAV), move |w| w.liquidity.views[l].nav));
        c.push(col(e(LRT_PRICE), move |w| w.liquidity.views[l].price));
        c.push(col_or_null(e(LRT_DEPEG), move |w| 1.0 - w.liquidity.views[l].price / w.liquidity.views[l].nav));
        c.push(col(e("supply"), move |w| w.liquidity.lrts[l].supply));
        c.push(col(e(LRT_BUFFER), move |w| w.liquidity.lrts[l].buffer_eth));
        c.push(col(e(LRT_QUEUE), move |w| super::metrics::queue_eth(w, l)));
        // The wait a request made in the next step will see (null while redemptions are closed
        // or paused).
        c.push(col_or_null(e(LRT_WAIT), move |w| w.liquidity.views[l].wait_years * 365.0));
        c.push(col(e("withdrawing_eth"), move |w| w.liquidity.lrts[l].withdrawing_eth(&w.restaking.operators)));
        c.push(col(e("exits"), move |w| w.obs.tally.lrt[l].exits as f64));
        c.push(col(e("exit_pressure"), move |w| w.liquidity.views[l].exit_pressure));
        // Exits of the step: redemption requests and payments, instant withdrawals, sales below
        // NAV and what they cost; the longest wait of a request paid in full (null if none was).
        c.push(col(e("requested_eth"), move |w| w.obs.tally.lrt[l].requested_eth));
        c.push(col(e("redeemed_eth"), move |w| w.obs.tally.lrt[l].redeemed_eth));
        c.push(col(e("instant_eth"), move |w| w.obs.tally.lrt[l].instant_eth));
        c.push(col(e("instant_fee"), move |w| w.liquidity.views[l].instant_fee));
        c.push(col(e("sold_below_nav"), move |w| w.obs.tally.lrt[l].sold_below_nav));
        c.push(col(e(LRT_DISCOUNT_COST), move |w| w.obs.tally.lrt[l].discount_cost_eth));
        c.push(col_or_null(e("realised_wait_days"), move |w| {
            let s = w.obs.tally.lrt[l].longest_wait_seconds;
            if w.obs.tally.lrt[l].redeemed_eth > 0.0 && s > 0.0 { s / 86_400.0 } else { f64::NAN }
        }));
        // The lowest price of the step, sales between liquidation rounds included.
        c.push(col(e("step_low_price"), move |w| super::metrics::step_low(w, l)));
        // Yield and the flows it drives.
        c.push(col(e("headline_apy"), move |w| w.yields.lrt[l].headline_apy));
        c.push(col(e("incentive_apy"), move |w| w.yields.lrt[l].incentive_apy));
        c.push(col(e("deposits_eth"), move |w| w.obs.tally.lrt[l].deposits_eth));
    }
    for (p, pool) in w.liquidity.pools.iter().enumerate() {
        let e = |m: &str| entity_column("pool", &pool.id, m);
        c.push(col(e("price"), move |w| w.liquidity.pools[p].price()));
        c.push(col(e("eth_reserve"), move |w| w.liquidity.pools[p].eth_reserve()));
        c.push(col(e("lrt_reserve"), move |w| w.liquidity.pools[p].lrt_reserve()));
        c.push(col(e(POOL_LRT_SHARE), move |w| w.liquidity.pools[p].lrt_share()));
    }
    // Liquidity providers who may leave: what they withdrew and put back in the step, and the
    // share of their liquidity that is out of the pool.
    for (k, cohort) in w.liquidity.lps.iter().enumerate() {
        let p = cohort.pool;
        let e = |m: &str| entity_column("pool", &w.liquidity.pools[p].id, m);
        c.push(col(e(POOL_LP_WITHDRAWN), move |w| w.obs.tally.pool(p).lp_withdrawn_eth));
        c.push(col(e("lp_returned_eth"), move |w| w.obs.tally.pool(p).lp_returned_eth));
        c.push(col(e("lp_out_share"), move |w| {
            let c = &w.liquidity.lps[k];
            c.lp.iter().filter(|&&x| x == 0.0).count() as f64 / c.len().max(1) as f64
        }));
    }
    for (m, market) in w.lending.markets.iter().enumerate() {
        let e = |x: &str| entity_column("market", &market.id, x);
        for (suffix, probe) in market.leading_columns() {
            c.push(col(e(&suffix), move |w| probe(&w.lending.markets[m])));
        }
        // Highest utilisation over the market's loan reserves.
        c.push(col(e(MARKET_UTILISATION), move |w| w.lending.markets[m].utilisation()));
        c.push(col(e("total_borrow_eth"), move |w| w.lending.markets[m].totals_eth().0));
        c.push(col(e("total_supply_eth"), move |w| w.lending.markets[m].totals_eth().1));
        c.push(col(e("liquidations"), move |w| w.obs.tally.market[m].liquidations as f64));
        c.push(col(e("liquidated_debt_eth"), move |w| w.obs.tally.market[m].liquidated_debt));
        c.push(col(e(MARKET_BAD_DEBT), move |w| w.obs.tally.market[m].bad_debt));
        c.push(col(e("supplier_withdrawn_eth"), move |w| w.obs.tally.market[m].supplier_withdrawn_eth));
        c.push(col(e(MARKET_WITHDRAWAL_QUEUE), move |w| w.withdrawal_queue_eth(m)));
        // Debt less collateral of positions worth less than their debt (not liquidated: thin
        // pool, no capital, no cash), collateral at the oracle and at the pool.
        c.push(col(e(MARKET_INSOLVENT), move |w| w.obs.tally.market[m].insolvent_at_oracle));
        c.push(col(e(MARKET_INSOLVENT_POOL), move |w| w.obs.tally.market[m].insolvent_at_pool));
        // Per reserve of multi-asset markets, named `market.<id>.<asset>.<metric>`; only LRT
        // reserves get an `oracle_price` column, so the domino chart's price panel (ETH per
        // LRT) shows every market's LRT oracle next to the pools and NAVs.
        for (suffix, r, metric) in market.reserve_columns() {
            c.push(col(e(&suffix), move |w| w.lending.markets[m].reserve_metric(r, metric)));
        }
    }
    for (o, op) in w.restaking.operators.iter().enumerate() {
        c.push(col(entity_column("operator", &op.id, "stake_eth"), move |w| w.restaking.operators[o].stake()));
    }
    for (a, avs) in w.restaking.avss.iter().enumerate() {
        c.push(col(entity_column("avs", &avs.id, "slashed_eth"), move |w| w.restaking.avss[a].slashed_eth));
        c.push(col(entity_column("avs", &avs.id, "incentive_apr"), move |w| {
            w.restaking.avss[a].incentive.apr_at(w.time_seconds())
        }));
    }
    for (k, t) in w.yields.tokens.iter().enumerate() {
        c.push(col(entity_column("token", &t.id, "price_index"), move |w| w.yields.tokens[k].price));
    }
    for (s, st) in w.yields.strategies.iter().enumerate() {
        c.push(col(entity_column("strategy", &st.id, "value_eth"), move |w| w.yields.strategies[s].value));
    }
    c
}

/// Unit and meaning of a step column, by its metric (the part after `<kind>.<id>.`, or after
/// `market.<id>.<asset>.` for a reserve): declared here, beside the columns, for the schema
/// document (`restake schema`). `None` for a name nobody described: the schema test fails then.
pub fn describe(metric: &str, reserve: bool) -> Option<(&'static str, &'static str)> {
    use names::*;
    if reserve {
        return Some(match metric {
            "oracle_price" => ("ETH per token", "the reserve's oracle price (LRT reserves)"),
            "utilisation" => ("fraction", "debt / supply of the loan reserve"),
            "borrow_rate" => ("per year", "the reserve's borrow rate from its IRM"),
            "total_supply" => ("reserve asset", "supplied, in the reserve's own units"),
            "total_debt" => ("reserve asset", "borrowed, in the reserve's own units"),
            "deficit" => ("reserve asset", "unbacked debt booked against the reserve (bad debt)"),
            _ => return None,
        });
    }
    Some(match metric {
        "eth_usd" => ("USD per ETH", "ETH/USD after the step's path update"),
        "tvl_eth" => ("ETH", "total value locked across LRTs"),
        "beacon_exit_queue_eth" => ("ETH", "ETH waiting in the beacon chain's exit queue"),
        "slashed_eth" => ("ETH", "stake slashed in the step (an AVS's own for `avs.<id>`)"),
        "liquidation_rounds" => ("count", "liquidation rounds run in the step"),
        "cascade_depth" => ("count", "longest causal chain of liquidations in the step"),
        "retail_sold_lrt" => ("LRT tokens", "LRT retail agents sold into pools in the step"),
        "liquidator_eth" => ("ETH", "liquidators' ETH at the end of the step"),
        "reverted_deleverages" => ("count", "deleverage sales that reverted on slippage"),
        OUTSIDE_CAPITAL => ("ETH", "outside capital held by arbitrageurs"),
        "incentive_apr" => ("per year", "an AVS's token incentive rate at the step"),
        "stake_eth" => ("ETH", "an operator's delegated stake"),
        "headline_apy" => ("per year", "the LRT's advertised APY: rewards and incentives net of fees, points"),
        "incentive_apy" => ("per year", "the part of the headline APY that is incentives and points"),
        "deposits_eth" => ("ETH", "retail deposits in the step, minted at NAV"),
        "price_index" => ("index", "a reward token's price, 1 at the start"),
        "value_eth" => ("ETH", "a strategy's value: LRTs at NAV, loans net, incentives and points"),
        LRT_PRICE => ("ETH per token", "price in the LRT's main pool (market price for a market)"),
        LRT_NAV => ("ETH per token", "net asset value: assets / supply"),
        LRT_DEPEG => ("fraction", "1 - price / NAV"),
        "supply" => ("LRT tokens", "LRT tokens outstanding"),
        LRT_BUFFER => ("ETH", "the LRT's liquid buffer"),
        LRT_QUEUE => ("ETH", "redemption requests waiting, at NAV"),
        LRT_WAIT => ("days", "expected wait of a request made now (null while redemptions are closed)"),
        "withdrawing_eth" => ("ETH", "stake the LRT is withdrawing from the protocol"),
        "exits" => ("count", "retail exits in the step"),
        "exit_pressure" => ("fraction", "recent exits as a share of holders (herding input)"),
        "requested_eth" => ("ETH", "redemptions requested in the step, at NAV"),
        "redeemed_eth" => ("ETH", "redemptions paid out of the queue in the step"),
        "instant_eth" => ("ETH", "instant withdrawals paid from the buffer in the step"),
        "instant_fee" => ("fraction", "the instant-withdrawal fee at the step"),
        "sold_below_nav" => ("LRT tokens", "LRT sold into pools below NAV in the step"),
        LRT_DISCOUNT_COST => ("ETH", "what those sales lost against NAV"),
        "realised_wait_days" => ("days", "longest wait of a request paid in full in the step (null if none)"),
        "step_low_price" => ("ETH per token", "lowest pool price within the step, between rounds"),
        "eth_reserve" => ("ETH", "the pool's ETH side"),
        "lrt_reserve" => ("LRT tokens", "the pool's LRT side"),
        POOL_LRT_SHARE => ("fraction", "LRT share of the pool's reserves at the rate"),
        POOL_LP_WITHDRAWN => ("ETH", "liquidity LPs withdrew in the step"),
        "lp_returned_eth" => ("ETH", "liquidity LPs put back in the step"),
        "lp_out_share" => ("fraction", "share of leaving LPs whose liquidity is out"),
        MARKET_ORACLE => ("ETH per token", "the market's oracle price of its LRT collateral"),
        "borrow_rate" => ("per year", "the market's ETH borrow rate"),
        MARKET_UTILISATION => ("fraction", "highest utilisation over the loan reserves"),
        "total_borrow_eth" => ("ETH", "debt, valued at the oracle"),
        "total_supply_eth" => ("ETH", "supply, valued at the oracle"),
        "liquidations" => ("count", "liquidations in the step"),
        "liquidated_debt_eth" => ("ETH", "debt repaid by liquidations in the step"),
        MARKET_BAD_DEBT => ("ETH", "bad debt booked in the step"),
        "supplier_withdrawn_eth" => ("ETH", "lenders' withdrawals paid in the step"),
        MARKET_WITHDRAWAL_QUEUE => ("ETH", "lenders' withdrawals waiting for cash"),
        MARKET_INSOLVENT => ("ETH", "debt less collateral of positions under water, at the oracle"),
        MARKET_INSOLVENT_POOL => ("ETH", "the same with LRT collateral at the pool price"),
        _ => return None,
    })
}
