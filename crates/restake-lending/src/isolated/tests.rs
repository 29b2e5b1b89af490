//! Unit tests of the isolated market: Morpho's incentive table, health, liquidation and bad debt.

use super::*;

fn irm() -> KinkedIrm {
    KinkedIrm { base_rate: 0.0, slope1: 0.04, slope2: 0.60, optimal_utilisation: 0.90 }
}

fn market(lltv: f64) -> IsolatedMarket {
    IsolatedMarket::new(IsolatedParams { lltv, irm: irm(), fee: 0.0, borrow_compounding: Compounding::Taylor3 })
        .unwrap()
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Source: Morpho docs, "Liquidation" (docs.morpho.org/learn/concepts/liquidation), LIF table;
/// formula from `Morpho.liquidate`.
#[test]
fn incentive_table() {
    for (lltv, lif) in [
        (0.86, 1.0438),
        (0.77, 1.0741),
        (0.945, 1.0168),
        (0.625, 1.1268),
        (0.80, 1.0638),
        (0.915, 1.0262),
        (0.965, 1.0106),
    ] {
        assert_eq!(round4(liquidation_incentive_factor(lltv)), lif, "lltv {lltv}");
    }
    // 1/(1 - 0.3 * 0.5) = 1.1765 > 1.15: capped. The cap binds below LLTV = 1 - (1 - 1/1.15)/0.3.
    assert_eq!(liquidation_incentive_factor(0.5), 1.15);
    assert_eq!(liquidation_incentive_factor(0.3), 1.15);
    let boundary = 1.0 - (1.0 - 1.0 / 1.15) / 0.3; // ~0.5652
    assert!(liquidation_incentive_factor(boundary + 1e-6) < 1.15);
}

#[test]
fn validate_messages() {
    let p = IsolatedParams { lltv: 1.2, irm: irm(), fee: 0.0, borrow_compounding: Compounding::Taylor3 };
    assert_eq!(p.validate().unwrap_err().to_string(), "lltv must be in (0, 1), got 1.2");
    let p = IsolatedParams { lltv: 0.86, fee: 0.3, ..p };
    assert_eq!(p.validate().unwrap_err().to_string(), "fee must be in [0, 0.25], got 0.3");
    assert!(IsolatedMarket::new(p).is_err());
}

/// A market with 100 supplied, one position with 10 collateral and 8 debt at LLTV 0.86.
fn setup() -> (IsolatedMarket, f64, f64, f64) {
    let mut m = market(0.86);
    let mut lender = 0.0;
    m.supply(&mut lender, 100.0).unwrap();
    let (mut c, mut s) = (0.0, 0.0);
    m.supply_collateral(&mut c, 10.0).unwrap();
    m.borrow(c, &mut s, 8.0, 1.0).unwrap();
    (m, lender, c, s)
}

#[test]
fn health_and_borrow_limits() {
    let (mut m, _lender, c, mut s) = setup();
    assert!(m.is_healthy(c, s, 1.0));
    assert!((m.health_factor(c, s, 1.0) - 10.0 * 0.86 / 8.0).abs() < 1e-15);
    // Max borrow: 8.6 - 8 = 0.6 (floating).
    assert!((m.max_borrow(c, s, 1.0) - 0.6).abs() < 1e-12);
    assert!(matches!(m.borrow(c, &mut s, 0.7, 1.0), Err(LendingError::InsufficientCollateral { .. })));
    // Exactly at the limit is healthy: collateral * price * LLTV >= debt.
    // price 0.930232558.. makes 10 * p * 0.86 == 8 up to rounding; check both sides of it.
    assert!(m.is_healthy(c, s, 8.0 / 8.6 + 1e-12));
    assert!(m.is_liquidatable(c, s, 8.0 / 8.6 - 1e-12));
    // Liquidity limit.
    let mut c2 = 0.0;
    let mut s2 = 0.0;
    m.supply_collateral(&mut c2, 1000.0).unwrap();
    assert!(matches!(m.borrow(c2, &mut s2, 93.0, 1.0), Err(LendingError::InsufficientLiquidity { .. })));
    m.borrow(c2, &mut s2, 92.0, 1.0).unwrap();
    assert_eq!(m.liquidity(), 0.0);
}

#[test]
fn withdraw_limited_by_liquidity() {
    let (mut m, mut lender, _c, _s) = setup();
    // 100 supplied, 8 borrowed: 92 idle.
    let w = m.withdraw(&mut lender, 95.0).unwrap();
    assert_eq!(w.withdrawn, 92.0);
    assert_eq!(w.unfilled, 3.0);
    assert_eq!(w.limited_by, WithdrawLimit::Liquidity);
    assert!((m.supply_assets_of(lender) - 8.0).abs() < 1e-12);
    assert_eq!(m.utilisation(), 1.0);
}

#[test]
fn healthy_position_cannot_be_liquidated() {
    let (mut m, _l, mut c, mut s) = setup();
    let e = m.liquidate(&mut c, &mut s, 1.0, LiquidationRequest::Max).unwrap_err();
    assert!(matches!(e, LendingError::HealthyPosition { .. }));
}

/// Worked example. LLTV 0.86 -> LIF = 1/(1 - 0.3 * 0.14) = 1/0.958. Price falls to 0.9:
/// 10 * 0.9 * 0.86 = 7.74 < 8 debt. Repay 4: seized = 4 * LIF / 0.9 = 4.6392..; collateral
/// is left, so no bad debt, and the position is healthy again (HF 1.037).
#[test]
fn partial_liquidation_no_bad_debt() {
    let (mut m, lender, mut c, mut s) = setup();
    let lif = 1.0 / 0.958;
    assert!((m.lif() - lif).abs() < 1e-15);
    // Seize form: seizing 1 collateral repays 1 * 0.9 / LIF.
    let o = m.preview_liquidation(c, s, 0.9, LiquidationRequest::Seize(1.0)).unwrap();
    assert!((o.repaid - 0.9 / lif).abs() < 1e-15);
    assert_eq!(o.seized, 1.0);
    let supply_before = m.total_supply_assets();
    let o = m.liquidate(&mut c, &mut s, 0.9, LiquidationRequest::Repay(4.0)).unwrap();
    assert_eq!(o.repaid, 4.0);
    assert!((o.seized - 4.0 * lif / 0.9).abs() < 1e-12);
    assert_eq!(o.liquidator_seized, o.seized);
    assert_eq!(o.bad_debt, 0.0);
    assert!((c - (10.0 - 4.0 * lif / 0.9)).abs() < 1e-12);
    assert!((m.debt_of(s) - 4.0).abs() < 1e-12);
    assert_eq!(m.total_supply_assets(), supply_before);
    assert!((m.supply_assets_of(lender) - 100.0).abs() < 1e-12);
    assert!(m.is_healthy(c, s, 0.9));
}

/// Collateral worth less than the debt: Max takes all of it, repays `collateral * price / LIF`,
/// and the rest is bad debt that comes out of total supply assets (suppliers' shares lose value).
#[test]
fn bad_debt_socialised_when_collateral_reaches_zero() {
    let (mut m, lender, mut c, mut s) = setup();
    let lif = m.lif();
    let price = 0.5; // collateral worth 5 against 8 debt
    let o = m.liquidate(&mut c, &mut s, price, LiquidationRequest::Max).unwrap();
    assert_eq!(o.seized, 10.0);
    assert!((o.repaid - 10.0 * price / lif).abs() < 1e-12);
    let expected_bad = 8.0 - 10.0 * price / lif;
    assert!((o.bad_debt - expected_bad).abs() < 1e-12);
    assert_eq!(c, 0.0);
    assert_eq!(s, 0.0);
    assert!(m.total_borrow_assets().abs() < 1e-12);
    assert!((m.total_supply_assets() - (100.0 - expected_bad)).abs() < 1e-12);
    assert!((m.supply_assets_of(lender) - (100.0 - expected_bad)).abs() < 1e-12);
    assert!((m.bad_debt_realised() - expected_bad).abs() < 1e-12);
    assert_eq!(m.total_collateral(), 0.0);
}

/// Two steps: the first leaves a sliver of collateral (no bad debt yet), the second takes it
/// and books the remainder.
#[test]
fn bad_debt_not_before_collateral_is_zero() {
    let (mut m, _lender, mut c, mut s) = setup();
    let price = 0.5;
    let o1 = m.liquidate(&mut c, &mut s, price, LiquidationRequest::Seize(9.0)).unwrap();
    assert_eq!(o1.bad_debt, 0.0);
    assert_eq!(c, 1.0);
    assert_eq!(m.total_supply_assets(), 100.0);
    let o2 = m.liquidate(&mut c, &mut s, price, LiquidationRequest::Seize(5.0)).unwrap();
    assert_eq!(o2.seized, 1.0); // capped at the position's collateral
    assert!(o2.bad_debt > 0.0);
    let total_bad = 8.0 - 10.0 * price / m.lif();
    assert!((o2.bad_debt - total_bad).abs() < 1e-12);
    assert!((m.total_supply_assets() - (100.0 - total_bad)).abs() < 1e-12);
}

#[test]
fn repay_more_than_debt_caps() {
    let (mut m, _l, _c, mut s) = setup();
    let r = m.repay(&mut s, f64::INFINITY).unwrap();
    assert_eq!(r, 8.0);
    assert_eq!(s, 0.0);
    assert_eq!(m.total_borrow_shares(), 0.0);
}

#[test]
fn accrual_with_index() {
    let (mut m, lender, _c, s) = setup();
    // u = 8/100 = 0.08 -> rate = 0.04 * 0.08 / 0.9.
    let rate = 0.04 * 0.08 / 0.9;
    let a = m.accrue(1.0).unwrap();
    assert!((a.borrow_rate - rate).abs() < 1e-15);
    let g = 1.0 + rate + rate * rate / 2.0 + rate * rate * rate / 6.0;
    assert!((m.borrow_index() - g).abs() < 1e-15);
    assert!((m.debt_of(s) - 8.0 * g).abs() < 1e-12);
    assert!((a.interest - 8.0 * (g - 1.0)).abs() < 1e-12);
    // All interest goes to suppliers when fee = 0.
    assert!((m.supply_assets_of(lender) - (100.0 + a.interest)).abs() < 1e-12);
}

#[test]
fn fee_shares_minted() {
    let mut m = IsolatedMarket::new(IsolatedParams {
        lltv: 0.86,
        irm: irm(),
        fee: 0.1,
        borrow_compounding: Compounding::Linear,
    })
    .unwrap();
    let mut lender = 0.0;
    m.supply(&mut lender, 100.0).unwrap();
    let (mut c, mut s) = (0.0, 0.0);
    m.supply_collateral(&mut c, 100.0).unwrap();
    m.borrow(c, &mut s, 50.0, 1.0).unwrap();
    let a = m.accrue(1.0).unwrap();
    assert!((a.fee - 0.1 * a.interest).abs() < 1e-15);
    assert!((m.supply_assets_of(m.fee_shares()) - a.fee).abs() < 1e-12);
    assert!((m.supply_assets_of(lender) - (100.0 + 0.9 * a.interest)).abs() < 1e-12);
}

#[test]
fn bad_inputs_are_errors() {
    let (mut m, mut lender, mut c, mut s) = setup();
    assert!(m.supply(&mut lender, f64::NAN).is_err());
    assert!(m.supply(&mut lender, -1.0).is_err());
    assert!(m.borrow(c, &mut s, 1.0, 0.0).is_err());
    assert!(m.liquidate(&mut c, &mut s, f64::NAN, LiquidationRequest::Max).is_err());
    assert!(m.liquidate(&mut c, &mut s, 0.5, LiquidationRequest::Repay(-1.0)).is_err());
    assert!(m.accrue(f64::INFINITY).is_err());
}

#[test]
fn release_collateral_skips_health_check_but_clamps() {
    let (mut m, _l, mut c, s) = setup();
    // Withdrawing 5 of 10 would break the LLTV (5 * 0.86 < 8): refused by withdraw_collateral...
    assert!(m.withdraw_collateral(&mut c, s, 5.0, 1.0).is_err());
    // ...but released when the caller vouches for it.
    assert_eq!(m.release_collateral(&mut c, 5.0), 5.0);
    assert_eq!(c, 5.0);
    assert_eq!(m.total_collateral(), 5.0);
    assert_eq!(m.release_collateral(&mut c, f64::NAN), 0.0);
    assert_eq!(m.release_collateral(&mut c, -1.0), 0.0);
    assert_eq!(m.release_collateral(&mut c, 99.0), 5.0);
    assert_eq!(c, 0.0);
    assert_eq!(m.total_collateral(), 0.0);
}

#[test]
fn scan_finds_unhealthy() {
    let (m, _l, c, s) = setup();
    let coll = [c, 20.0, c];
    let shares = [s, s, 0.0];
    let mut out = Vec::new();
    m.scan_liquidatable(&coll, &shares, 0.9, &mut out);
    assert_eq!(out, vec![0]);
}

#[test]
fn issues_report_every_bad_field() {
    let p = IsolatedParams {
        lltv: 0.0,
        irm: KinkedIrm { slope1: -0.01, ..irm() },
        fee: 0.3,
        borrow_compounding: Compounding::Taylor3,
    };
    let issues = p.issues();
    let fields: Vec<_> = issues.iter().map(|e| e.field().unwrap()).collect();
    assert_eq!(fields, ["lltv", "fee", "irm.slope1"]);
    assert_eq!(p.validate().unwrap_err(), issues[0]);
    assert!(
        IsolatedParams { lltv: 0.86, irm: irm(), fee: 0.1, borrow_compounding: Compounding::Linear }
            .issues()
            .is_empty()
    );
}

#[test]
fn a_forfeited_position_is_bad_debt_of_the_suppliers() {
    // Morpho socialises bad debt: total supply assets fall by the debt written off.
    let (mut m, _, mut coll, mut shares) = setup();
    let debt = m.debt_of(shares);
    let supply = m.total_supply_assets();
    let c0 = coll;
    let (taken, bad) = m.forfeit(&mut coll, &mut shares);
    assert_eq!((taken, coll, shares), (c0, 0.0, 0.0));
    assert!((bad - debt).abs() < 1e-12);
    assert!((m.total_supply_assets() - (supply - debt)).abs() < 1e-9);
    assert!((m.bad_debt_realised() - debt).abs() < 1e-12);
}
