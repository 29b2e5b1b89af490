//! Validation of lending markets, their reserves, e-modes, oracles and suppliers, and of the
//! cohorts that borrow on them.

use super::*;

/// What an oracle prices.
#[derive(Clone, Copy, PartialEq)]
enum Priced<'a> {
    Eth,
    Usd,
    Lrt(&'a str),
}

fn priced(asset: &str) -> Priced<'_> {
    match asset {
        ASSET_ETH => Priced::Eth,
        ASSET_USD => Priced::Usd,
        l => Priced::Lrt(l),
    }
}

fn check_oracle(c: &mut Checker, s: &Scenario, path: &str, o: &OracleConfig, asset: Priced, pools: &BTreeSet<String>) {
    let duration = s.time.duration.seconds();
    match o {
        OracleConfig::PoolSpot { pool, .. } | OracleConfig::Twap { pool, .. } => {
            let p = format!("{path}.pool");
            if c.exists(p.clone(), pool, pools, "pool") {
                let pl = s.pools.iter().find(|x| &x.id == pool).expect("checked");
                match asset {
                    Priced::Lrt(l) if pl.lrt != l => {
                        c.push(p, format!("pool `{pool}` trades `{}`, not the collateral `{l}`", pl.lrt))
                    }
                    Priced::Lrt(_) => {}
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
            if asset == Priced::Usd {
                c.push(format!("{path}.kind"), "USD has no exchange rate: use `eth-usd` or `fixed`");
            }
        }
        OracleConfig::EthUsd { .. } => {
            if asset != Priced::Usd {
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
}

fn check_irm(c: &mut Checker, path: &str, irm: &IrmConfig, max_fee: f64) {
    c.range(format!("{path}.base_rate"), irm.base_rate, 0.0, 10.0, false, false);
    c.range(format!("{path}.slope1"), irm.slope1, 0.0, 10.0, false, false);
    c.range(format!("{path}.slope2"), irm.slope2, 0.0, 10.0, false, false);
    c.range(format!("{path}.optimal_utilisation"), irm.optimal_utilisation, 0.0, 1.0, true, true);
    c.range(format!("{path}.reserve_factor"), irm.reserve_factor, 0.0, max_fee, false, false);
}

fn check_suppliers(c: &mut Checker, path: &str, sp: &SupplierConfig) {
    if sp.count > 10_000 {
        c.push(format!("{path}.count"), format!("must be in [0, 10000], got {}", sp.count));
    }
    c.range(format!("{path}.passive_share"), sp.passive_share, 0.0, 1.0, false, false);
    c.dist(&format!("{path}.utilisation_threshold"), &sp.utilisation_threshold, 0.0, 1.0);
    c.dist(&format!("{path}.bad_debt_threshold"), &sp.bad_debt_threshold, 0.0, 1.0);
    c.range(format!("{path}.attention_per_day"), sp.attention_per_day, 0.0, 1440.0, true, false);
}

/// Checks `[[markets]]`; returns the set of market ids.
pub(super) fn validate_markets(
    c: &mut Checker,
    s: &Scenario,
    lrts: &BTreeSet<String>,
    pools: &BTreeSet<String>,
) -> BTreeSet<String> {
    let markets = c.unique_ids("markets", s.markets.iter().map(|m| m.id.as_str()));
    for (i, m) in s.markets.iter().enumerate() {
        let p = |f: &str| format!("markets[{i}].{f}");
        check_suppliers(c, &p("suppliers"), &m.suppliers);
        c.range(p("idle_supply"), m.idle_supply, 0.0, f64::INFINITY, false, true);
        match m.kind {
            MarketKind::Isolated => {
                match &m.collateral {
                    Some(l) => {
                        c.exists(p("collateral"), l, lrts, "LRT");
                    }
                    None => c.push(p("collateral"), "an isolated market needs `collateral` (the LRT it lends against)"),
                }
                match m.lltv {
                    Some(v) => c.range(p("lltv"), v, 0.0, 1.0, true, true),
                    None => c.push(p("lltv"), "an isolated market needs `lltv` in (0, 1)"),
                }
                match (&m.oracle, &m.collateral) {
                    (Some(o), Some(l)) => check_oracle(c, s, &p("oracle"), o, Priced::Lrt(l), pools),
                    (Some(o), None) => check_oracle(c, s, &p("oracle"), o, Priced::Lrt(""), pools),
                    (None, _) => c.push(p("oracle"), "an isolated market needs an `oracle` for its collateral"),
                }
                // Morpho caps the fee on interest at 25% (`MAX_FEE`).
                if let Some(irm) = &m.irm {
                    check_irm(c, &p("irm"), irm, 0.25);
                }
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
            }
            MarketKind::Pooled => validate_pooled(c, s, i, m, lrts, pools),
        }
    }
    markets
}

fn validate_pooled(
    c: &mut Checker,
    s: &Scenario,
    i: usize,
    m: &MarketConfig,
    lrts: &BTreeSet<String>,
    pools: &BTreeSet<String>,
) {
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
        c.push(p("reserves"), "a pooled market needs at least one reserve ([[markets.reserves]] with asset = \"ETH\", \"USD\" or an LRT id)");
    }
    let mut assets = BTreeSet::new();
    for (k, r) in m.reserves.iter().enumerate() {
        let q = |f: &str| format!("markets[{i}].reserves[{k}].{f}");
        let a = r.asset.as_str();
        if a != ASSET_ETH && a != ASSET_USD && !lrts.contains(a) {
            let known: Vec<&str> = lrts.iter().map(String::as_str).collect();
            c.push(q("asset"), format!("must be \"ETH\", \"USD\" or an LRT id ([{}]), got `{a}`", known.join(", ")));
        }
        if !assets.insert(a.to_string()) {
            c.push(q("asset"), format!("`{a}` is listed twice in this market"));
        }
        c.range(q("liquidation_threshold"), r.liquidation_threshold, 0.0, 1.0, false, true);
        c.range(q("ltv"), r.ltv, 0.0, 1.0, false, true);
        if r.ltv > r.liquidation_threshold {
            c.push(q("ltv"), format!("must be <= liquidation_threshold ({}), got {}", r.liquidation_threshold, r.ltv));
        }
        c.range(q("liquidation_bonus"), r.liquidation_bonus, 0.0, 1.0, false, true);
        if r.liquidation_threshold * (1.0 + r.liquidation_bonus) > 1.0 {
            c.push(
                q("liquidation_bonus"),
                format!(
                    "liquidation_threshold x (1 + liquidation_bonus) must be <= 1 (Aave's rule), got {}",
                    r.liquidation_threshold * (1.0 + r.liquidation_bonus)
                ),
            );
        }
        c.range(q("liquidation_protocol_fee"), r.liquidation_protocol_fee, 0.0, 1.0, false, false);
        for (f, cap) in [("supply_cap", r.supply_cap), ("borrow_cap", r.borrow_cap)] {
            if let Some(v) = cap {
                c.range(q(f), v, 0.0, f64::INFINITY, false, true);
            }
        }
        if r.borrowing_enabled && a != ASSET_ETH && a != ASSET_USD {
            c.push(q("borrowing_enabled"), "only ETH and USD can be borrowed in this model");
        }
        check_irm(c, &q("irm"), &r.irm, 0.99);
        c.range(q("idle_supply"), r.idle_supply, 0.0, f64::INFINITY, false, true);
        match (&r.oracle, priced(a)) {
            (Some(o), asset) => check_oracle(c, s, &q("oracle"), o, asset, pools),
            (None, Priced::Lrt(_)) => {
                c.push(q("oracle"), "an LRT reserve needs an `oracle` (pool-spot, twap, exchange-rate or fixed)")
            }
            (None, _) => {}
        }
    }
    let mut labels = BTreeSet::new();
    for (k, e) in m.emodes.iter().enumerate() {
        let q = |f: &str| format!("markets[{i}].emodes[{k}].{f}");
        if e.label.trim().is_empty() || !labels.insert(e.label.clone()) {
            c.push(q("label"), "must be a non-empty label, unique in the market");
        }
        let (ltv, lt, bonus) = e.resolved();
        match (ltv, lt, bonus) {
            (Some(ltv), Some(lt), Some(bonus)) => {
                c.range(q("liquidation_threshold"), lt, 0.0, 1.0, true, true);
                c.range(q("ltv"), ltv, 0.0, 1.0, true, true);
                if ltv > lt {
                    c.push(q("ltv"), format!("must be <= liquidation_threshold ({lt}), got {ltv}"));
                }
                c.range(q("liquidation_bonus"), bonus, 0.0, 1.0, false, true);
                if lt * (1.0 + bonus) > 1.0 {
                    c.push(q("liquidation_bonus"), "liquidation_threshold x (1 + liquidation_bonus) must be <= 1");
                }
            }
            _ => c.push(
                q("preset"),
                "set `preset = \"eth-correlated\"` or all of ltv, liquidation_threshold and liquidation_bonus",
            ),
        }
        for (f, list) in [("collateral", &e.collateral), ("borrowable", &e.borrowable)] {
            for (j, a) in list.iter().enumerate() {
                if !assets.contains(a) {
                    c.push(
                        format!("markets[{i}].emodes[{k}].{f}[{j}]"),
                        format!("`{a}` is not a reserve of this market"),
                    );
                }
            }
        }
    }
    if let Some(v) = m.close_factor {
        c.range(p("close_factor"), v, 0.0, 1.0, true, false);
    }
    if let Some(v) = m.close_factor_hf_threshold {
        c.range(p("close_factor_hf_threshold"), v, 0.0, 1.0, false, false);
    }
    for (f, v) in [("small_position_usd", m.small_position_usd), ("min_leftover_usd", m.min_leftover_usd)] {
        if let Some(v) = v {
            c.range(p(f), v, 0.0, f64::INFINITY, false, true);
        }
    }
}

fn reserve<'a>(m: &'a MarketConfig, asset: &str) -> Option<&'a ReserveConfig> {
    m.reserves.iter().find(|r| r.asset == asset)
}

/// The market a retail cohort's loopers borrow on: it must lend ETH against the cohort's LRT.
pub(super) fn validate_retail_market(
    c: &mut Checker,
    s: &Scenario,
    i: usize,
    r: &RetailCohortConfig,
    markets: &BTreeSet<String>,
) {
    let p = |f: &str| format!("retail[{i}].{f}");
    match &r.market {
        Some(m) => {
            if !c.exists(p("market"), m, markets, "market") {
                return;
            }
            let mk = s.markets.iter().find(|x| &x.id == m).expect("checked");
            match mk.kind {
                MarketKind::Isolated => {
                    if let Some(coll) = &mk.collateral
                        && coll != &r.lrt
                    {
                        c.push(
                            p("market"),
                            format!("market `{m}` takes `{coll}` as collateral, not the cohort's LRT `{}`", r.lrt),
                        );
                    }
                    if r.emode.is_some() {
                        c.push(p("emode"), "e-mode exists on pooled markets only");
                    }
                }
                MarketKind::Pooled => {
                    match reserve(mk, &r.lrt) {
                        Some(res) if res.liquidation_threshold > 0.0 => {}
                        _ => c.push(
                            p("market"),
                            format!(
                                "market `{m}` has no reserve of `{}` usable as collateral (liquidation_threshold > 0)",
                                r.lrt
                            ),
                        ),
                    }
                    if !reserve(mk, ASSET_ETH).is_some_and(|x| x.borrowing_enabled) {
                        c.push(
                            p("market"),
                            format!(
                                "market `{m}` has no ETH reserve with borrowing_enabled = true for loopers to borrow"
                            ),
                        );
                    }
                    if let Some(label) = &r.emode {
                        match mk.emodes.iter().find(|e| &e.label == label) {
                            None => {
                                let known: Vec<&str> = mk.emodes.iter().map(|e| e.label.as_str()).collect();
                                c.push(
                                    p("emode"),
                                    format!("market `{m}` has no e-mode `{label}`; defined: [{}]", known.join(", ")),
                                );
                            }
                            Some(e) => {
                                if !e.collateral.contains(&r.lrt) || !e.borrowable.iter().any(|a| a == ASSET_ETH) {
                                    c.push(
                                        p("emode"),
                                        format!(
                                            "e-mode `{label}` must list `{}` as collateral and ETH as borrowable",
                                            r.lrt
                                        ),
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        None if r.looper_share > 0.0 => {
            c.push(p("market"), "loopers need a market to borrow on (set `market` or looper_share = 0)")
        }
        None => {
            if r.emode.is_some() {
                c.push(p("emode"), "e-mode needs a pooled `market`");
            }
        }
    }
}

/// `[[borrowers]]`: ETH-collateral USD borrowers on pooled markets.
pub(super) fn validate_borrowers(c: &mut Checker, s: &Scenario, markets: &BTreeSet<String>) {
    c.unique_ids("borrowers", s.borrowers.iter().map(|b| b.id.as_str()));
    for (i, b) in s.borrowers.iter().enumerate() {
        let p = |f: &str| format!("borrowers[{i}].{f}");
        if !(1..=MAX_AGENTS).contains(&b.agents) {
            c.push(p("agents"), format!("must be in [1, {MAX_AGENTS}], got {}", b.agents));
        }
        if c.exists(p("market"), &b.market, markets, "market") {
            let mk = s.markets.iter().find(|x| x.id == b.market).expect("checked");
            if mk.kind != MarketKind::Pooled {
                c.push(
                    p("market"),
                    format!("market `{}` is isolated; ETH-collateral USD borrowers need a pooled market", b.market),
                );
            } else {
                if !reserve(mk, ASSET_ETH).is_some_and(|x| x.liquidation_threshold > 0.0 && x.ltv > 0.0) {
                    c.push(
                        p("market"),
                        format!("market `{}` needs an ETH reserve with ltv and liquidation_threshold > 0", b.market),
                    );
                }
                if !reserve(mk, ASSET_USD).is_some_and(|x| x.borrowing_enabled) {
                    c.push(
                        p("market"),
                        format!("market `{}` needs a USD reserve with borrowing_enabled = true", b.market),
                    );
                }
            }
        }
        c.range(p("wealth_total"), b.wealth_total, 0.0, f64::INFINITY, true, true);
        c.range(p("wealth_sigma"), b.wealth_sigma, 0.0, 5.0, false, false);
        c.dist(&p("target_health_factor"), &b.target_health_factor, 1.0 + 1e-9, 100.0);
        c.dist(&p("deleverage_at"), &b.deleverage_at, 0.0, 1.0);
        c.dist(&p("panic_loss"), &b.panic_loss, 0.0, 10.0);
        c.range(p("attention_per_day"), b.attention_per_day, 0.0, 1440.0, true, false);
    }
    if s.retail.len() + s.borrowers.len() > u16::MAX as usize {
        c.push("borrowers", format!("at most {} cohorts in [[retail]] and [[borrowers]] together", u16::MAX));
    }
}
