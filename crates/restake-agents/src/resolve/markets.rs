//! Lending markets: the two kinds of `[[markets]]` section, their reserves, e-modes, oracles and
//! lenders, resolved into [`MarketSpec`]s. The mechanisms' own checks (ranges, Aave's rules) are
//! `restake-lending`'s; this file adds what only the scenario knows (asset names, which assets
//! can be borrowed, what an oracle may price) and renames the lending crate's field paths to the
//! scenario's.

use super::liquidity::Liquidity;
use super::{Checker, Ids, steps_of};
use crate::market::{BookSpec, IsolatedSpec, MarketSpec, PooledSpec, PriceFeed, SupplierSpec};
use crate::scenario::{
    ASSET_ETH, ASSET_USD, EModeConfig, EModePreset, IrmConfig, MarketConfig, MarketKind, OracleConfig, Scenario,
    SupplierConfig,
};
use crate::vocab::Asset;
use restake_lending::{
    EMode, IsolatedMarket, IsolatedParams, KinkedIrm, OracleKind, OracleParams, OracleState, PooledMarket,
    PooledParams, ReserveParams,
};

pub(super) struct Markets<'a> {
    pub ids: Ids<'a>,
    /// One per `[[markets]]` entry, in order (None where the entry has problems).
    pub specs: Vec<MarketSpec>,
    pub complete: bool,
}

fn irm_of(c: &IrmConfig) -> KinkedIrm {
    KinkedIrm { base_rate: c.base_rate, slope1: c.slope1, slope2: c.slope2, optimal_utilisation: c.optimal_utilisation }
}

/// The scenario's name of a field the lending crate reports (the two schemas differ in a few).
fn scenario_field(lending: &str) -> String {
    let renames = [
        ("default_close_factor", "close_factor"),
        ("min_base_max_close_factor_threshold_usd", "small_position_usd"),
        ("min_leftover_base_usd", "min_leftover_usd"),
        ("collateral_assets", "collateral"),
        ("borrowable_assets", "borrowable"),
        ("reserve_factor", "irm.reserve_factor"),
        // Isolated markets: Morpho's fee is the scenario's `irm.reserve_factor`.
        ("fee", "irm.reserve_factor"),
        ("kind.twap.window_steps", "window"),
        ("kind.exchange_rate.max_growth_per_year", "max_growth_per_year"),
        ("kind.fixed", "price"),
        ("delay_steps", "delay"),
    ];
    let (head, last) = match lending.rsplit_once('.') {
        Some((h, l)) => (Some(h), l),
        None => (None, lending),
    };
    for (from, to) in renames {
        if lending == from {
            return to.to_string();
        }
        if let Some(rest) = lending.strip_suffix(from).and_then(|r| r.strip_suffix('.')) {
            return format!("{rest}.{to}");
        }
    }
    match head {
        Some(h) => format!("{h}.{last}"),
        None => last.to_string(),
    }
}

/// The asset a reserve's name denotes.
fn asset_of(name: &str, lrts: &Ids) -> Option<Asset> {
    match name {
        ASSET_ETH => Some(Asset::Eth),
        ASSET_USD => Some(Asset::Usd),
        l => lrts.get(l).map(Asset::Lrt),
    }
}

/// A price feed of `asset` from its oracle description at `path`.
fn feed(
    c: &mut Checker,
    s: &Scenario,
    dt: f64,
    path: &str,
    o: &OracleConfig,
    asset: Asset,
    l: &Liquidity,
) -> Option<PriceFeed> {
    let duration = s.time.duration.seconds();
    let mut pool = None;
    match o {
        OracleConfig::PoolSpot { pool: id, .. } | OracleConfig::Twap { pool: id, .. } => {
            let p = format!("{path}.pool");
            if let Some(k) = c.lookup(p.clone(), id, &l.pool_ids) {
                let traded = &s.pools[k].lrt;
                match asset {
                    Asset::Lrt(a) if l.lrt_ids.get(traded) != Some(a) => {
                        c.push(p, format!("pool `{id}` trades `{traded}`, not the collateral `{}`", s.lrts[a].id))
                    }
                    Asset::Lrt(_) => pool = Some(k),
                    _ => c.push(p, "pools trade LRTs against ETH: a pool oracle can only price an LRT"),
                }
            }
            if let OracleConfig::Twap { window, .. } = o
                && window.seconds() < s.time.step.seconds()
            {
                c.push(format!("{path}.window"), format!("must be at least one step ({})", s.time.step));
            }
        }
        OracleConfig::ExchangeRate { max_growth_per_year, .. } => {
            if let Some(g) = max_growth_per_year {
                c.range(format!("{path}.max_growth_per_year"), *g, 0.0, 10.0, false, false);
            }
            if asset == Asset::Usd {
                c.push(format!("{path}.kind"), "USD has no exchange rate: use `eth-usd` or `fixed`");
            }
        }
        OracleConfig::EthUsd { .. } => {
            if asset != Asset::Usd {
                c.push(format!("{path}.kind"), "`eth-usd` prices the USD stablecoin only");
            }
        }
        OracleConfig::Fixed { price, .. } => c.range(format!("{path}.price"), *price, 0.0, f64::INFINITY, true, true),
    }
    let (delay, stale) = o.timing();
    if delay.is_some_and(|d| d.seconds() > duration) {
        c.push(format!("{path}.delay"), format!("must be within time.duration ({})", s.time.duration));
    }
    if stale.is_some_and(|t| t.seconds() >= duration) {
        c.push(format!("{path}.stale_after"), format!("must be before the end of the run ({})", s.time.duration));
    }
    let steps = |span| steps_of(span, dt).max(0.0);
    let kind = match o {
        OracleConfig::PoolSpot { .. } | OracleConfig::EthUsd { .. } => OracleKind::PoolSpot,
        OracleConfig::Twap { window, .. } => OracleKind::Twap { window_steps: steps(*window).max(1.0) as usize },
        OracleConfig::ExchangeRate { max_growth_per_year, .. } => {
            OracleKind::ExchangeRate { max_growth_per_year: *max_growth_per_year }
        }
        OracleConfig::Fixed { price, .. } => OracleKind::Fixed(*price),
    };
    let stale_from = stale.map(|t| (t.seconds() / dt).ceil() as u64);
    let params = OracleParams { kind, delay_steps: delay.map_or(0, |d| steps(d) as usize), stale_after: stale_from };
    oracle_state(c, path, params).map(|st| PriceFeed::new(asset, pool, st, stale_from))
}

fn oracle_state(c: &mut Checker, path: &str, params: OracleParams) -> Option<OracleState> {
    match OracleState::new(params) {
        Ok(st) => Some(st),
        Err(_) => {
            let issues = params.issues();
            c.lending(path, issues, |f| scenario_field(f.strip_prefix("oracle.").unwrap_or(f)));
            None
        }
    }
}

/// The feed of a reserve without an `oracle`: ETH at 1, USD at 1 / ETH_USD.
fn default_feed(c: &mut Checker, path: &str, asset: Asset) -> Option<PriceFeed> {
    let kind = if asset == Asset::Usd { OracleKind::PoolSpot } else { OracleKind::Fixed(1.0) };
    oracle_state(c, path, OracleParams::new(kind)).map(|st| PriceFeed::new(asset, None, st, None))
}

fn suppliers(c: &mut Checker, path: &str, sp: &SupplierConfig, dt: f64) -> Option<SupplierSpec> {
    if sp.count > 10_000 {
        c.push(format!("{path}.count"), format!("must be in [0, 10000], got {}", sp.count));
    }
    c.range(format!("{path}.passive_share"), sp.passive_share, 0.0, 1.0, false, false);
    let u = c.dist(&format!("{path}.utilisation_threshold"), &sp.utilisation_threshold, 0.0, 1.0);
    let b = c.dist(&format!("{path}.bad_debt_threshold"), &sp.bad_debt_threshold, 0.0, 1.0);
    c.range(format!("{path}.attention_per_day"), sp.attention_per_day, 0.0, 1440.0, true, false);
    Some(SupplierSpec {
        count: sp.count,
        passive_share: sp.passive_share,
        utilisation_threshold: u?,
        bad_debt_threshold: b?,
        attention: super::attention(sp.attention_per_day, dt),
    })
}

pub(super) fn resolve<'a>(c: &mut Checker, s: &'a Scenario, dt: f64, l: &Liquidity) -> Markets<'a> {
    let ids = c.ids("markets", "market", s.markets.iter().map(|m| m.id.as_str()));
    let mut specs = Vec::with_capacity(s.markets.len());
    for (i, m) in s.markets.iter().enumerate() {
        let p = |f: &str| format!("markets[{i}].{f}");
        let sup = suppliers(c, &p("suppliers"), &m.suppliers, dt);
        c.range(p("idle_supply"), m.idle_supply, 0.0, f64::INFINITY, false, true);
        let book = match m.kind {
            MarketKind::Isolated => isolated(c, s, dt, i, m, l),
            MarketKind::Pooled => pooled(c, s, dt, i, m, l),
        };
        if let (Some(book), Some(suppliers)) = (book, sup) {
            specs.push(MarketSpec { id: m.id.clone(), book, suppliers });
        }
    }
    let complete = specs.len() == s.markets.len();
    Markets { ids, specs, complete }
}

fn isolated(c: &mut Checker, s: &Scenario, dt: f64, i: usize, m: &MarketConfig, l: &Liquidity) -> Option<BookSpec> {
    let p = |f: &str| format!("markets[{i}].{f}");
    let lrt = match &m.collateral {
        Some(id) => c.lookup(p("collateral"), id, &l.lrt_ids),
        None => {
            c.push(p("collateral"), "an isolated market needs `collateral` (the LRT it lends against)");
            None
        }
    };
    if m.lltv.is_none() {
        c.push(p("lltv"), "an isolated market needs `lltv` in (0, 1)");
    }
    let feed = match (&m.oracle, lrt) {
        (Some(o), Some(lrt)) => feed(c, s, dt, &p("oracle"), o, Asset::Lrt(lrt), l),
        (Some(_), None) => None,
        (None, _) => {
            c.push(p("oracle"), "an isolated market needs an `oracle` for its collateral");
            None
        }
    };
    let pooled_only = [
        ("reserves", !m.reserves.is_empty()),
        ("emodes", !m.emodes.is_empty()),
        ("close_factor", m.close_factor.is_some()),
        ("close_factor_hf_threshold", m.close_factor_hf_threshold.is_some()),
        ("small_position_usd", m.small_position_usd.is_some()),
        ("min_leftover_usd", m.min_leftover_usd.is_some()),
    ];
    for (f, set) in pooled_only {
        if set {
            c.push(p(f), "only pooled markets (kind = \"pooled\") have this");
        }
    }
    let irm = m.irm.clone().unwrap_or_default();
    let lltv = m.lltv?;
    let params =
        IsolatedParams { lltv, irm: irm_of(&irm), fee: irm.reserve_factor, borrow_compounding: Default::default() };
    let market = match IsolatedMarket::new(params) {
        Ok(x) => x,
        Err(_) => {
            c.lending(&format!("markets[{i}]"), params.issues(), scenario_field);
            return None;
        }
    };
    Some(BookSpec::Isolated(IsolatedSpec { lrt: lrt?, lltv, market, feed: feed?, idle_supply: m.idle_supply }))
}

/// (LTV, LT, bonus) of an e-mode category after its preset and overrides.
fn emode_terms(e: &EModeConfig) -> (Option<f64>, Option<f64>, Option<f64>) {
    let preset = match e.preset {
        Some(EModePreset::EthCorrelated) => Some(EMode::eth_correlated()),
        None => None,
    };
    let (l, t, b) = match &preset {
        Some(x) => (Some(x.ltv), Some(x.liquidation_threshold), Some(x.liquidation_bonus)),
        None => (None, None, None),
    };
    (e.ltv.or(l), e.liquidation_threshold.or(t), e.liquidation_bonus.or(b))
}

fn pooled(c: &mut Checker, s: &Scenario, dt: f64, i: usize, m: &MarketConfig, l: &Liquidity) -> Option<BookSpec> {
    let p = |f: &str| format!("markets[{i}].{f}");
    let isolated_only = [
        ("collateral", m.collateral.is_some()),
        ("lltv", m.lltv.is_some()),
        ("oracle", m.oracle.is_some()),
        ("irm", m.irm.is_some()),
        ("idle_supply", m.idle_supply != 0.0),
    ];
    for (f, set) in isolated_only {
        if set {
            c.push(p(f), "a pooled market sets this per reserve, in [[markets.reserves]]");
        }
    }
    if m.reserves.is_empty() {
        c.push(
            p("reserves"),
            "a pooled market needs at least one reserve ([[markets.reserves]] with asset = \"ETH\", \"USD\" or an LRT id)",
        );
    }
    let mut ok = true;
    let mut assets = Vec::with_capacity(m.reserves.len());
    let mut feeds = Vec::with_capacity(m.reserves.len());
    let mut reserves = Vec::with_capacity(m.reserves.len());
    for (k, r) in m.reserves.iter().enumerate() {
        let q = |f: &str| format!("markets[{i}].reserves[{k}].{f}");
        let a = r.asset.as_str();
        let asset = asset_of(a, &l.lrt_ids);
        if asset.is_none() {
            let known: Vec<&str> = s.lrts.iter().map(|x| x.id.as_str()).collect();
            c.push(q("asset"), format!("must be \"ETH\", \"USD\" or an LRT id ([{}]), got `{a}`", known.join(", ")));
        }
        if m.reserves[..k].iter().any(|x| x.asset == r.asset) {
            c.push(q("asset"), format!("`{a}` is listed twice in this market"));
        }
        if r.borrowing_enabled && a != ASSET_ETH && a != ASSET_USD {
            c.push(q("borrowing_enabled"), "only ETH and USD can be borrowed in this model");
        }
        c.range(q("idle_supply"), r.idle_supply, 0.0, f64::INFINITY, false, true);
        let f = match (&r.oracle, asset) {
            (Some(o), Some(asset)) => feed(c, s, dt, &q("oracle"), o, asset, l),
            (None, Some(Asset::Lrt(_))) => {
                c.push(q("oracle"), "an LRT reserve needs an `oracle` (pool-spot, twap, exchange-rate or fixed)");
                None
            }
            (None, Some(asset)) => default_feed(c, &q("oracle"), asset),
            (_, None) => None,
        };
        match (asset, f) {
            (Some(asset), Some(f)) => {
                assets.push(asset);
                feeds.push(f);
            }
            _ => ok = false,
        }
        reserves.push(ReserveParams {
            name: r.asset.clone(),
            ltv: r.ltv,
            liquidation_threshold: r.liquidation_threshold,
            liquidation_bonus: r.liquidation_bonus,
            liquidation_protocol_fee: r.liquidation_protocol_fee,
            supply_cap: r.supply_cap,
            borrow_cap: r.borrow_cap,
            irm: irm_of(&r.irm),
            reserve_factor: r.irm.reserve_factor,
            borrowing_enabled: r.borrowing_enabled,
        });
    }
    let mut emodes = Vec::with_capacity(m.emodes.len());
    for (k, e) in m.emodes.iter().enumerate() {
        let q = |f: &str| format!("markets[{i}].emodes[{k}].{f}");
        if e.label.trim().is_empty() || m.emodes[..k].iter().any(|x| x.label == e.label) {
            c.push(q("label"), "must be a non-empty label, unique in the market");
        }
        let index = |list: &[String], field: &str, c: &mut Checker| -> Vec<usize> {
            let mut out = Vec::with_capacity(list.len());
            for (j, a) in list.iter().enumerate() {
                match m.reserves.iter().position(|r| &r.asset == a) {
                    Some(r) => out.push(r),
                    None => c.push(
                        format!("markets[{i}].emodes[{k}].{field}[{j}]"),
                        format!("`{a}` is not a reserve of this market"),
                    ),
                }
            }
            out
        };
        let collateral_assets = index(&e.collateral, "collateral", c);
        let borrowable_assets = index(&e.borrowable, "borrowable", c);
        match emode_terms(e) {
            (Some(ltv), Some(liquidation_threshold), Some(liquidation_bonus)) => emodes.push(EMode {
                label: e.label.clone(),
                ltv,
                liquidation_threshold,
                liquidation_bonus,
                collateral_assets,
                borrowable_assets,
            }),
            _ => {
                c.push(
                    q("preset"),
                    "set `preset = \"eth-correlated\"` or all of ltv, liquidation_threshold and liquidation_bonus",
                );
                ok = false;
            }
        }
    }
    let emode_labels = emodes.iter().map(|e| e.label.clone()).collect();
    let loan_reserves: Vec<usize> = (0..m.reserves.len()).filter(|&r| m.reserves[r].borrowing_enabled).collect();
    let idle_supply = m.reserves.iter().map(|r| r.idle_supply).collect();
    let mut params = PooledParams::new(reserves, emodes);
    if let Some(v) = m.close_factor {
        params.default_close_factor = v;
    }
    if let Some(v) = m.close_factor_hf_threshold {
        params.close_factor_hf_threshold = v;
    }
    if let Some(v) = m.small_position_usd {
        params.min_base_max_close_factor_threshold_usd = v;
    }
    if let Some(v) = m.min_leftover_usd {
        params.min_leftover_base_usd = v;
    }
    let issues = params.issues();
    if !issues.is_empty() {
        c.lending(&format!("markets[{i}]"), issues, scenario_field);
        return None;
    }
    let market = match PooledMarket::new(params.clone()) {
        Ok(x) => x,
        Err(e) => {
            c.lending(&format!("markets[{i}]"), vec![e], scenario_field);
            return None;
        }
    };
    if !ok {
        return None;
    }
    Some(BookSpec::Pooled(PooledSpec { market, assets, feeds, idle_supply, loan_reserves, emode_labels }))
}

#[cfg(test)]
mod tests {
    use super::scenario_field;

    #[test]
    fn lending_field_paths_become_scenario_paths() {
        assert_eq!(scenario_field("lltv"), "lltv");
        assert_eq!(scenario_field("fee"), "irm.reserve_factor");
        assert_eq!(scenario_field("irm.slope2"), "irm.slope2");
        assert_eq!(scenario_field("reserves[1].irm.slope2"), "reserves[1].irm.slope2");
        assert_eq!(scenario_field("reserves[0].reserve_factor"), "reserves[0].irm.reserve_factor");
        assert_eq!(scenario_field("emodes[0].collateral_assets"), "emodes[0].collateral");
        assert_eq!(scenario_field("default_close_factor"), "close_factor");
        assert_eq!(scenario_field("kind.twap.window_steps"), "window");
    }
}
