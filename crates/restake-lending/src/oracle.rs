//! Price oracles for lending markets.
//!
//! The oracle is the switch that decides whether a DEX depeg becomes liquidations: a market-price
//! oracle (pool spot or TWAP) passes a depeg straight into health factors, an exchange-rate oracle
//! (the LRT's NAV) ignores it and only moves on slashing or rewards. So the oracle is a first-class,
//! per-market parameter here, with the failure modes risk teams ask about: a delayed feed
//! (`delay_steps`), a feed that stops updating (`stale_after`, or [`OracleState::set_frozen`] from a
//! shock), and a misconfigured one ([`OracleState::set_override`]).
//!
//! One [`OracleState`] is updated once per simulation step with the pool spot price, the NAV
//! (exchange rate), the step number and the step length, and returns the price the market uses.
//! Its ring buffers are allocated once in [`OracleState::new`]; `update` never allocates.
//!
//! Kinds:
//! * `PoolSpot`: the market price observed this step (AMM spot, or any exogenous market price the
//!   caller passes, e.g. `1 / eth_usd` for a USD stablecoin).
//! * `Twap { window_steps }`: arithmetic mean of the last `window_steps` spot observations
//!   (including this step's). Uniswap v3 averages ticks, i.e. a geometric mean; for the
//!   few-percent moves that matter here the two differ by second-order terms. Before the window has
//!   filled, the mean is over the observations so far.
//! * `ExchangeRate { max_growth_per_year }`: the NAV, optionally capped like Aave's CAPO adapters
//!   (bgd-labs/aave-capo, `PriceCapAdapterBase.latestAnswer`): `maxRatio = snapshotRatio +
//!   maxRatioGrowthPerSecond * (now - snapshotTimestamp)`, i.e. linear growth from a snapshot, and
//!   the reported ratio is `min(current, maxRatio)`. The snapshot is the first NAV seen. The cap
//!   only bounds *upward* moves (an exploit minting NAV); slashing passes through at once.
//! * `Fixed(p)`: a hard-coded price (e.g. 1.0 for "LRT = ETH" oracles, or WETH itself).

use crate::{LendingError, check_dt, check_price, first_issue, param_err};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OracleKind {
    PoolSpot,
    Twap { window_steps: usize },
    ExchangeRate { max_growth_per_year: Option<f64> },
    Fixed(f64),
}

/// Oracle configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OracleParams {
    pub kind: OracleKind,
    /// Report the value computed this many steps ago (0 = current). Models heartbeat / deviation
    /// lags of push oracles. Before enough history exists, the oldest value is reported.
    pub delay_steps: usize,
    /// From this step on the feed stops updating and keeps reporting the last value it reported
    /// before this step (a dead feed).
    pub stale_after: Option<u64>,
}

/// Longest TWAP window / delay accepted, to keep a typo from allocating gigabytes.
const MAX_BUFFER_STEPS: usize = 10_000_000;

impl OracleParams {
    pub fn new(kind: OracleKind) -> Self {
        OracleParams { kind, delay_steps: 0, stale_after: None }
    }

    /// The first of [`OracleParams::issues`], or `Ok`.
    pub fn validate(&self) -> Result<(), LendingError> {
        first_issue(self.issues())
    }

    /// Every problem with the configuration (field paths start with `oracle.`): the kind's own
    /// parameter, then `delay_steps`.
    pub fn issues(&self) -> Vec<LendingError> {
        let mut out = Vec::new();
        match self.kind {
            OracleKind::PoolSpot => {}
            OracleKind::Twap { window_steps } => {
                if window_steps == 0 || window_steps > MAX_BUFFER_STEPS {
                    out.push(param_err("oracle.kind.twap.window_steps", "in [1, 10000000]", window_steps as f64));
                }
            }
            OracleKind::ExchangeRate { max_growth_per_year: Some(g) } => {
                if !(g.is_finite() && g >= 0.0) {
                    out.push(param_err(
                        "oracle.kind.exchange_rate.max_growth_per_year",
                        "finite and >= 0 (a fraction per year)",
                        g,
                    ));
                }
            }
            OracleKind::ExchangeRate { max_growth_per_year: None } => {}
            OracleKind::Fixed(p) => {
                if !(p.is_finite() && p > 0.0) {
                    out.push(param_err("oracle.kind.fixed", "finite and > 0", p));
                }
            }
        }
        if self.delay_steps > MAX_BUFFER_STEPS {
            out.push(param_err("oracle.delay_steps", "in [0, 10000000]", self.delay_steps as f64));
        }
        out
    }
}

/// Fixed-capacity ring buffer of f64, allocated once.
#[derive(Debug, Clone)]
struct Ring {
    buf: Vec<f64>,
    /// Index of the next write.
    head: usize,
    len: usize,
}

impl Ring {
    fn new(capacity: usize) -> Self {
        Ring { buf: vec![0.0; capacity.max(1)], head: 0, len: 0 }
    }

    #[inline]
    fn push(&mut self, x: f64) {
        let cap = self.buf.len();
        self.buf[self.head] = x;
        self.head = (self.head + 1) % cap;
        if self.len < cap {
            self.len += 1;
        }
    }

    /// The value pushed `k` pushes ago (0 = latest), or the oldest one kept if fewer exist.
    #[inline]
    fn back(&self, k: usize) -> f64 {
        debug_assert!(self.len > 0);
        let cap = self.buf.len();
        let k = k.min(self.len - 1);
        self.buf[(self.head + cap - 1 - k) % cap]
    }

    /// Mean of the stored values, summed oldest to newest so the result does not depend on where
    /// the head happens to be.
    fn mean(&self) -> f64 {
        let mut s = 0.0;
        for k in (0..self.len).rev() {
            s += self.back(k);
        }
        s / self.len as f64
    }
}

/// Running state of one oracle.
#[derive(Debug, Clone)]
pub struct OracleState {
    params: OracleParams,
    /// Spot observations for the TWAP (capacity = window).
    spots: Ring,
    /// Fresh (undelayed) values, capacity = delay + 1.
    fresh: Ring,
    /// CAPO snapshot ratio and the years elapsed since it.
    snapshot: Option<f64>,
    years_since_snapshot: f64,
    /// A snapshot was just set: the next update reads it as set (its age does not grow yet).
    snapshot_fresh: bool,
    reported: Option<f64>,
    frozen: bool,
    override_price: Option<f64>,
}

impl OracleState {
    pub fn new(params: OracleParams) -> Result<Self, LendingError> {
        params.validate()?;
        let window = match params.kind {
            OracleKind::Twap { window_steps } => window_steps,
            _ => 1,
        };
        Ok(OracleState {
            params,
            spots: Ring::new(window),
            fresh: Ring::new(params.delay_steps + 1),
            snapshot: None,
            years_since_snapshot: 0.0,
            snapshot_fresh: false,
            reported: None,
            frozen: false,
            override_price: None,
        })
    }

    pub fn params(&self) -> &OracleParams {
        &self.params
    }

    /// Advance one step. `spot` is this step's market price, `nav` the exchange rate (both ignored
    /// by kinds that do not use them, so pass anything positive), `step` the step index, `dt_years`
    /// the time since the previous update. Returns the price markets should use this step.
    pub fn update(&mut self, spot: f64, nav: f64, step: u64, dt_years: f64) -> Result<f64, LendingError> {
        check_dt(dt_years)?;
        let fresh = match self.params.kind {
            OracleKind::PoolSpot => {
                check_price("oracle spot", spot)?;
                spot
            }
            OracleKind::Twap { .. } => {
                check_price("oracle spot", spot)?;
                self.spots.push(spot);
                self.spots.mean()
            }
            OracleKind::ExchangeRate { max_growth_per_year } => {
                check_price("oracle nav", nav)?;
                match max_growth_per_year {
                    None => nav,
                    Some(g) => {
                        let snap = match self.snapshot {
                            Some(s) => {
                                if !std::mem::take(&mut self.snapshot_fresh) {
                                    self.years_since_snapshot += dt_years;
                                }
                                s
                            }
                            None => {
                                self.snapshot = Some(nav);
                                self.years_since_snapshot = 0.0;
                                nav
                            }
                        };
                        let cap = snap * (1.0 + g * self.years_since_snapshot);
                        nav.min(cap)
                    }
                }
            }
            OracleKind::Fixed(p) => p,
        };
        self.fresh.push(fresh);
        let delayed = self.fresh.back(self.params.delay_steps);

        let stale = self.frozen || self.params.stale_after.is_some_and(|s| step >= s);
        let out = match (stale, self.reported) {
            (true, Some(last)) => last,
            _ => delayed,
        };
        self.reported = Some(out);
        Ok(self.override_price.unwrap_or(out))
    }

    /// The price reported by the last `update` (the override if one is set); `None` before the
    /// first update.
    pub fn price(&self) -> Option<f64> {
        self.override_price.or(self.reported)
    }

    /// Freeze (true) or unfreeze the feed at run time, e.g. from an "oracle failure" shock. While
    /// frozen the last reported value is repeated; history keeps accumulating so that a TWAP resumes
    /// correctly.
    pub fn set_frozen(&mut self, frozen: bool) {
        self.frozen = frozen;
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen
    }

    /// Sets a growth-capped exchange-rate oracle's snapshot (Aave CAPO `setCapParameters`): the
    /// cap becomes `ratio x (1 + max_growth_per_year x years)`, `years` after the snapshot now
    /// (the next update reports it so), growing from there. An error for any other kind.
    pub fn set_snapshot(&mut self, ratio: f64, years_since: f64) -> Result<(), LendingError> {
        if !matches!(self.params.kind, OracleKind::ExchangeRate { max_growth_per_year: Some(_) }) {
            return Err(LendingError::InvalidConfig {
                field: "oracle.kind".into(),
                message: "only a growth-capped exchange-rate oracle has a snapshot".into(),
            });
        }
        check_price("snapshot ratio", ratio)?;
        check_dt(years_since)?;
        self.snapshot = Some(ratio);
        self.years_since_snapshot = years_since;
        self.snapshot_fresh = true;
        Ok(())
    }

    /// Force the reported price (an "oracle misconfiguration" shock), or clear with `None`.
    pub fn set_override(&mut self, price: Option<f64>) -> Result<(), LendingError> {
        if let Some(p) = price {
            check_price("oracle override", p)?;
        }
        self.override_price = price;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(params: OracleParams, spots: &[f64], navs: &[f64], dt: f64) -> Vec<f64> {
        let mut o = OracleState::new(params).unwrap();
        spots.iter().zip(navs).enumerate().map(|(i, (&s, &n))| o.update(s, n, i as u64, dt).unwrap()).collect()
    }

    #[test]
    fn spot_passes_through() {
        let out = run(OracleParams::new(OracleKind::PoolSpot), &[1.0, 0.9, 0.95], &[1.0; 3], 0.01);
        assert_eq!(out, vec![1.0, 0.9, 0.95]);
    }

    #[test]
    fn twap_over_window() {
        // Window 3 over 1, 2, 3, 4, 5: partial means 1, 1.5, then (1+2+3)/3 = 2, (2+3+4)/3 = 3, 4.
        let p = OracleParams::new(OracleKind::Twap { window_steps: 3 });
        let out = run(p, &[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0; 5], 0.01);
        assert_eq!(out, vec![1.0, 1.5, 2.0, 3.0, 4.0]);
        // A one-step 50% crash moves a 4-step TWAP by 12.5% only.
        let p = OracleParams::new(OracleKind::Twap { window_steps: 4 });
        let out = run(p, &[1.0, 1.0, 1.0, 1.0, 0.5], &[1.0; 5], 0.01);
        assert_eq!(out[4], 0.875);
    }

    #[test]
    fn delay_reports_k_steps_old() {
        let mut p = OracleParams::new(OracleKind::PoolSpot);
        p.delay_steps = 2;
        let out = run(p, &[10.0, 20.0, 30.0, 40.0, 50.0], &[1.0; 5], 0.01);
        // Not enough history for the first two steps: the oldest value is reported.
        assert_eq!(out, vec![10.0, 10.0, 10.0, 20.0, 30.0]);
    }

    #[test]
    fn growth_cap_linear_from_snapshot() {
        // Cap 10%/yr, half-year steps: caps are 1.00, 1.05, 1.10, 1.15 (CAPO linear growth).
        let p = OracleParams::new(OracleKind::ExchangeRate { max_growth_per_year: Some(0.10) });
        let out = run(p, &[1.0; 4], &[1.0, 1.2, 1.2, 0.9], 0.5);
        assert_eq!(out[0], 1.0);
        assert!((out[1] - 1.05).abs() < 1e-15);
        assert!((out[2] - 1.10).abs() < 1e-15);
        // A drop (slashing) passes through at once.
        assert_eq!(out[3], 0.9);
        // Uncapped exchange rate follows the NAV and ignores the spot.
        let p = OracleParams::new(OracleKind::ExchangeRate { max_growth_per_year: None });
        let out = run(p, &[0.5, 0.5], &[1.0, 1.2], 0.5);
        assert_eq!(out, vec![1.0, 1.2]);
    }

    #[test]
    fn stale_feed_stops_updating() {
        let mut p = OracleParams::new(OracleKind::PoolSpot);
        p.stale_after = Some(2);
        let out = run(p, &[1.0, 2.0, 3.0, 4.0], &[1.0; 4], 0.01);
        assert_eq!(out, vec![1.0, 2.0, 2.0, 2.0]);
    }

    #[test]
    fn freeze_and_override_at_run_time() {
        let mut o = OracleState::new(OracleParams::new(OracleKind::Twap { window_steps: 2 })).unwrap();
        assert_eq!(o.update(1.0, 1.0, 0, 0.01).unwrap(), 1.0);
        o.set_frozen(true);
        assert_eq!(o.update(3.0, 1.0, 1, 0.01).unwrap(), 1.0);
        o.set_frozen(false);
        // History kept accumulating: the window is now {3, 5}.
        assert_eq!(o.update(5.0, 1.0, 2, 0.01).unwrap(), 4.0);
        o.set_override(Some(0.1)).unwrap();
        assert_eq!(o.update(5.0, 1.0, 3, 0.01).unwrap(), 0.1);
        assert_eq!(o.price(), Some(0.1));
        o.set_override(None).unwrap();
        assert_eq!(o.price(), Some(5.0));
    }

    #[test]
    fn fixed_and_validation() {
        let out = run(OracleParams::new(OracleKind::Fixed(1.0)), &[0.5], &[2.0], 0.01);
        assert_eq!(out, vec![1.0]);
        let e = OracleParams::new(OracleKind::Twap { window_steps: 0 }).validate().unwrap_err();
        assert_eq!(e.to_string(), "oracle.kind.twap.window_steps must be in [1, 10000000], got 0");
        assert!(OracleParams::new(OracleKind::Fixed(-1.0)).validate().is_err());
        let mut o = OracleState::new(OracleParams::new(OracleKind::PoolSpot)).unwrap();
        assert!(o.update(f64::NAN, 1.0, 0, 0.01).is_err());
        assert!(o.update(1.0, 1.0, 0, -1.0).is_err());
    }

    #[test]
    fn params_built_directly() {
        // What scenario files used to give through serde, now built by the caller (the scenario
        // types in restake-agents are the file schema).
        let p = OracleParams { delay_steps: 1, ..OracleParams::new(OracleKind::Twap { window_steps: 12 }) };
        assert_eq!(p.kind, OracleKind::Twap { window_steps: 12 });
        assert_eq!(p.delay_steps, 1);
        // `new` gives the defaults: no delay, never stale.
        let p = OracleParams::new(OracleKind::PoolSpot);
        assert_eq!(p, OracleParams { kind: OracleKind::PoolSpot, delay_steps: 0, stale_after: None });
    }

    #[test]
    fn issues_lists_kind_and_delay() {
        let p = OracleParams { delay_steps: 20_000_000, ..OracleParams::new(OracleKind::Fixed(-1.0)) };
        let fields: Vec<_> = p.issues().iter().map(|e| e.field().unwrap().to_string()).collect();
        assert_eq!(fields, ["oracle.kind.fixed", "oracle.delay_steps"]);
        assert_eq!(p.validate().unwrap_err(), p.issues()[0]);
        assert!(OracleParams::new(OracleKind::PoolSpot).issues().is_empty());
    }

    #[test]
    fn a_capo_snapshot_update_sets_the_cap_from_then_on() {
        // Aave's wstETH CAPO on 10 March 2026 (bgd-labs/aave-capo, PriceCapAdapterBase): snapshot
        // ratio 1.157209899 x 1.03 = 1.191926 written with a timestamp 7 days old and 9.68%/yr:
        // cap = 1.1919262 x (1 + 0.0968 x 7/365) = 1.1941389, below the live rate 1.2282.
        let p = OracleParams::new(OracleKind::ExchangeRate { max_growth_per_year: Some(0.0968) });
        let mut o = OracleState::new(p).unwrap();
        assert_eq!(o.update(1.0, 1.2282, 0, 0.0).unwrap(), 1.2282, "the first snapshot is the live rate");
        let ratio = 1.157209899495068 * 1.03;
        o.set_snapshot(ratio, 7.0 / 365.0).unwrap();
        let capped = o.update(1.0, 1.2282, 1, 0.0).unwrap();
        assert!((capped - ratio * (1.0 + 0.0968 * 7.0 / 365.0)).abs() < 1e-15);
        assert!((capped - 1.1941389).abs() < 1e-7, "capped {capped}");
        // The cap grows linearly: a year later it has grown by 9.68% of the snapshot ratio.
        let later = o.update(1.0, 1.5, 2, 1.0).unwrap();
        assert!((later - ratio * (1.0 + 0.0968 * (1.0 + 7.0 / 365.0))).abs() < 1e-12);
        let mut spot = OracleState::new(OracleParams::new(OracleKind::PoolSpot)).unwrap();
        assert!(spot.set_snapshot(1.0, 0.0).is_err());
    }
}
