//! Liquidation (Aave v3 `LiquidationLogic.sol`): `executeLiquidationCall` with its close factor and
//! `MUST_NOT_LEAVE_DUST` rule, `_calculateAvailableCollateralToLiquidate`, `_burnDebtTokens` and
//! `_burnBadDebt` (v3.3 deficit accounting); preconditions from
//! `ValidationLogic.validateLiquidationCall`.

use super::{Account, PooledMarket};
use crate::{LendingError, LiquidationOutcome, check_price, check_request};

/// What the liquidator takes: the underlying (paid out of the collateral reserve's cash) or the
/// aTokens (`receiveAToken = true`: a transfer of the borrower's supply, which needs no cash, so a
/// lender run that empties the collateral reserve does not block the liquidation).
#[derive(Debug)]
pub enum Receive<'a> {
    Underlying,
    /// The liquidator's account, which receives the seized supply.
    AToken(&'a mut Account),
}

/// Bad debt booked in one reserve by a liquidation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReserveDeficit {
    pub reserve: usize,
    pub amount: f64,
}

/// Result of a pooled liquidation. `outcome.repaid` is in debt-reserve units, `outcome.seized`
/// (= liquidator part + protocol fee) in collateral-reserve units, `outcome.bad_debt` is the deficit
/// booked in the debt reserve; `deficits` lists every reserve's (empty, and unallocated, unless the
/// account lost all its collateral).
#[derive(Debug, Clone, PartialEq)]
pub struct PooledLiquidationOutcome {
    pub outcome: LiquidationOutcome,
    pub collateral_reserve: usize,
    pub debt_reserve: usize,
    /// Close factor that applied (0.5 or 1.0 with default parameters).
    pub close_factor: f64,
    /// Most debt of the reserve that could be repaid in this call.
    pub max_liquidatable_debt: f64,
    /// The account has no collateral left: all its debt was burned into deficits.
    pub no_collateral_left: bool,
    pub deficits: Vec<ReserveDeficit>,
    /// Sum of `deficits` valued at the prices used, ETH.
    pub bad_debt_value: f64,
}

impl PooledMarket {
    /// What `liquidate` would do, without doing it. `debt_to_cover` may be `f64::INFINITY` (Aave's
    /// `type(uint256).max`): the most the close factor allows.
    pub fn preview_liquidation(
        &self,
        acct: &Account,
        collateral_reserve: usize,
        debt_reserve: usize,
        debt_to_cover: f64,
        prices: &[f64],
        eth_usd: f64,
        receive_atoken: bool,
    ) -> Result<PooledLiquidationOutcome, LendingError> {
        let (c, d) = (collateral_reserve, debt_reserve);
        self.check_reserve(c)?;
        self.check_reserve(d)?;
        self.check_account(acct)?;
        self.check_prices(prices)?;
        check_price("ETH in USD", eth_usd)?;
        check_request("debt_to_cover", debt_to_cover)?;

        let data = self.account_data_unchecked(acct, prices);
        let hf = data.health_factor;
        // Aave: HF must be below HEALTH_FACTOR_LIQUIDATION_THRESHOLD (1.0).
        if hf >= 1.0 || hf.is_nan() {
            return Err(LendingError::HealthyPosition { health_factor: hf });
        }
        let balance = acct.supplied_scaled[c] * self.reserves[c].liquidity_index;
        if self.params.reserves[c].liquidation_threshold == 0.0 || balance <= 0.0 {
            return Err(LendingError::CollateralCannotBeLiquidated { reserve: c });
        }
        let reserve_debt = acct.debt_scaled[d] * self.reserves[d].borrow_index;
        if reserve_debt <= 0.0 {
            return Err(LendingError::NoDebtInReserve { reserve: d });
        }
        let bonus = self.liquidation_bonus(acct.emode, c);
        let (pc, pd) = (prices[c], prices[d]);

        // Close factor (executeLiquidationCall): 50% of the account's total debt value, unless
        // HF <= 0.95 or this reserve's collateral or debt is below the USD threshold.
        let close_factor = self.params.close_factor(hf, balance * pc * eth_usd, reserve_debt * pd * eth_usd);
        let mut max_liquidatable_debt = reserve_debt;
        if close_factor < 1.0 {
            let default_liquidatable_value = data.total_debt * close_factor;
            if reserve_debt * pd > default_liquidatable_value {
                max_liquidatable_debt = default_liquidatable_value / pd;
            }
        }
        let to_liquidate = debt_to_cover.min(max_liquidatable_debt);

        // _calculateAvailableCollateralToLiquidate.
        let base_collateral = to_liquidate * pd / pc;
        let max_collateral = base_collateral * (1.0 + bonus);
        // A seizure within float rounding of the whole balance takes the whole balance (in wad
        // integers Aave has no such residue; in f64 `repaid * P_d / P_c * (1 + bonus)` computed
        // back from a capped `repaid` can fall 1 ulp short and leave 1e-17 of "dust").
        let (seized, repaid) = if max_collateral > balance * (1.0 - 1e-12) {
            (balance, balance * pc / pd / (1.0 + bonus))
        } else {
            (max_collateral, to_liquidate)
        };
        let fee_share = self.params.reserves[c].liquidation_protocol_fee;
        let protocol_fee = if fee_share != 0.0 { (seized - seized / (1.0 + bonus)) * fee_share } else { 0.0 };
        let liquidator_seized = seized - protocol_fee;

        // MUST_NOT_LEAVE_DUST.
        let min_left = self.params.min_leftover_base_usd;
        if repaid < reserve_debt && seized < balance {
            let leftover_debt_usd = (reserve_debt - repaid) * pd * eth_usd;
            let leftover_collateral_usd = (balance - seized) * pc * eth_usd;
            if leftover_debt_usd < min_left || leftover_collateral_usd < min_left {
                return Err(LendingError::MustNotLeaveDust {
                    leftover_debt_usd,
                    leftover_collateral_usd,
                    min_leftover_usd: min_left,
                });
            }
        }

        // A liquidator who receives the underlying needs the collateral reserve's cash (plus what
        // this call repays into it if debt and collateral are the same asset); aTokens need none.
        let available = self.reserves[c].cash + if c == d { repaid } else { 0.0 };
        if !receive_atoken && liquidator_seized > available {
            return Err(LendingError::InsufficientLiquidity { requested: liquidator_seized, available });
        }

        // hasNoCollateralLeft: all of the account's counted collateral is taken by this call.
        let no_collateral_left = seized >= balance
            && (0..self.reserves.len()).all(|j| {
                j == c || acct.supplied_scaled[j] <= 0.0 || self.params.reserves[j].liquidation_threshold == 0.0
            });
        let mut deficits = Vec::new();
        let mut bad_debt = 0.0;
        let mut bad_debt_value = 0.0;
        if no_collateral_left {
            for (j, (st, &price)) in self.reserves.iter().zip(prices).enumerate() {
                let debt_j = acct.debt_scaled[j] * st.borrow_index;
                let amount = if j == d { (debt_j - repaid).max(0.0) } else { debt_j };
                if amount > 0.0 {
                    deficits.push(ReserveDeficit { reserve: j, amount });
                    bad_debt_value += amount * price;
                    if j == d {
                        bad_debt = amount;
                    }
                }
            }
        }
        Ok(PooledLiquidationOutcome {
            outcome: LiquidationOutcome {
                repaid,
                seized,
                liquidator_seized,
                protocol_fee,
                bad_debt,
                health_factor_before: hf,
            },
            collateral_reserve: c,
            debt_reserve: d,
            close_factor,
            max_liquidatable_debt,
            no_collateral_left,
            deficits,
            bad_debt_value,
        })
    }

    /// Liquidate an account with HF < 1 (`LiquidationLogic.executeLiquidationCall`): the liquidator
    /// repays `outcome.repaid` of `debt_reserve` and receives `outcome.liquidator_seized` of
    /// `collateral_reserve`, as underlying or as aTokens (`receive`); the treasury receives
    /// `outcome.protocol_fee` as aTokens. If the account has no collateral left, all its remaining
    /// debt becomes reserve deficits.
    #[allow(clippy::too_many_arguments)]
    pub fn liquidate(
        &mut self,
        acct: &mut Account,
        collateral_reserve: usize,
        debt_reserve: usize,
        debt_to_cover: f64,
        prices: &[f64],
        eth_usd: f64,
        receive: Receive,
    ) -> Result<PooledLiquidationOutcome, LendingError> {
        let atoken = matches!(receive, Receive::AToken(_));
        let out =
            self.preview_liquidation(acct, collateral_reserve, debt_reserve, debt_to_cover, prices, eth_usd, atoken)?;
        let (c, d) = (collateral_reserve, debt_reserve);
        let o = out.outcome;

        // Debt: burn what was repaid (everything if the account is wiped out; the rest is deficit).
        let reserve_debt = acct.debt_scaled[d] * self.reserves[d].borrow_index;
        self.burn_debt(acct, d, o.repaid, reserve_debt);
        self.reserves[d].cash += o.repaid;

        // Collateral: the borrower loses `seized`; the liquidator takes `liquidator_seized` out as
        // underlying (or keeps it supplied, as aTokens), the treasury gets `protocol_fee` as
        // aTokens.
        let balance = acct.supplied_scaled[c] * self.reserves[c].liquidity_index;
        let st = &mut self.reserves[c];
        let scaled_seized = if o.seized >= balance {
            acct.supplied_scaled[c]
        } else {
            (o.seized / st.liquidity_index).min(acct.supplied_scaled[c])
        };
        let scaled_fee = (o.protocol_fee / st.liquidity_index).min(scaled_seized);
        let old = acct.supplied_scaled[c];
        acct.supplied_scaled[c] -= scaled_seized;
        st.move_supply(old, acct.supplied_scaled[c]);
        st.treasury_scaled += scaled_fee;
        match receive {
            Receive::Underlying => st.cash -= o.liquidator_seized,
            Receive::AToken(to) => {
                let old = to.supplied_scaled[c];
                to.supplied_scaled[c] += scaled_seized - scaled_fee;
                st.move_supply(old, to.supplied_scaled[c]);
            }
        }

        // Deficits (_burnDebtTokens with hasNoCollateralLeft, _burnBadDebt).
        for def in &out.deficits {
            let j = def.reserve;
            let st = &mut self.reserves[j];
            st.move_debt(acct.debt_scaled[j], 0.0);
            acct.debt_scaled[j] = 0.0;
            st.deficit += def.amount;
        }
        Ok(out)
    }
}
