//! Accounting invariants under random operation sequences.
//!
//! After every operation: total borrow assets equal the sum of position debts, share and collateral
//! totals equal the sums over holders, idle cash equals the external flows, nothing is negative; and
//! an operation that returns an error leaves the market and the positions exactly as they were.

use proptest::prelude::*;
use restake_lending::*;

fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(scale)
}

fn irm() -> KinkedIrm {
    KinkedIrm { base_rate: 0.01, slope1: 0.04, slope2: 0.75, optimal_utilisation: 0.9 }
}

// ---------------------------------------------------------------- isolated

const NP: usize = 3; // borrowers
const NS: usize = 3; // suppliers

#[derive(Debug, Clone)]
enum IsoOp {
    Supply(usize, f64),
    Withdraw(usize, f64),
    SupplyCollateral(usize, f64),
    WithdrawCollateral(usize, f64),
    /// Borrow a fraction of `max_borrow` (fractions above 1 exercise the error path).
    Borrow(usize, f64),
    /// Repay a fraction of the debt (above 1 repays all).
    Repay(usize, f64),
    Accrue(f64),
    Price(f64),
    LiqRepay(usize, f64),
    LiqSeize(usize, f64),
    LiqMax(usize),
}

fn iso_op() -> impl Strategy<Value = IsoOp> {
    let i = 0..NP;
    let k = 0..NS;
    prop_oneof![
        2 => (k.clone(), 0.0..1000.0f64).prop_map(|(k, a)| IsoOp::Supply(k, a)),
        1 => (k, 0.01..2000.0f64).prop_map(|(k, a)| IsoOp::Withdraw(k, a)),
        3 => (i.clone(), 0.0..200.0f64).prop_map(|(i, a)| IsoOp::SupplyCollateral(i, a)),
        1 => (i.clone(), 0.0..50.0f64).prop_map(|(i, a)| IsoOp::WithdrawCollateral(i, a)),
        4 => (i.clone(), 0.7..1.02f64).prop_map(|(i, f)| IsoOp::Borrow(i, f)),
        1 => (i.clone(), 0.01..1.5f64).prop_map(|(i, f)| IsoOp::Repay(i, f)),
        2 => (0.0..0.5f64).prop_map(IsoOp::Accrue),
        4 => (0.7..1.2f64).prop_map(IsoOp::Price),
        1 => (0.2..0.6f64).prop_map(IsoOp::Price), // crash: bad debt
        2 => (i.clone(), 0.01..1.5f64).prop_map(|(i, f)| IsoOp::LiqRepay(i, f)),
        2 => (i.clone(), 0.01..1.5f64).prop_map(|(i, f)| IsoOp::LiqSeize(i, f)),
        2 => i.prop_map(IsoOp::LiqMax),
    ]
}

struct IsoWorld {
    m: IsolatedMarket,
    coll: [f64; NP],
    shares: [f64; NP],
    supply: [f64; NS],
    price: f64,
    /// Loan assets that entered minus left the market through calls.
    cash: f64,
    scale: f64,
}

impl IsoWorld {
    fn apply(&mut self, op: &IsoOp) -> Result<(), LendingError> {
        let p = self.price;
        match *op {
            IsoOp::Supply(k, a) => {
                self.m.supply(&mut self.supply[k], a)?;
                self.cash += a;
            }
            IsoOp::Withdraw(k, a) => {
                let w = self.m.withdraw(&mut self.supply[k], a)?;
                self.cash -= w.withdrawn;
            }
            IsoOp::SupplyCollateral(i, a) => self.m.supply_collateral(&mut self.coll[i], a)?,
            IsoOp::WithdrawCollateral(i, a) => {
                let a = a.min(self.coll[i]);
                self.m.withdraw_collateral(&mut self.coll[i], self.shares[i], a, p)?
            }
            IsoOp::Borrow(i, f) => {
                let a = f * self.m.max_borrow(self.coll[i], self.shares[i], p);
                self.m.borrow(self.coll[i], &mut self.shares[i], a, p)?;
                self.cash -= a;
            }
            IsoOp::Repay(i, f) => {
                let debt = self.m.debt_of(self.shares[i]);
                if debt > 0.0 {
                    self.cash += self.m.repay(&mut self.shares[i], f * debt)?;
                }
            }
            IsoOp::Accrue(dt) => {
                self.m.accrue(dt)?;
            }
            // Multiplicative shocks, so positions opened at the current price drift underwater.
            IsoOp::Price(f) => self.price = (self.price * f).clamp(0.01, 10.0),
            IsoOp::LiqRepay(i, _) | IsoOp::LiqSeize(i, _) | IsoOp::LiqMax(i) => {
                let req = match *op {
                    IsoOp::LiqRepay(_, f) => LiquidationRequest::Repay(f * self.m.debt_of(self.shares[i]).max(1e-9)),
                    IsoOp::LiqSeize(_, f) => LiquidationRequest::Seize(f * self.coll[i].max(1e-9)),
                    _ => LiquidationRequest::Max,
                };
                let o = self.m.liquidate(&mut self.coll[i], &mut self.shares[i], p, req)?;
                self.cash += o.repaid;
                // Bad debt only once the collateral is gone; then no debt survives.
                if self.coll[i] > 0.0 {
                    assert_eq!(o.bad_debt, 0.0);
                } else {
                    assert_eq!(self.shares[i], 0.0);
                }
            }
        }
        Ok(())
    }

    fn check(&self) {
        let m = &self.m;
        let s = self.scale;
        let sum_debt: f64 = self.shares.iter().map(|&x| m.debt_of(x)).sum();
        assert!(close(m.total_borrow_assets(), sum_debt, s), "borrow {} vs sum {}", m.total_borrow_assets(), sum_debt);
        let sum_shares: f64 = self.supply.iter().sum::<f64>() + m.fee_shares();
        assert!(close(m.total_supply_shares(), sum_shares, s));
        let sum_coll: f64 = self.coll.iter().sum();
        assert!(close(m.total_collateral(), sum_coll, s));
        assert!(close(m.total_supply_assets() - m.total_borrow_assets(), self.cash, s), "cash");
        assert!(m.total_supply_assets() >= 0.0 && m.total_borrow_shares() >= 0.0);
        assert!(m.total_supply_assets() - m.total_borrow_assets() >= -1e-9 * s);
        for x in self.coll.iter().chain(&self.shares).chain(&self.supply) {
            assert!(*x >= 0.0 && x.is_finite());
        }
    }
}

proptest! {
    // Failure persistence off: integration tests have no lib.rs for proptest to anchor its file to.
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn isolated_invariants(lltv in 0.5..0.97f64, fee in 0.0..0.25f64, ops in prop::collection::vec(iso_op(), 1..80)) {
        let m = IsolatedMarket::new(IsolatedParams { lltv, irm: irm(), fee, borrow_compounding: Compounding::Taylor3 }).unwrap();
        let mut w = IsoWorld { m, coll: [0.0; NP], shares: [0.0; NP], supply: [0.0; NS], price: 1.0, cash: 0.0, scale: 1.0 };
        w.apply(&IsoOp::Supply(0, 2000.0)).unwrap();
        for op in &ops {
            let before = (w.m.clone(), w.coll, w.shares, w.supply, w.cash);
            if w.apply(op).is_err() {
                prop_assert_eq!(&before.0, &w.m);
                prop_assert_eq!((before.1, before.2, before.3, before.4), (w.coll, w.shares, w.supply, w.cash));
            }
            w.scale = w.scale.max(w.m.total_supply_assets()).max(w.m.total_collateral());
            w.check();
        }
    }
}

// ---------------------------------------------------------------- pooled

const NA: usize = 3;
const ETH_USD: f64 = 3000.0;

#[derive(Debug, Clone)]
enum PoolOp {
    Supply(usize, usize, f64),
    Withdraw(usize, usize, f64),
    Borrow(usize, usize, f64),
    Repay(usize, usize, f64),
    Accrue(f64),
    Price(usize, f64),
    EMode(usize, bool),
    /// Liquidate account `a`; `pick` chooses the reserves: `None` = the account's largest
    /// collateral and debt, `Some((c, d))` = those (often invalid, exercising the error paths);
    /// the liquidator takes the underlying or, if the flag is set, aTokens.
    Liquidate(usize, Option<(usize, usize)>, f64, bool),
}

fn pool_op() -> impl Strategy<Value = PoolOp> {
    let a = 0..NA;
    let r = 0..3usize;
    prop_oneof![
        3 => (a.clone(), r.clone(), 0.0..500.0f64).prop_map(|(a, r, x)| PoolOp::Supply(a, r, x)),
        1 => (a.clone(), r.clone(), 0.01..600.0f64).prop_map(|(a, r, x)| PoolOp::Withdraw(a, r, x)),
        4 => (a.clone(), r.clone(), 0.7..1.02f64).prop_map(|(a, r, f)| PoolOp::Borrow(a, r, f)),
        1 => (a.clone(), r.clone(), 0.01..1.5f64).prop_map(|(a, r, f)| PoolOp::Repay(a, r, f)),
        2 => (0.0..0.5f64).prop_map(PoolOp::Accrue),
        4 => (1..3usize, 0.7..1.2f64).prop_map(|(r, f)| PoolOp::Price(r, f)),
        1 => (1..3usize, 0.2..0.6f64).prop_map(|(r, f)| PoolOp::Price(r, f)), // crash: deficits
        1 => (a.clone(), any::<bool>()).prop_map(|(a, on)| PoolOp::EMode(a, on)),
        5 => (a.clone(), 0.01..1.5f64, any::<bool>()).prop_map(|(a, f, t)| PoolOp::Liquidate(a, None, f, t)),
        1 => (a, r.clone(), r, 0.01..1.5f64, any::<bool>())
            .prop_map(|(a, c, d, f, t)| PoolOp::Liquidate(a, Some((c, d)), f, t)),
    ]
}

fn pooled_market() -> PooledMarket {
    let res = |name: &str, ltv, lt, bonus| ReserveParams {
        name: name.into(),
        ltv,
        liquidation_threshold: lt,
        liquidation_bonus: bonus,
        liquidation_protocol_fee: 0.1,
        supply_cap: None,
        borrow_cap: None,
        irm: irm(),
        reserve_factor: 0.15,
        borrowing_enabled: true,
    };
    let reserves = vec![res("WETH", 0.80, 0.83, 0.05), res("LRT", 0.72, 0.75, 0.075), res("USDC", 0.75, 0.78, 0.045)];
    let emodes = vec![EMode::eth_correlated().with_assets(&[0, 1], &[0])];
    let mut p = PooledParams::new(reserves, emodes);
    // Small amounts in these tests: keep the dust rule from rejecting most partial liquidations.
    p.min_leftover_base_usd = 10.0;
    PooledMarket::new(p).unwrap()
}

struct PoolWorld {
    m: PooledMarket,
    accts: Vec<Account>,
    /// The liquidator's account (receives aTokens).
    liq: Account,
    prices: Vec<f64>,
    cash: [f64; 3],
    accrued: bool,
    scale: f64,
}

impl PoolWorld {
    fn apply(&mut self, op: &PoolOp) -> Result<(), LendingError> {
        match *op {
            PoolOp::Supply(a, r, x) => {
                let x = if r == 2 { x * ETH_USD } else { x };
                self.m.supply(&mut self.accts[a], r, x)?;
                self.cash[r] += x;
            }
            PoolOp::Withdraw(a, r, x) => {
                let x = if r == 2 { x * ETH_USD } else { x };
                let w = self.m.withdraw(&mut self.accts[a], r, x, &self.prices)?;
                self.cash[r] -= w.withdrawn;
            }
            PoolOp::Borrow(a, r, f) => {
                let x = f * self.m.max_borrow(&self.accts[a], r, &self.prices)?;
                self.m.borrow(&mut self.accts[a], r, x, &self.prices)?;
                self.cash[r] -= x;
            }
            PoolOp::Repay(a, r, f) => {
                let d = self.m.debt(&self.accts[a], r);
                if d > 0.0 {
                    self.cash[r] += self.m.repay(&mut self.accts[a], r, f * d)?;
                }
            }
            PoolOp::Accrue(dt) => {
                self.m.accrue(dt)?;
                self.accrued = true;
            }
            PoolOp::Price(r, f) => {
                let base = if r == 2 { 1.0 / ETH_USD } else { 1.0 };
                self.prices[r] = (self.prices[r] * f).clamp(0.01 * base, 10.0 * base);
            }
            PoolOp::EMode(a, on) => self.m.set_emode(&mut self.accts[a], on.then_some(0), &self.prices)?,
            PoolOp::Liquidate(a, pick, f, atoken) => {
                let (c, d) = pick.unwrap_or_else(|| {
                    let acct = &self.accts[a];
                    let by = |v: &dyn Fn(usize) -> f64| (0..3).max_by(|&x, &y| v(x).total_cmp(&v(y))).unwrap();
                    (by(&|r| self.m.supplied(acct, r) * self.prices[r]), by(&|r| self.m.debt(acct, r) * self.prices[r]))
                });
                let cover = f * self.m.debt(&self.accts[a], d).max(1e-12);
                let receive = if atoken { Receive::AToken(&mut self.liq) } else { Receive::Underlying };
                let out = self.m.liquidate(&mut self.accts[a], c, d, cover, &self.prices, ETH_USD, receive)?;
                let o = out.outcome;
                self.cash[d] += o.repaid;
                if !atoken {
                    self.cash[c] -= o.liquidator_seized;
                }
                assert!((o.seized - o.liquidator_seized - o.protocol_fee).abs() <= 1e-12 * o.seized.max(1.0));
                // Deficit exactly when the account's counted collateral is gone.
                let acct = &self.accts[a];
                if out.no_collateral_left {
                    assert!(!acct.has_debt());
                    assert_eq!(acct.supplied_scaled[c], 0.0);
                } else {
                    assert!(out.deficits.is_empty() && o.bad_debt == 0.0);
                }
            }
        }
        Ok(())
    }

    fn check(&self) {
        let s = self.scale;
        for r in 0..3 {
            let st = self.m.reserve(r).unwrap();
            let sum_debt: f64 = self.accts.iter().map(|a| self.m.debt(a, r)).sum();
            assert!(close(st.total_debt(), sum_debt, s), "reserve {r}: debt {} vs sum {}", st.total_debt(), sum_debt);
            let sum_sup: f64 = self.accts.iter().chain(std::iter::once(&self.liq)).map(|a| a.supplied_scaled[r]).sum();
            assert!(close(st.scaled_supply, sum_sup, s));
            assert!(close(st.cash, self.cash[r], s), "reserve {r}: cash {} vs flows {}", st.cash, self.cash[r]);
            assert!(st.cash >= -1e-9 * s && st.deficit >= 0.0 && st.scaled_debt >= 0.0);
            if !self.accrued {
                // Without interest, aTokens are exactly backed by cash + debt + deficit.
                assert!(close(st.cash + st.total_debt() + st.deficit, st.total_supply(), s));
            }
        }
        for a in &self.accts {
            for x in a.supplied_scaled.iter().chain(&a.debt_scaled) {
                assert!(*x >= 0.0 && x.is_finite());
            }
        }
    }
}

proptest! {
    // Failure persistence off: integration tests have no lib.rs for proptest to anchor its file to.
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn pooled_invariants(ops in prop::collection::vec(pool_op(), 1..80)) {
        let m = pooled_market();
        let accts = (0..NA).map(|_| m.new_account()).collect();
        let liq = m.new_account();
        let mut w = PoolWorld { m, accts, liq, prices: vec![1.0, 1.0, 1.0 / ETH_USD], cash: [0.0; 3], accrued: false, scale: 1.0 };
        // A lender provides liquidity in every reserve, so borrows and liquidation payouts can happen.
        for r in 0..3 {
            w.apply(&PoolOp::Supply(NA - 1, r, 400.0)).unwrap();
        }
        for op in &ops {
            let before = (w.m.clone(), w.accts.clone(), w.cash, w.liq.clone());
            if w.apply(op).is_err() {
                prop_assert_eq!(&before.0, &w.m);
                prop_assert_eq!(&before.1, &w.accts);
                prop_assert_eq!(before.2, w.cash);
                prop_assert_eq!(&before.3, &w.liq);
            }
            w.scale = (0..3).map(|r| w.m.reserve(r).unwrap().total_supply()).fold(w.scale, f64::max);
            w.check();
        }
    }
}
