//! Unit tests of the pooled market: close factor, seizure and fee, deficits, dust, e-mode, caps,
//! accrual, validation.

use super::*;
use crate::irm::KinkedIrm;
use crate::{LendingError, WithdrawLimit};

const WETH: usize = 0;
const WSTETH: usize = 1;
const USDC: usize = 2;
const ETH_USD: f64 = 3000.0;

fn irm() -> KinkedIrm {
    KinkedIrm { base_rate: 0.0, slope1: 0.03, slope2: 0.80, optimal_utilisation: 0.90 }
}

fn reserve(name: &str, ltv: f64, lt: f64, bonus: f64, fee: f64) -> ReserveParams {
    ReserveParams {
        name: name.into(),
        ltv,
        liquidation_threshold: lt,
        liquidation_bonus: bonus,
        liquidation_protocol_fee: fee,
        supply_cap: None,
        borrow_cap: None,
        irm: irm(),
        reserve_factor: 0.10,
        borrowing_enabled: true,
    }
}

/// WETH (price 1), wstETH (LTV 75 / LT 80 / bonus 5% / fee 10%), USDC (price 1/3000 ETH);
/// e-mode 0 = ETH correlated over WETH and wstETH.
fn market() -> PooledMarket {
    let reserves = vec![
        reserve("WETH", 0.80, 0.83, 0.05, 0.10),
        reserve("wstETH", 0.75, 0.80, 0.05, 0.10),
        reserve("USDC", 0.75, 0.78, 0.045, 0.10),
    ];
    let emodes = vec![EMode::eth_correlated().with_assets(&[WETH, WSTETH], &[WETH])];
    PooledMarket::new(PooledParams::new(reserves, emodes)).unwrap()
}

fn prices(wsteth: f64) -> Vec<f64> {
    vec![1.0, wsteth, 1.0 / ETH_USD]
}

/// Market with deep WETH and USDC liquidity and idle wstETH cash (so liquidators can be paid in
/// underlying), plus a borrower with `coll` wstETH borrowing `debt` WETH at a wstETH price of 2.
fn setup(coll: f64, debt: f64) -> (PooledMarket, Account, Account) {
    let mut m = market();
    let mut lender = m.new_account();
    m.supply(&mut lender, WETH, 10_000.0).unwrap();
    m.supply(&mut lender, USDC, 30_000_000.0).unwrap();
    m.supply(&mut lender, WSTETH, 1_000.0).unwrap();
    let mut b = m.new_account();
    m.supply(&mut b, WSTETH, coll).unwrap();
    if debt > 0.0 {
        m.borrow(&mut b, WETH, debt, &prices(2.0)).unwrap();
    }
    (m, lender, b)
}

#[test]
fn close_factor_switches_exactly_at_0_95() {
    let p = market().params().clone();
    let big = 1e6;
    assert_eq!(p.close_factor(0.9500001, big, big), 0.5);
    assert_eq!(p.close_factor(0.95, big, big), 1.0);
    assert_eq!(p.close_factor(0.94, big, big), 1.0);
    assert_eq!(p.close_factor(0.99, big, big), 0.5);
    // v3.3 small-position rule: either side under $2,000 -> 100% even at HF 0.99.
    assert_eq!(p.close_factor(0.99, 1999.99, big), 1.0);
    assert_eq!(p.close_factor(0.99, big, 1999.99), 1.0);
    assert_eq!(p.close_factor(0.99, 2000.0, 2000.0), 0.5);
}

#[test]
fn close_factor_in_liquidation() {
    // 100 wstETH, 100 WETH debt. At wstETH = 1.2: HF = 120 * 0.8 / 100 = 0.96 > 0.95 -> 50%.
    let (m, _l, b) = setup(100.0, 100.0);
    let o = m.preview_liquidation(&b, WSTETH, WETH, f64::INFINITY, &prices(1.2), ETH_USD, false).unwrap();
    assert!((o.outcome.health_factor_before - 0.96).abs() < 1e-12);
    assert_eq!(o.close_factor, 0.5);
    assert!((o.outcome.repaid - 50.0).abs() < 1e-12);
    // At 1.1: HF = 0.88 <= 0.95 -> 100%: all 100 could be repaid (collateral 110 ETH covers
    // 100 * 1.05 = 105 ETH of seizure).
    let o = m.preview_liquidation(&b, WSTETH, WETH, f64::INFINITY, &prices(1.1), ETH_USD, false).unwrap();
    assert_eq!(o.close_factor, 1.0);
    assert!((o.outcome.repaid - 100.0).abs() < 1e-12);
    // Small position (0.6 wstETH, 0.5 WETH: $1,500 debt) at HF 0.96: 100%.
    let (m, _l, b) = setup(0.6, 0.5);
    let o = m.preview_liquidation(&b, WSTETH, WETH, f64::INFINITY, &prices(1.0), ETH_USD, false).unwrap();
    assert!((o.outcome.health_factor_before - 0.96).abs() < 1e-12);
    assert_eq!(o.close_factor, 1.0);
    assert!((o.outcome.repaid - 0.5).abs() < 1e-12);
}

/// Worked example: repay 10 WETH against wstETH at 1.2 ETH, bonus 5%, protocol fee 10%.
/// seized = 10 * 1 / 1.2 * 1.05 = 8.75 wstETH; bonus part = 8.75 - 8.75 / 1.05 = 0.41666..;
/// fee = 0.041666.. wstETH; liquidator gets 8.708333.. wstETH = 10.45 ETH = repaid * 1.045,
/// treasury 0.05 ETH = repaid * 0.005.
#[test]
fn seized_collateral_bonus_and_fee() {
    let (mut m, _l, mut b) = setup(100.0, 100.0);
    let p = prices(1.2);
    let cash_before = m.reserve(WSTETH).unwrap().cash;
    let o = m.liquidate(&mut b, WSTETH, WETH, 10.0, &p, ETH_USD, Receive::Underlying).unwrap().outcome;
    assert_eq!(o.repaid, 10.0);
    assert!((o.seized - 8.75).abs() < 1e-12);
    assert!((o.protocol_fee - (8.75 - 8.75 / 1.05) * 0.1).abs() < 1e-12);
    assert!((o.protocol_fee - 0.041666666666666664).abs() < 1e-12);
    assert!((o.liquidator_seized - 8.708333333333334).abs() < 1e-12);
    assert!((o.liquidator_seized * 1.2 - 10.0 * 1.045).abs() < 1e-12);
    assert!((o.protocol_fee * 1.2 - 10.0 * 0.005).abs() < 1e-12);
    assert_eq!(o.bad_debt, 0.0);
    // Borrower: 91.25 wstETH and 90 WETH left; treasury holds the fee; cash paid the liquidator.
    assert!((m.supplied(&b, WSTETH) - 91.25).abs() < 1e-12);
    assert!((m.debt(&b, WETH) - 90.0).abs() < 1e-12);
    assert!((m.reserve(WSTETH).unwrap().treasury_balance() - o.protocol_fee).abs() < 1e-12);
    assert!((cash_before - m.reserve(WSTETH).unwrap().cash - o.liquidator_seized).abs() < 1e-12);
}

/// Collateral worth less than debt * (1 + bonus): all 10 wstETH are taken, repaid is recomputed
/// as 10 * 0.5 / 1.05, and (no other collateral) the rest of the debt becomes deficit.
#[test]
fn cap_when_collateral_insufficient_and_deficit() {
    let (mut m, _l, mut b) = setup(10.0, 8.0);
    let p = prices(0.5); // collateral 5 ETH vs debt 8: HF = 0.5
    let out = m.liquidate(&mut b, WSTETH, WETH, f64::INFINITY, &p, ETH_USD, Receive::Underlying).unwrap();
    let o = out.outcome;
    assert_eq!(out.close_factor, 1.0);
    assert_eq!(o.seized, 10.0);
    let repaid = 10.0 * 0.5 / 1.05;
    assert!((o.repaid - repaid).abs() < 1e-12);
    assert!((o.protocol_fee - (10.0 - 10.0 / 1.05) * 0.1).abs() < 1e-12);
    assert!(out.no_collateral_left);
    assert!((o.bad_debt - (8.0 - repaid)).abs() < 1e-12);
    assert_eq!(out.deficits, vec![ReserveDeficit { reserve: WETH, amount: o.bad_debt }]);
    assert!((m.reserve(WETH).unwrap().deficit - (8.0 - repaid)).abs() < 1e-12);
    assert_eq!(b.debt_scaled[WETH], 0.0);
    assert_eq!(b.supplied_scaled[WSTETH], 0.0);
    assert!(m.reserve(WETH).unwrap().total_debt().abs() < 1e-12);
}

/// Deficit is booked in every debt reserve once the collateral is gone, and not before.
#[test]
fn deficit_only_when_collateral_reaches_zero() {
    let (mut m, _l, mut b) = setup(10.0, 5.0);
    // Also borrow 9,000 USDC (3 ETH): total debt 8 ETH against 20 ETH collateral at price 2.
    m.borrow(&mut b, USDC, 9_000.0, &prices(2.0)).unwrap();
    let p = prices(0.5); // collateral 5 ETH, HF = 5 * 0.8 / 8 = 0.5
    // Partial: repay 2 WETH, seize 2 / 0.5 * 1.05 = 4.2 wstETH. Underwater, but collateral
    // remains: no deficit.
    let out = m.liquidate(&mut b, WSTETH, WETH, 2.0, &p, ETH_USD, Receive::Underlying).unwrap();
    assert!(!out.no_collateral_left);
    assert_eq!(out.outcome.bad_debt, 0.0);
    assert!(out.deficits.is_empty());
    assert_eq!(m.reserve(WETH).unwrap().deficit, 0.0);
    assert_eq!(m.reserve(USDC).unwrap().deficit, 0.0);
    // Second call takes the remaining 5.8 wstETH: repaid = 5.8 * 0.5 / 1.05 WETH; the rest of
    // the WETH debt and all 9,000 USDC become deficits.
    let out = m.liquidate(&mut b, WSTETH, WETH, f64::INFINITY, &p, ETH_USD, Receive::Underlying).unwrap();
    assert!(out.no_collateral_left);
    let repaid = 5.8 * 0.5 / 1.05;
    assert!((out.outcome.repaid - repaid).abs() < 1e-12);
    let weth_def = 3.0 - repaid;
    assert!((m.reserve(WETH).unwrap().deficit - weth_def).abs() < 1e-12);
    assert!((m.reserve(USDC).unwrap().deficit - 9_000.0).abs() < 1e-9);
    assert_eq!(out.deficits.len(), 2);
    assert!((out.bad_debt_value - (weth_def + 3.0)).abs() < 1e-12);
    assert!(!b.has_debt());
    assert!(m.reserve(USDC).unwrap().total_debt().abs() < 1e-9);
    // The suppliers' aTokens are untouched: the deficit is the hole cash + debt + deficit = supply.
    let u = m.reserve(USDC).unwrap();
    assert!((u.cash + u.total_debt() + u.deficit - u.total_supply()).abs() < 1e-6);
}

#[test]
fn other_collateral_prevents_deficit() {
    let (mut m, _l, mut b) = setup(10.0, 8.0);
    m.supply(&mut b, USDC, 3_000.0).unwrap(); // 1 ETH of other collateral
    let out = m.liquidate(&mut b, WSTETH, WETH, f64::INFINITY, &prices(0.5), ETH_USD, Receive::Underlying).unwrap();
    assert_eq!(out.outcome.seized, 10.0);
    assert!(!out.no_collateral_left);
    assert_eq!(m.reserve(WETH).unwrap().deficit, 0.0);
    assert!(m.debt(&b, WETH) > 0.0);
}

#[test]
fn dust_rule() {
    // 100 wstETH / 100 WETH at 1.1: HF 0.88, 100% close factor. Repaying 99.9 WETH would leave
    // 0.1 WETH = $300 of debt: MUST_NOT_LEAVE_DUST.
    let (m, _l, b) = setup(100.0, 100.0);
    let e = m.preview_liquidation(&b, WSTETH, WETH, 99.9, &prices(1.1), ETH_USD, false).unwrap_err();
    assert!(matches!(e, LendingError::MustNotLeaveDust { .. }));
    // Repaying everything is fine, and so is leaving >= $1,000.
    assert!(m.preview_liquidation(&b, WSTETH, WETH, 100.0, &prices(1.1), ETH_USD, false).is_ok());
    assert!(m.preview_liquidation(&b, WSTETH, WETH, 99.0, &prices(1.1), ETH_USD, false).is_ok());
}

#[test]
fn liquidation_preconditions() {
    let (m, _l, b) = setup(100.0, 100.0);
    assert!(matches!(
        m.preview_liquidation(&b, WSTETH, WETH, 1.0, &prices(2.0), ETH_USD, false),
        Err(LendingError::HealthyPosition { .. })
    ));
    assert!(matches!(
        m.preview_liquidation(&b, WETH, WETH, 1.0, &prices(1.0), ETH_USD, false),
        Err(LendingError::CollateralCannotBeLiquidated { .. })
    ));
    assert!(matches!(
        m.preview_liquidation(&b, WSTETH, USDC, 1.0, &prices(1.0), ETH_USD, false),
        Err(LendingError::NoDebtInReserve { .. })
    ));
    assert!(m.preview_liquidation(&b, WSTETH, WETH, f64::NAN, &prices(1.0), ETH_USD, false).is_err());
    assert!(m.preview_liquidation(&b, WSTETH, WETH, 1.0, &prices(1.0), 0.0, false).is_err());
    assert!(m.preview_liquidation(&b, WSTETH, WETH, 1.0, &[1.0, 1.0], ETH_USD, false).is_err());
}

#[test]
fn borrow_limits_and_emode() {
    let (mut m, _l, mut b) = setup(10.0, 0.0);
    let p = prices(1.0);
    // Outside e-mode: LTV 75% of 10 ETH.
    assert!((m.max_borrow(&b, WETH, &p).unwrap() - 7.5).abs() < 1e-12);
    assert!(matches!(m.borrow(&mut b, WETH, 7.6, &p), Err(LendingError::InsufficientCollateral { .. })));
    m.borrow(&mut b, WETH, 7.0, &p).unwrap();
    assert!((m.health_factor(&b, &p).unwrap() - 8.0 / 7.0).abs() < 1e-12);
    // E-mode: LTV 93%, LT 95%, bonus 1%.
    m.set_emode(&mut b, Some(0), &p).unwrap();
    assert!((m.health_factor(&b, &p).unwrap() - 9.5 / 7.0).abs() < 1e-12);
    assert!((m.max_borrow(&b, WETH, &p).unwrap() - 2.3).abs() < 1e-12);
    m.borrow(&mut b, WETH, 2.29, &p).unwrap();
    // USDC is not borrowable in the ETH-correlated category.
    assert!(matches!(m.borrow(&mut b, USDC, 1.0, &p), Err(LendingError::NotBorrowableInEMode { .. })));
    // Leaving e-mode would make HF 8 / 9.29 < 1: refused, e-mode kept.
    assert!(m.set_emode(&mut b, None, &p).is_err());
    assert_eq!(b.emode, Some(0));
    // E-mode liquidation uses the 1% bonus: at 0.97, HF = 9.7 * 0.95 / 9.29 < 1.
    let o = m.preview_liquidation(&b, WSTETH, WETH, 1.0, &prices(0.97), ETH_USD, false).unwrap().outcome;
    assert!((o.seized - 1.0 / 0.97 * 1.01).abs() < 1e-12);
}

#[test]
fn caps_and_liquidity() {
    let mut params = market().params().clone();
    params.reserves[WETH].supply_cap = Some(100.0);
    params.reserves[WETH].borrow_cap = Some(10.0);
    let mut m = PooledMarket::new(params).unwrap();
    let mut l = m.new_account();
    m.supply(&mut l, WETH, 100.0).unwrap();
    assert!(matches!(m.supply(&mut l, WETH, 0.5), Err(LendingError::SupplyCapExceeded { .. })));
    let mut b = m.new_account();
    m.supply(&mut b, WSTETH, 100.0).unwrap();
    assert!(matches!(m.borrow(&mut b, WETH, 11.0, &prices(1.0)), Err(LendingError::BorrowCapExceeded { .. })));
    m.borrow(&mut b, WETH, 10.0, &prices(1.0)).unwrap();
    // 90 idle: the lender's 100 can only partly leave.
    let w = m.withdraw(&mut l, WETH, f64::INFINITY, &prices(1.0)).unwrap();
    assert_eq!(w.withdrawn, 90.0);
    assert_eq!(w.unfilled, 10.0);
    assert_eq!(w.limited_by, WithdrawLimit::Liquidity);
    assert_eq!(m.reserve(WETH).unwrap().utilisation(), 1.0);
    // Collateral withdrawal that would break HF is refused.
    assert!(matches!(m.withdraw(&mut b, WSTETH, 95.0, &prices(1.0)), Err(LendingError::InsufficientCollateral { .. })));
}

#[test]
fn accrual_indexes_and_treasury() {
    let (mut m, lender, b) = setup(100.0, 100.0);
    let st = m.reserve(WETH).unwrap().clone();
    // u = 100 / 10_000 = 0.01.
    let u = 0.01;
    let br = 0.03 * u / 0.9;
    let sr = br * u * 0.9;
    assert!((m.borrow_rate(WETH).unwrap() - br).abs() < 1e-15);
    assert!((m.supply_rate(WETH).unwrap() - sr).abs() < 1e-15);
    m.accrue(0.5).unwrap();
    let x = br * 0.5;
    let g = 1.0 + x + x * x / 2.0 + x * x * x / 6.0;
    let r = m.reserve(WETH).unwrap();
    assert!((r.borrow_index - g).abs() < 1e-15);
    assert!((r.liquidity_index - (1.0 + sr * 0.5)).abs() < 1e-15);
    assert!((m.debt(&b, WETH) - 100.0 * g).abs() < 1e-12);
    assert!((m.supplied(&lender, WETH) - 10_000.0 * (1.0 + sr * 0.5)).abs() < 1e-9);
    // Treasury: 10% of the debt interest.
    assert!((r.treasury_balance() - 100.0 * (g - 1.0) * 0.1).abs() < 1e-12);
    assert_eq!(r.cash, st.cash);
}

/// Aave v3.4+: the deficit is passed to the IRM as `unbacked`, so suppliers earn the borrow
/// rate over `debt / (cash + debt + deficit)` while the borrow rate uses `debt / (cash + debt)`.
#[test]
fn deficit_enters_supply_usage() {
    let (mut m, _l, mut b) = setup(10.0, 8.0);
    let mut whale = m.new_account();
    m.supply(&mut whale, WSTETH, 5_000.0).unwrap();
    m.borrow(&mut whale, WETH, 5_000.0, &prices(2.0)).unwrap();
    m.liquidate(&mut b, WSTETH, WETH, f64::INFINITY, &prices(0.5), ETH_USD, Receive::Underlying).unwrap();
    let r = m.reserve(WETH).unwrap();
    assert!(r.deficit > 0.0);
    let d = r.total_debt();
    let bu = d / (r.cash + d);
    let su = d / (r.cash + d + r.deficit);
    let br = irm().borrow_rate(bu);
    assert!((m.borrow_rate(WETH).unwrap() - br).abs() < 1e-15);
    assert!((m.supply_rate(WETH).unwrap() - br * su * 0.9).abs() < 1e-15);
    assert!(su < bu);
}

#[test]
fn validate_messages() {
    let mut p = market().params().clone();
    p.reserves[1].ltv = 0.85;
    assert_eq!(p.validate().unwrap_err().to_string(), "reserves[1].ltv must be <= liquidation_threshold, got 0.85");
    let mut p = market().params().clone();
    p.reserves[0].liquidation_bonus = 0.25;
    assert!(p.validate().unwrap_err().to_string().starts_with("reserves[0].liquidation_bonus must be such that"));
    let mut p = market().params().clone();
    p.emodes[0].collateral_assets.push(7);
    assert!(p.validate().unwrap_err().to_string().contains("emodes[0].collateral_assets"));
    let mut p = market().params().clone();
    p.reserves[2].irm.optimal_utilisation = 0.0;
    assert_eq!(p.validate().unwrap_err().to_string(), "reserves[2].irm.optimal_utilisation must be in (0, 1), got 0");
    assert!(EMode::eth_correlated().validate(3).is_ok());
    let e = EMode::eth_correlated().with_assets(&[5], &[]).validate(3).unwrap_err();
    assert_eq!(e.to_string(), "emode.collateral_assets: reserve index 5 out of range (market has 3 reserves)");
    let mut r = market().params().reserves[0].clone();
    r.liquidation_threshold = 1.2;
    assert_eq!(r.validate().unwrap_err().to_string(), "reserve.liquidation_threshold must be in [0, 1), got 1.2");
}

#[test]
fn release_collateral_skips_health_check_but_clamps() {
    let (mut m, _l, mut b) = setup(10.0, 8.0);
    // HF at price 1: 10 * 0.8 / 8 = 1.0 -> withdraw() refuses even a little...
    assert!(m.withdraw(&mut b, WSTETH, 1.0, &prices(1.0)).is_err());
    // ...release does not check, and clamps to the balance.
    let cash = m.reserve(WSTETH).unwrap().cash;
    assert_eq!(m.release_collateral(&mut b, WSTETH, 4.0), 4.0);
    assert!((m.supplied(&b, WSTETH) - 6.0).abs() < 1e-12);
    assert_eq!(m.release_collateral(&mut b, WSTETH, 100.0), 6.0);
    assert_eq!(m.supplied(&b, WSTETH), 0.0);
    assert!((cash - m.reserve(WSTETH).unwrap().cash - 10.0).abs() < 1e-12);
    assert_eq!(m.release_collateral(&mut b, WSTETH, f64::NAN), 0.0);
    // E-mode parameters as seen by callers.
    assert_eq!(m.collateral_params(None, WSTETH), (0.75, 0.80));
    assert_eq!(m.collateral_params(Some(0), WSTETH), (0.93, 0.95));
    assert_eq!(m.bonus_of(Some(0), WSTETH), 0.01);
    assert_eq!(m.bonus_of(None, WSTETH), 0.05);
    assert_eq!(m.collateral_params(Some(0), USDC), (0.75, 0.78));
}

#[test]
fn account_shape_checked() {
    let (mut m, _l, _b) = setup(1.0, 0.0);
    let mut bad = Account::new(2);
    assert!(matches!(m.supply(&mut bad, WETH, 1.0), Err(LendingError::AccountShape { .. })));
    let mut a = m.new_account();
    assert!(matches!(m.supply(&mut a, 9, 1.0), Err(LendingError::UnknownReserve { .. })));
}

fn fields(issues: &[LendingError]) -> Vec<&str> {
    issues.iter().map(|e| e.field().unwrap()).collect()
}

#[test]
fn issues_report_every_bad_field_with_its_path() {
    let p = market().params().clone();
    assert!(p.issues().is_empty());
    // Two bad fields in different places: both reported, in field order, each with its path.
    let mut p = market().params().clone();
    p.reserves[1].irm.slope2 = 20.0;
    p.emodes[0].ltv = 0.99; // above the category's LT of 0.95
    let issues = p.issues();
    assert_eq!(fields(&issues), ["reserves[1].irm.slope2", "emodes[0].ltv"]);
    assert_eq!(issues[0].to_string(), "reserves[1].irm.slope2 must be in [0, 10] (per year), got 20");
    assert_eq!(issues[1].to_string(), "emodes[0].ltv must be <= liquidation_threshold, got 0.99");
    // validate() is the first of them.
    assert_eq!(p.validate().unwrap_err(), issues[0]);
    assert!(PooledMarket::new(p).is_err());
    // A field that fails two checks (bonus out of [0, 1) and LT * (1 + bonus) > 1) is reported once,
    // with the first check.
    let mut p = market().params().clone();
    p.reserves[0].liquidation_bonus = 1.5;
    p.close_factor_hf_threshold = 2.0;
    let issues = p.issues();
    assert_eq!(fields(&issues), ["reserves[0].liquidation_bonus", "close_factor_hf_threshold"]);
    assert_eq!(issues[0].to_string(), "reserves[0].liquidation_bonus must be in [0, 1), got 1.5");
    // The stand-alone checks of a reserve and an e-mode category collect too.
    let mut r = market().params().reserves[0].clone();
    r.reserve_factor = -0.1;
    r.borrow_cap = Some(f64::NAN);
    assert_eq!(fields(&r.issues()), ["reserve.reserve_factor", "reserve.borrow_cap"]);
    let e = EMode { liquidation_threshold: 0.0, ..EMode::eth_correlated().with_assets(&[0], &[4]) };
    assert_eq!(fields(&e.issues(3)), ["emode.liquidation_threshold", "emode.ltv", "emode.borrowable_assets"]);
}

#[test]
fn a_liquidator_takes_atokens_when_the_collateral_reserve_has_no_cash() {
    // 100 wstETH against 100 WETH at wstETH = 1.1: HF = 110 x 0.8 / 100 = 0.88 <= 0.95, close
    // factor 1. The wstETH reserve's cash is borrowed out first, so the underlying cannot be paid.
    let (mut m, _, mut b) = setup(100.0, 100.0);
    let mut other = m.new_account();
    m.supply(&mut other, WETH, 5_000.0).unwrap();
    m.borrow(&mut other, WSTETH, 1_090.0, &prices(2.0)).unwrap();
    assert_eq!(m.reserves()[WSTETH].cash, 10.0, "10 of the 1,100 wstETH supplied are left");
    let p = prices(1.1);
    let want = m.preview_liquidation(&b, WSTETH, WETH, f64::INFINITY, &p, ETH_USD, false);
    assert!(matches!(want, Err(LendingError::InsufficientLiquidity { .. })), "{want:?}");
    // receiveAToken: the seizure is a transfer of supply, no cash moves out.
    let mut liq = m.new_account();
    let before = m.reserves()[WSTETH].clone();
    let out = m.liquidate(&mut b, WSTETH, WETH, f64::INFINITY, &p, ETH_USD, Receive::AToken(&mut liq)).unwrap();
    let o = out.outcome;
    // Aave: seized = 100 / 1.1 x 1.05 = 95.4545... wstETH, fee 10% of the bonus part.
    let seized = 100.0 / 1.1 * 1.05;
    let fee = (seized - seized / 1.05) * 0.10;
    assert!((o.seized - seized).abs() < 1e-9 && (o.protocol_fee - fee).abs() < 1e-12);
    assert!((m.supplied(&liq, WSTETH) - (seized - fee)).abs() < 1e-9, "the liquidator holds the aTokens");
    let after = &m.reserves()[WSTETH];
    assert_eq!(after.cash, before.cash, "no cash left the reserve");
    assert!((after.total_supply() - before.total_supply()).abs() < 1e-9, "total supply unchanged");
}

#[test]
fn a_frozen_collateral_backs_no_new_borrowing_and_takes_no_supply() {
    // 100 wstETH at 2 ETH, LTV 75%: 150 ETH may be borrowed before the freeze, none after; the
    // liquidation threshold still counts (HF unchanged: nobody is liquidated by a freeze).
    let (mut m, _, mut b) = setup(100.0, 0.0);
    let p = prices(2.0);
    assert!((m.max_borrow(&b, WETH, &p).unwrap() - 150.0).abs() < 1e-9);
    m.borrow(&mut b, WETH, 50.0, &p).unwrap();
    let hf = m.health_factor(&b, &p).unwrap();
    m.freeze_reserve(WSTETH).unwrap();
    assert_eq!(m.max_borrow(&b, WETH, &p).unwrap(), 0.0);
    assert!(matches!(m.borrow(&mut b, WETH, 1.0, &p), Err(LendingError::InsufficientCollateral { .. })));
    assert!(matches!(m.supply(&mut b, WSTETH, 1.0), Err(LendingError::ReserveFrozen { .. })));
    assert_eq!(m.health_factor(&b, &p).unwrap(), hf);
    // Repaying still works.
    assert_eq!(m.repay(&mut b, WETH, 10.0).unwrap(), 10.0);
}

#[test]
fn a_forfeited_account_books_its_whole_debt_as_deficit() {
    let (mut m, _, mut b) = setup(100.0, 120.0);
    let before = m.reserves()[WETH].deficit;
    let (taken, deficits) = m.forfeit(&mut b).unwrap();
    assert!((taken[WSTETH] - 100.0).abs() < 1e-9, "the collateral is taken out of the reserve");
    assert!((deficits[WETH] - 120.0).abs() < 1e-9);
    assert!((m.reserves()[WETH].deficit - before - 120.0).abs() < 1e-9);
    assert!(!b.has_debt() && m.supplied(&b, WSTETH) == 0.0);
    // cash + debt + deficit = supply still holds for the loan reserve.
    let st = &m.reserves()[WETH];
    assert!((st.cash + st.total_debt() + st.deficit - st.total_supply()).abs() < 1e-9);
}

#[test]
fn a_bail_out_covers_the_deficit_first() {
    let (mut m, _, mut b) = setup(100.0, 120.0);
    m.forfeit(&mut b).unwrap();
    assert!((m.cover_deficit(WETH, 50.0) - 50.0).abs() < 1e-12);
    assert!((m.reserves()[WETH].deficit - 70.0).abs() < 1e-9, "120 - 50");
    m.cover_deficit(WETH, 100.0);
    let st = &m.reserves()[WETH];
    assert_eq!(st.deficit, 0.0);
    assert!((st.cash + st.total_debt() + st.deficit - st.total_supply()).abs() < 1e-9, "the excess is the treasury's");
}
