//! Lending-market mechanics for the restake simulator: pure arithmetic, no I/O.
//!
//! Two market designs, because the simulator's questions ("which LLTV / liquidation threshold /
//! oracle keeps bad debt under X?") need both:
//!
//! * [`IsolatedMarket`], Morpho-Blue-like: one collateral, one loan asset, an LLTV, no close factor,
//!   incentive `min(1.15, 1/(1 - 0.3 (1 - LLTV)))`, bad debt socialised to suppliers the moment a
//!   position's collateral reaches zero. Positions live *outside* the market as plain scalars
//!   (`&mut f64` collateral and borrow shares) so that the agents crate can keep a million of them as
//!   struct-of-arrays.
//! * [`PooledMarket`], Aave-v3-like: many reserves, per-reserve LTV / liquidation threshold / bonus /
//!   protocol fee / caps / IRM, e-mode categories, a 50% close factor above health factor 0.95 (and
//!   for positions of $2,000 or more), and v3.3 deficit accounting.
//!
//! Shared pieces: the kinked interest-rate model ([`irm`]) and oracles ([`oracle`]), which are a
//! first-class parameter because the oracle choice is what turns a DEX depeg into liquidations.
//!
//! Conventions:
//! * amounts are `f64` in asset units; prices are in ETH (the pooled market) or in loan-asset units
//!   per collateral unit (the isolated market, like Morpho's oracle);
//! * rates are per year, time steps are `dt_years`;
//! * debt is held as *scaled* balances (shares) against a cumulative borrow index, so accruing
//!   interest is O(1) per market, never O(positions);
//! * nothing panics on user input: every parameter struct has an `issues()` that lists every problem
//!   (each naming its field path and allowed range) and a `validate()` that returns the first of them,
//!   and every operation checks its amounts and prices.

pub mod exact;
pub mod irm;
pub mod isolated;
pub mod oracle;
pub mod pooled;

pub use exact::ExactSum;
pub use irm::{Compounding, KinkedIrm, utilisation};
pub use isolated::{
    AccrualOutcome, IsolatedMarket, IsolatedParams, LIQUIDATION_CURSOR, LiquidationRequest, MAX_FEE,
    MAX_LIQUIDATION_INCENTIVE_FACTOR, liquidation_incentive_factor,
};
pub use oracle::{OracleKind, OracleParams, OracleState};
pub use pooled::{
    Account, AccountData, CLOSE_FACTOR_HF_THRESHOLD, DEFAULT_LIQUIDATION_CLOSE_FACTOR, EMode,
    MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_USD, PooledLiquidationOutcome, PooledMarket, PooledParams, Receive,
    ReserveDeficit, ReserveParams, ReserveState,
};

/// Everything that can go wrong in this crate. Operations return these instead of panicking, so a
/// bad scenario value or an agent asking for the impossible is reported, never a crash.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LendingError {
    /// A parameter is outside its allowed range; `field` is the path inside the params struct.
    #[error("{field} must be {allowed}, got {got}")]
    InvalidParam { field: String, allowed: &'static str, got: f64 },
    /// A structural parameter problem that is not a single number (e.g. an index out of range).
    #[error("{field}: {message}")]
    InvalidConfig { field: String, message: String },
    /// An amount passed to an operation is NaN, negative, or zero where a positive one is needed.
    #[error("{what} must be {allowed}, got {got}")]
    InvalidAmount { what: &'static str, allowed: &'static str, got: f64 },
    /// A price is NaN, infinite, zero or negative.
    #[error("price of {what} must be finite and > 0, got {got}")]
    InvalidPrice { what: String, got: f64 },
    /// The price slice does not have one entry per reserve.
    #[error("expected {expected} prices (one per reserve), got {got}")]
    PricesLength { expected: usize, got: usize },
    /// An account was created for a market with a different number of reserves.
    #[error("account has {got} reserve slots, market has {expected} reserves")]
    AccountShape { expected: usize, got: usize },
    #[error("reserve index {index} out of range (market has {count} reserves)")]
    UnknownReserve { index: usize, count: usize },
    #[error("e-mode category {index} out of range (market has {count} categories)")]
    UnknownEMode { index: usize, count: usize },
    /// Liquidation of a position that is not liquidatable.
    #[error("position is healthy (health factor {health_factor}); it cannot be liquidated")]
    HealthyPosition { health_factor: f64 },
    /// Borrow or collateral withdrawal would leave the position over its limit.
    #[error("insufficient collateral: debt after the operation {debt_after} would exceed the limit {limit}")]
    InsufficientCollateral { debt_after: f64, limit: f64 },
    /// Not enough idle assets in the market for a borrow or a liquidation payout.
    #[error("insufficient liquidity: requested {requested}, available {available}")]
    InsufficientLiquidity { requested: f64, available: f64 },
    #[error("supply cap of reserve {reserve} exceeded: total would be {would_be}, cap {cap}")]
    SupplyCapExceeded { reserve: usize, would_be: f64, cap: f64 },
    #[error("borrow cap of reserve {reserve} exceeded: total would be {would_be}, cap {cap}")]
    BorrowCapExceeded { reserve: usize, would_be: f64, cap: f64 },
    #[error("borrowing is not enabled on reserve {reserve}")]
    BorrowingNotEnabled { reserve: usize },
    #[error("reserve {reserve} is frozen: no new supply or borrowing")]
    ReserveFrozen { reserve: usize },
    #[error("reserve {reserve} is not borrowable in the account's e-mode category {emode}")]
    NotBorrowableInEMode { reserve: usize, emode: usize },
    /// Aave: the collateral reserve has LT 0 or the account holds none of it.
    #[error("reserve {reserve} is not collateral of this account; it cannot be seized")]
    CollateralCannotBeLiquidated { reserve: usize },
    #[error("the account has no debt in reserve {reserve}")]
    NoDebtInReserve { reserve: usize },
    /// Aave v3.3 `MUST_NOT_LEAVE_DUST`: a partial liquidation would leave less than
    /// `MIN_LEFTOVER_BASE` of debt or collateral.
    #[error(
        "liquidation would leave dust: leftover debt ${leftover_debt_usd:.2}, leftover collateral \
         ${leftover_collateral_usd:.2}, minimum ${min_leftover_usd:.2}; liquidate all or less"
    )]
    MustNotLeaveDust { leftover_debt_usd: f64, leftover_collateral_usd: f64, min_leftover_usd: f64 },
    /// Isolated market whose supply assets were wiped out by bad debt while shares remain: shares
    /// have no value and new supply cannot be priced.
    #[error("market supply was wiped out by bad debt; it cannot take new supply")]
    SupplyWipedOut,
}

impl LendingError {
    /// The field path of a parameter problem (`InvalidParam`, `InvalidConfig`), e.g.
    /// `reserves[1].irm.slope2`; `None` for errors of operations.
    pub fn field(&self) -> Option<&str> {
        match self {
            LendingError::InvalidParam { field, .. } | LendingError::InvalidConfig { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// What a liquidation did, in plain numbers so that the caller can emit an event.
///
/// `repaid` is in debt-asset units; `seized`, `liquidator_seized` and `protocol_fee` are in
/// collateral units with `seized = liquidator_seized + protocol_fee` (the total that left the
/// borrower). `bad_debt` is debt-asset units written off by this call (Morpho: socialised to
/// suppliers; Aave: booked as the debt reserve's deficit).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LiquidationOutcome {
    pub repaid: f64,
    pub seized: f64,
    pub liquidator_seized: f64,
    pub protocol_fee: f64,
    pub bad_debt: f64,
    /// Health factor of the position just before the liquidation (for event logs).
    pub health_factor_before: f64,
}

/// Why a withdrawal was not filled completely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawLimit {
    /// Filled in full.
    None,
    /// The supplier asked for more than its balance.
    Balance,
    /// Not enough idle assets (utilisation at 100%): the caller may queue the rest.
    Liquidity,
}

/// Result of a supply-side withdrawal: how much left the market now and how much could not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WithdrawOutcome {
    pub withdrawn: f64,
    /// What the supplier owns and asked for but could not get for lack of liquidity:
    /// `min(requested, balance) - withdrawn`. This is what a caller would queue.
    pub unfilled: f64,
    pub limited_by: WithdrawLimit,
}

// ---- validation helpers (crate-private) ----

/// Adds the problem a check found, if any, to `issues`, unless the same field already has one: a
/// field is reported once, with the first check it fails (the one `validate()` used to stop at).
pub(crate) fn push_issue(issues: &mut Vec<LendingError>, check: Result<(), LendingError>) {
    if let Err(e) = check
        && !(e.field().is_some() && issues.iter().any(|seen| seen.field() == e.field()))
    {
        issues.push(e);
    }
}

/// `validate()` in terms of `issues()`: the first problem, or `Ok`.
pub(crate) fn first_issue(issues: Vec<LendingError>) -> Result<(), LendingError> {
    match issues.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

pub(crate) fn param_err(field: impl Into<String>, allowed: &'static str, got: f64) -> LendingError {
    LendingError::InvalidParam { field: field.into(), allowed, got }
}

/// `lo < x < hi`.
pub(crate) fn check_open(field: &str, x: f64, lo: f64, hi: f64, allowed: &'static str) -> Result<(), LendingError> {
    if x.is_finite() && x > lo && x < hi { Ok(()) } else { Err(param_err(field, allowed, x)) }
}

/// `lo <= x <= hi`.
pub(crate) fn check_closed(field: &str, x: f64, lo: f64, hi: f64, allowed: &'static str) -> Result<(), LendingError> {
    if x.is_finite() && x >= lo && x <= hi { Ok(()) } else { Err(param_err(field, allowed, x)) }
}

/// `lo <= x < hi`.
pub(crate) fn check_half_open(
    field: &str,
    x: f64,
    lo: f64,
    hi: f64,
    allowed: &'static str,
) -> Result<(), LendingError> {
    if x.is_finite() && x >= lo && x < hi { Ok(()) } else { Err(param_err(field, allowed, x)) }
}

/// Amount of an operation: finite and `>= 0`.
pub(crate) fn check_amount(what: &'static str, x: f64) -> Result<(), LendingError> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(LendingError::InvalidAmount { what, allowed: "finite and >= 0", got: x })
    }
}

/// A request amount where `+inf` means "as much as possible": not NaN, `> 0`.
pub(crate) fn check_request(what: &'static str, x: f64) -> Result<(), LendingError> {
    if x > 0.0 {
        // NaN fails `x > 0.0`.
        Ok(())
    } else {
        Err(LendingError::InvalidAmount { what, allowed: "> 0 (+inf for the maximum)", got: x })
    }
}

pub(crate) fn check_price(what: &str, p: f64) -> Result<(), LendingError> {
    if p.is_finite() && p > 0.0 { Ok(()) } else { Err(LendingError::InvalidPrice { what: what.to_string(), got: p }) }
}

/// Time step in years: finite and `>= 0`.
pub(crate) fn check_dt(dt_years: f64) -> Result<(), LendingError> {
    if dt_years.is_finite() && dt_years >= 0.0 {
        Ok(())
    } else {
        Err(LendingError::InvalidAmount { what: "dt_years", allowed: "finite and >= 0", got: dt_years })
    }
}
