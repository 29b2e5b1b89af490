//! The time series recorded per step, declared as named probes on the world (Agents.jl's
//! `mdata`): adding a metric is one line here, and every recorder and plot sees it.

use restake_agents::World;
use restake_engine::StepContext;

type Probe = Box<dyn Fn(&World) -> f64 + Send + Sync>;

/// One column of `steps.parquet`.
pub struct StepColumn {
    pub name: String,
    pub probe: Probe,
}

fn col(name: impl Into<String>, probe: impl Fn(&World) -> f64 + Send + Sync + 'static) -> StepColumn {
    StepColumn { name: name.into(), probe: Box::new(probe) }
}

/// Column name of a per-entity metric, e.g. `lrt.rstETH.nav`.
pub fn entity_column(kind: &str, id: &str, metric: &str) -> String {
    format!("{kind}.{id}.{metric}")
}

/// All step columns for this world's entities.
pub fn step_columns(w: &World) -> Vec<StepColumn> {
    let mut c = vec![
        col("eth_usd", |w| w.eth_usd()),
        col("tvl_eth", |w| w.tvl()),
        col("beacon_exit_queue_eth", |w| w.beacon.exit_queue_eth),
        col("slashed_eth", |w| w.tally.slashed_eth),
        col("liquidation_rounds", |w| w.tally.rounds as f64),
        col("cascade_depth", |w| w.tally.max_depth as f64),
        col("retail_sold_lrt", |w| w.tally.retail_sold_lrt),
        // Liquidators' free capital (ETH not tied up in seized LRT waiting for redemption).
        col("liquidator_eth", |w| w.liquidators.iter().map(|l| l.eth).sum()),
    ];
    for (l, lrt) in w.lrts.iter().enumerate() {
        let e = |m: &str| entity_column("lrt", &lrt.id, m);
        c.push(col(e("nav"), move |w| w.lrt_views[l].nav));
        c.push(col(e("price"), move |w| w.lrt_views[l].price));
        c.push(col(e("depeg"), move |w| 1.0 - w.lrt_views[l].price / w.lrt_views[l].nav));
        c.push(col(e("supply"), move |w| w.lrts[l].supply));
        c.push(col(e("buffer_eth"), move |w| w.lrts[l].buffer_eth));
        c.push(col(e("queue_eth"), move |w| w.lrts[l].queued_tokens * w.lrt_views[l].nav));
        c.push(col(e("wait_days"), move |w| w.lrt_views[l].wait_years * 365.0));
        c.push(col(e("withdrawing_eth"), move |w| w.lrts[l].withdrawing_eth(&w.operators)));
        c.push(col(e("exits"), move |w| w.tally.lrt[l].exits as f64));
        c.push(col(e("exit_pressure"), move |w| w.lrt_views[l].exit_pressure));
    }
    for (p, pool) in w.pools.iter().enumerate() {
        let e = |m: &str| entity_column("pool", &pool.id, m);
        c.push(col(e("price"), move |w| w.pools[p].price()));
        c.push(col(e("eth_reserve"), move |w| w.pools[p].eth_reserve()));
        c.push(col(e("lrt_reserve"), move |w| w.pools[p].lrt_reserve()));
        c.push(col(e("lrt_share"), move |w| w.pools[p].lrt_share()));
    }
    for (m, market) in w.markets.iter().enumerate() {
        let e = |x: &str| entity_column("market", &market.id, x);
        if market.isolated().is_some() {
            c.push(col(e("oracle_price"), move |w| w.markets[m].oracle_price()));
            c.push(col(e("borrow_rate"), move |w| w.markets[m].eth_borrow_rate()));
        }
        // Highest utilisation over the market's loan reserves.
        c.push(col(e("utilisation"), move |w| w.markets[m].utilisation()));
        c.push(col(e("total_borrow_eth"), move |w| w.markets[m].totals_eth().0));
        c.push(col(e("total_supply_eth"), move |w| w.markets[m].totals_eth().1));
        c.push(col(e("liquidations"), move |w| w.tally.market[m].liquidations as f64));
        c.push(col(e("liquidated_debt_eth"), move |w| w.tally.market[m].liquidated_debt));
        c.push(col(e("bad_debt_eth"), move |w| w.tally.market[m].bad_debt));
        c.push(col(e("supplier_withdrawn_eth"), move |w| w.tally.market[m].supplier_withdrawn_eth));
        c.push(col(e("withdrawal_queue_eth"), move |w| w.withdrawal_queue_eth(m)));
        // Pooled markets: one set per reserve, named `market.<id>.<asset>.<metric>`. Only LRT
        // reserves get an `oracle_price` column, so the domino chart's price panel (ETH per LRT)
        // shows every market's LRT oracle next to the pools and NAVs.
        if let Some(b) = market.pooled() {
            for (r, asset) in b.assets.iter().enumerate() {
                let name = b.inner.params().reserves[r].name.clone();
                let e = |x: &str| format!("market.{}.{name}.{x}", market.id);
                if matches!(asset, restake_agents::market::Asset::Lrt(_)) {
                    c.push(col(e("oracle_price"), move |w| w.markets[m].pooled().map_or(f64::NAN, |b| b.prices[r])));
                }
                if b.inner.params().reserves[r].borrowing_enabled {
                    c.push(col(e("utilisation"), move |w| {
                        w.markets[m].pooled().and_then(|b| b.inner.reserve(r)).map_or(0.0, |s| s.utilisation())
                    }));
                    c.push(col(e("borrow_rate"), move |w| {
                        w.markets[m].pooled().and_then(|b| b.inner.borrow_rate(r)).unwrap_or(0.0)
                    }));
                }
                c.push(col(e("total_supply"), move |w| {
                    w.markets[m].pooled().and_then(|b| b.inner.reserve(r)).map_or(0.0, |s| s.total_supply())
                }));
                c.push(col(e("total_debt"), move |w| {
                    w.markets[m].pooled().and_then(|b| b.inner.reserve(r)).map_or(0.0, |s| s.total_debt())
                }));
                c.push(col(e("deficit"), move |w| {
                    w.markets[m].pooled().and_then(|b| b.inner.reserve(r)).map_or(0.0, |s| s.deficit)
                }));
            }
        }
    }
    for (o, op) in w.operators.iter().enumerate() {
        c.push(col(entity_column("operator", &op.id, "stake_eth"), move |w| w.operators[o].stake()));
    }
    for (a, avs) in w.avss.iter().enumerate() {
        c.push(col(entity_column("avs", &avs.id, "slashed_eth"), move |w| w.avss[a].slashed_eth));
        c.push(col(entity_column("avs", &avs.id, "incentive_apr"), move |w| {
            w.avss[a].incentive_apr_at(w.step as f64 * w.dt_seconds)
        }));
    }
    c
}

/// Hours since the start at the end of step `ctx.step`.
pub fn hours_at_end(ctx: &StepContext) -> f64 {
    (ctx.step + 1) as f64 * ctx.dt_seconds / 3600.0
}
