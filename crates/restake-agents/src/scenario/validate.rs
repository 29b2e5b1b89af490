//! Validation of a parsed scenario: ranges, cross references, consistency.
//!
//! Every problem is reported with the config path of the field (e.g. `markets[0].lltv`) so the
//! CLI can point at the file and line, and with the allowed values.

use super::*;
use std::collections::BTreeSet;

mod markets;

/// One problem in a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    /// Config path of the offending field, e.g. `markets[0].lltv` or `lrts[1].delegations.op-x`.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Smallest and largest step lengths (DESIGN.md §3: one minute to one day).
pub const MIN_STEP_SECONDS: u64 = 60;
pub const MAX_STEP_SECONDS: u64 = 86_400;
/// Guard against runs that could never finish or exhaust memory by mistake.
pub const MAX_STEPS: u64 = 10_000_000;
pub const MAX_AGENTS: u32 = 50_000_000;

struct Checker {
    issues: Vec<Issue>,
}

impl Checker {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.issues.push(Issue { path: path.into(), message: message.into() });
    }

    /// `lo <= v <= hi` (or strict at either end), with the allowed range in the message.
    fn range(&mut self, path: impl Into<String>, v: f64, lo: f64, hi: f64, lo_open: bool, hi_open: bool) {
        let ok = v.is_finite() && if lo_open { v > lo } else { v >= lo } && if hi_open { v < hi } else { v <= hi };
        if !ok {
            let l = if lo_open { "(" } else { "[" };
            let h = if hi_open { ")" } else { "]" };
            let hi_s = if hi.is_infinite() { "inf".to_string() } else { hi.to_string() };
            self.push(path, format!("must be in {l}{lo}, {hi_s}{h}, got {v}"));
        }
    }

    fn dist(&mut self, path: &str, d: &Dist, lo: f64, hi: f64) {
        match d.sampler() {
            Err(e) => self.push(path, e),
            Ok(_) => {
                let (a, b) = d.support();
                if a < lo || b > hi {
                    self.push(path, format!("values must lie in [{lo}, {hi}], but this distribution spans [{a}, {b}]"));
                }
            }
        }
    }

    /// Delegation weights at `{base}.delegations`: known operators on `protocol`, weights in
    /// [0, 1] summing to 1.
    fn delegations(
        &mut self,
        base: &str,
        delegations: &std::collections::BTreeMap<String, f64>,
        protocol: &str,
        operators: &BTreeSet<String>,
        s: &Scenario,
    ) {
        let mut total = 0.0;
        for (op, &w) in delegations {
            let path = format!("{base}.delegations.{op}");
            if self.exists(path.clone(), op, operators, "operator") {
                let o = s.operators.iter().find(|o| &o.id == op).expect("checked");
                if o.protocol != protocol {
                    self.push(
                        path.clone(),
                        format!("operator `{op}` restakes on `{}`, not on `{protocol}`", o.protocol),
                    );
                }
            }
            self.range(path, w, 0.0, 1.0, false, false);
            total += w;
        }
        if (total - 1.0).abs() > 1e-6 {
            self.push(format!("{base}.delegations"), format!("delegation weights must sum to 1, got {total}"));
        }
    }

    fn unique_ids<'a>(&mut self, section: &str, ids: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        for (i, id) in ids.enumerate() {
            if id.is_empty() {
                self.push(format!("{section}[{i}].id"), "must not be empty");
            } else if !seen.insert(id.to_string()) {
                self.push(format!("{section}[{i}].id"), format!("`{id}` is used twice in [[{section}]]"));
            }
        }
        seen
    }

    fn exists(&mut self, path: impl Into<String>, id: &str, set: &BTreeSet<String>, what: &str) -> bool {
        if set.contains(id) {
            return true;
        }
        let known: Vec<&str> = set.iter().map(String::as_str).collect();
        self.push(path, format!("no {what} named `{id}`; defined: [{}]", known.join(", ")));
        false
    }
}

/// Checks everything that can be checked without building the world.
pub fn validate(s: &Scenario) -> Result<(), Vec<Issue>> {
    let mut c = Checker { issues: Vec::new() };
    if s.name.trim().is_empty() {
        c.push("name", "must not be empty");
    }
    let step = s.time.step.0.as_secs();
    if s.time.step.0.subsec_nanos() != 0 || !(MIN_STEP_SECONDS..=MAX_STEP_SECONDS).contains(&step) {
        c.push("time.step", format!("must be a whole number of seconds from 1m to 1d, got {}", s.time.step));
    }
    let duration = s.time.duration.seconds();
    if step > 0 {
        let steps = duration / step as f64;
        if steps < 1.0 || steps > MAX_STEPS as f64 {
            c.push("time.duration", format!("must cover 1 to {MAX_STEPS} steps of {}, got {steps:.1}", s.time.step));
        }
    }
    if !(1..=100_000).contains(&s.engine.max_liquidation_rounds) {
        c.push(
            "engine.max_liquidation_rounds",
            format!("must be in [1, 100000], got {}", s.engine.max_liquidation_rounds),
        );
    }

    c.range("eth.usd", s.eth.usd, 0.0, f64::INFINITY, true, true);
    match &s.eth.path {
        EthPath::Gbm { drift, volatility, jumps_per_year, jump_mean, jump_std } => {
            c.range("eth.path.drift", *drift, -5.0, 5.0, false, false);
            c.range("eth.path.volatility", *volatility, 0.0, 5.0, false, false);
            c.range("eth.path.jumps_per_year", *jumps_per_year, 0.0, 1000.0, false, false);
            c.range("eth.path.jump_mean", *jump_mean, -5.0, 5.0, false, false);
            c.range("eth.path.jump_std", *jump_std, 0.0, 5.0, false, false);
        }
        EthPath::Scripted { points } => {
            if points.is_empty() {
                c.push("eth.path.points", "needs at least one [hours, usd] point");
            }
            for (i, p) in points.iter().enumerate() {
                c.range(format!("eth.path.points[{i}]"), p[1], 0.0, f64::INFINITY, true, true);
                if i > 0 && !(p[0] > points[i - 1][0]) {
                    c.push(format!("eth.path.points[{i}]"), "hours must increase strictly from point to point");
                }
            }
        }
        EthPath::Bridge { drawdown, at, volatility } => {
            c.range("eth.path.drawdown", *drawdown, -1.0, 1.0, false, true);
            c.range("eth.path.volatility", *volatility, 0.0, 5.0, false, false);
            if at.seconds() <= 0.0 || at.seconds() > duration {
                c.push(
                    "eth.path.at",
                    format!("must be after the start and within time.duration ({})", s.time.duration),
                );
            }
        }
    }
    c.range("beacon.staking_apr", s.beacon.staking_apr, 0.0, 0.5, false, false);
    c.range("beacon.exit_churn_eth_per_day", s.beacon.exit_churn_eth_per_day, 0.0, f64::INFINITY, true, true);
    c.range("beacon.exit_queue_eth", s.beacon.exit_queue_eth, 0.0, f64::INFINITY, false, true);
    c.range("beacon.total_active_eth", s.beacon.total_active_eth, 0.0, f64::INFINITY, true, true);
    c.range("beacon.slashed_in_window_eth", s.beacon.slashed_in_window_eth, 0.0, f64::INFINITY, false, true);
    c.range("faults.common_events_per_year", s.faults.common_events_per_year, 0.0, 1000.0, false, false);
    if s.security.check_every.seconds() < s.time.step.seconds() {
        c.push("security.check_every", format!("must be at least one step ({})", s.time.step));
    }

    let protocols = c.unique_ids("restaking_protocols", s.restaking_protocols.iter().map(|p| p.id.as_str()));
    for (i, p) in s.restaking_protocols.iter().enumerate() {
        match p.rules() {
            Err(e) => c.push(format!("restaking_protocols[{i}]"), e),
            Ok(r) => {
                if r.fixed_delay.is_some_and(|d| d > 365.0 * 86_400.0) {
                    c.push(format!("restaking_protocols[{i}].withdrawal_delay"), "must be at most 365 days");
                }
                if r.epoch.is_some_and(|e| !(3600.0..=60.0 * 86_400.0).contains(&e)) {
                    c.push(format!("restaking_protocols[{i}].epoch"), "must be from 1h to 60d");
                }
                if r.veto_window > 30.0 * 86_400.0 {
                    c.push(format!("restaking_protocols[{i}].veto_window"), "must be at most 30 days");
                }
            }
        }
    }
    let avss = c.unique_ids("avss", s.avss.iter().map(|a| a.id.as_str()));
    for (i, a) in s.avss.iter().enumerate() {
        c.range(format!("avss[{i}].fee_apr"), a.fee_apr, 0.0, 1.0, false, false);
        c.range(format!("avss[{i}].incentive_apr"), a.incentive_apr, 0.0, 10.0, false, false);
        c.range(format!("avss[{i}].fault_hazard_per_year"), a.fault_hazard_per_year, 0.0, 1000.0, false, false);
        c.range(format!("avss[{i}].slash_fraction"), a.slash_fraction, 0.0, 1.0, false, false);
        c.range(format!("avss[{i}].veto_probability"), a.veto_probability, 0.0, 1.0, false, false);
        c.range(format!("avss[{i}].common_fault_loading"), a.common_fault_loading, 0.0, 1.0, false, false);
        if a.incentive_half_life.is_some_and(|h| h.seconds() <= 0.0) {
            c.push(format!("avss[{i}].incentive_half_life"), "must be positive");
        }
        if let Some(p) = a.profit_from_corruption {
            c.range(format!("avss[{i}].profit_from_corruption"), p, 0.0, f64::INFINITY, false, true);
        }
        if let Some(t) = a.attack_threshold {
            c.range(format!("avss[{i}].attack_threshold"), t, 0.0, 1.0, true, false);
        }
    }
    let operators = c.unique_ids("operators", s.operators.iter().map(|o| o.id.as_str()));
    for (i, o) in s.operators.iter().enumerate() {
        c.exists(format!("operators[{i}].protocol"), &o.protocol, &protocols, "restaking protocol");
        c.range(format!("operators[{i}].commission"), o.commission, 0.0, 1.0, false, false);
        c.range(format!("operators[{i}].fault_hazard_per_year"), o.fault_hazard_per_year, 0.0, 1000.0, false, false);
        let mut total = 0.0;
        for (avs, &m) in &o.allocations {
            c.exists(format!("operators[{i}].allocations.{avs}"), avs, &avss, "AVS");
            c.range(format!("operators[{i}].allocations.{avs}"), m, 0.0, 1.0, false, false);
            total += m;
        }
        if total > 1.0 + 1e-9 {
            c.push(
                format!("operators[{i}].allocations"),
                format!("allocations may sum to at most 1 (unique stake), got {total}"),
            );
        }
    }
    let lrts = c.unique_ids("lrts", s.lrts.iter().map(|l| l.id.as_str()));
    for (i, l) in s.lrts.iter().enumerate() {
        c.exists(format!("lrts[{i}].protocol"), &l.protocol, &protocols, "restaking protocol");
        c.range(format!("lrts[{i}].nav"), l.nav, 0.0, 100.0, true, false);
        c.range(format!("lrts[{i}].passive_supply"), l.passive_supply, 0.0, f64::INFINITY, false, true);
        c.range(format!("lrts[{i}].buffer_fraction"), l.buffer_fraction, 0.0, 1.0, false, false);
        c.range(format!("lrts[{i}].instant_withdrawal_fee"), l.instant_withdrawal_fee, 0.0, 1.0, false, true);
        c.range(format!("lrts[{i}].protocol_fee"), l.protocol_fee, 0.0, 1.0, false, true);
        if l.delegations.is_empty() && l.buffer_fraction < 1.0 {
            c.push(
                format!("lrts[{i}].delegations"),
                "must delegate to at least one operator (or set buffer_fraction = 1)",
            );
        }
        if !l.delegations.is_empty() {
            c.delegations(&format!("lrts[{i}]"), &l.delegations, &l.protocol, &operators, s);
        }
    }
    let pools = c.unique_ids("pools", s.pools.iter().map(|p| p.id.as_str()));
    for (i, p) in s.pools.iter().enumerate() {
        c.exists(format!("pools[{i}].lrt"), &p.lrt, &lrts, "LRT");
        match (p.kind, p.amp) {
            (PoolKind::Stableswap, Some(a)) => c.range(format!("pools[{i}].amp"), a, 0.0, 1e6, true, false),
            (PoolKind::Stableswap, None) => {
                c.push(format!("pools[{i}].amp"), "a stableswap pool needs `amp` (the on-chain A, e.g. 50)")
            }
            (PoolKind::ConstantProduct, Some(_)) => {
                c.push(format!("pools[{i}].amp"), "a constant-product pool has no amplification; remove `amp`")
            }
            (PoolKind::ConstantProduct, None) => {}
        }
        c.range(format!("pools[{i}].fee"), p.fee, 0.0, 0.1, false, true);
        c.range(format!("pools[{i}].eth"), p.eth, 0.0, f64::INFINITY, true, true);
        c.range(format!("pools[{i}].lrt_reserve"), p.lrt_reserve, 0.0, f64::INFINITY, true, true);
    }
    let markets = markets::validate_markets(&mut c, s, &lrts, &pools);
    markets::validate_borrowers(&mut c, s, &markets);
    c.unique_ids("retail", s.retail.iter().map(|r| r.id.as_str()));
    for (i, r) in s.retail.iter().enumerate() {
        let p = |f: &str| format!("retail[{i}].{f}");
        if !(1..=MAX_AGENTS).contains(&r.agents) {
            c.push(p("agents"), format!("must be in [1, {MAX_AGENTS}], got {}", r.agents));
        }
        c.exists(p("lrt"), &r.lrt, &lrts, "LRT");
        c.range(p("wealth_total"), r.wealth_total, 0.0, f64::INFINITY, true, true);
        c.range(p("wealth_sigma"), r.wealth_sigma, 0.0, 5.0, false, false);
        c.range(p("looper_share"), r.looper_share, 0.0, 1.0, false, false);
        markets::validate_retail_market(&mut c, s, i, r, &markets);
        c.dist(&p("target_health_factor"), &r.target_health_factor, 1.0 + 1e-9, 100.0);
        c.dist(&p("deleverage_at"), &r.deleverage_at, 0.0, 1.0);
        c.dist(&p("panic_loss"), &r.panic_loss, 0.0, 10.0);
        c.dist(&p("herd_sensitivity"), &r.herd_sensitivity, 0.0, 10.0);
        c.dist(&p("queue_discount_rate"), &r.queue_discount_rate, 0.0, 100.0);
        c.dist(&p("slippage_tolerance"), &r.slippage_tolerance, 0.0, 1.0);
        c.range(p("attention_per_day"), r.attention_per_day, 0.0, 1440.0, true, false);
    }
    c.unique_ids("liquidators", s.liquidators.iter().map(|l| l.id.as_str()));
    for (i, l) in s.liquidators.iter().enumerate() {
        if l.count > 10_000 {
            c.push(format!("liquidators[{i}].count"), format!("must be in [0, 10000], got {}", l.count));
        }
        c.range(format!("liquidators[{i}].capital"), l.capital, 0.0, f64::INFINITY, false, true);
        c.range(format!("liquidators[{i}].gas_eth"), l.gas_eth, 0.0, 100.0, false, false);
        c.range(format!("liquidators[{i}].min_profit"), l.min_profit, 0.0, f64::INFINITY, false, true);
        c.range(format!("liquidators[{i}].carry_rate"), l.carry_rate, 0.0, 10.0, false, false);
    }
    c.unique_ids("arbitrageurs", s.arbitrageurs.iter().map(|a| a.id.as_str()));
    for (i, a) in s.arbitrageurs.iter().enumerate() {
        if a.count > 10_000 {
            c.push(format!("arbitrageurs[{i}].count"), format!("must be in [0, 10000], got {}", a.count));
        }
        c.range(format!("arbitrageurs[{i}].capital"), a.capital, 0.0, f64::INFINITY, false, true);
        c.range(format!("arbitrageurs[{i}].carry_rate"), a.carry_rate, 0.0, 10.0, false, false);
    }
    for (i, sh) in s.shocks.iter().enumerate() {
        let p = |f: &str| format!("shocks[{i}].{f}");
        if sh.at().seconds() >= duration {
            c.push(p("at"), format!("must be before the end of the run ({}), got {}", s.time.duration, sh.at()));
        }
        match sh {
            ShockConfig::Slash { avs, fraction, .. } => {
                c.exists(p("avs"), avs, &avss, "AVS");
                c.range(p("fraction"), *fraction, 0.0, 1.0, false, false);
            }
            ShockConfig::EthCrash { fraction, .. } => c.range(p("fraction"), *fraction, 0.0, 1.0, false, true),
            ShockConfig::PoolSell { pool, lrt_amount, .. } => {
                c.exists(p("pool"), pool, &pools, "pool");
                c.range(p("lrt_amount"), *lrt_amount, 0.0, f64::INFINITY, true, true);
            }
            ShockConfig::Redemptions { lrt, .. } => {
                c.exists(p("lrt"), lrt, &lrts, "LRT");
            }
            ShockConfig::CorrelatedSlash { avss: list, fraction, .. } => {
                if list.is_empty() {
                    c.push(p("avss"), "list at least one AVS");
                }
                for (k, a) in list.iter().enumerate() {
                    c.exists(format!("shocks[{i}].avss[{k}]"), a, &avss, "AVS");
                }
                c.range(p("fraction"), *fraction, 0.0, 1.0, false, false);
            }
            ShockConfig::Exploit { lrt, stolen_fraction, minted, .. } => {
                c.exists(p("lrt"), lrt, &lrts, "LRT");
                c.range(p("stolen_fraction"), *stolen_fraction, 0.0, 1.0, false, false);
                c.range(p("minted"), *minted, 0.0, f64::INFINITY, false, true);
                if *stolen_fraction == 0.0 && *minted == 0.0 {
                    c.push(p("stolen_fraction"), "an exploit needs stolen_fraction > 0 or minted > 0");
                }
            }
            ShockConfig::BeaconSlash { operator, validators, .. } => {
                c.exists(p("operator"), operator, &operators, "operator");
                c.range(p("validators"), *validators, 0.0, 1.0, false, false);
            }
        }
    }
    c.unique_ids("native_restakers", s.native_restakers.iter().map(|n| n.id.as_str()));
    for (i, n) in s.native_restakers.iter().enumerate() {
        let p = |f: &str| format!("native_restakers[{i}].{f}");
        c.exists(p("protocol"), &n.protocol, &protocols, "restaking protocol");
        c.range(p("stake"), n.stake, 0.0, f64::INFINITY, true, true);
        c.delegations(&format!("native_restakers[{i}]"), &n.delegations, &n.protocol, &operators, s);
    }
    if s.security.operator_attacks {
        for (i, a) in s.avss.iter().enumerate() {
            if a.profit_from_corruption.is_none() || a.attack_threshold.is_none() {
                c.push(
                    format!("avss[{i}]"),
                    "security.operator_attacks needs profit_from_corruption and attack_threshold on every AVS",
                );
            }
        }
    }
    if c.issues.is_empty() { Ok(()) } else { Err(c.issues) }
}
