//! Operations on an account (Aave v3 `SupplyLogic.sol`: `executeSupply`, `executeWithdraw`;
//! `BorrowLogic.sol`: `executeBorrow`, `executeRepay`; `EModeLogic.sol`: `executeSetUserEMode`),
//! each with its `ValidationLogic.sol` check (`validateSupply`, `validateHFAndLtv`, `validateBorrow`,
//! `validateSetUserEMode`).

use super::{Account, PooledMarket};
use crate::{LendingError, WithdrawLimit, WithdrawOutcome, check_amount, check_request};

impl PooledMarket {
    /// Supply `amount` of reserve `r`; returns the scaled aTokens minted.
    pub fn supply(&mut self, acct: &mut Account, r: usize, amount: f64) -> Result<f64, LendingError> {
        self.check_reserve(r)?;
        self.check_account(acct)?;
        check_amount("supply amount", amount)?;
        if self.frozen[r] {
            return Err(LendingError::ReserveFrozen { reserve: r });
        }
        let st = &self.reserves[r];
        if let Some(cap) = self.params.reserves[r].supply_cap {
            let would_be = st.total_supply() + amount;
            if would_be > cap {
                return Err(LendingError::SupplyCapExceeded { reserve: r, would_be, cap });
            }
        }
        let st = &mut self.reserves[r];
        let scaled = amount / st.liquidity_index;
        let old = acct.supplied_scaled[r];
        acct.supplied_scaled[r] += scaled;
        st.move_supply(old, acct.supplied_scaled[r]);
        st.cash += amount;
        Ok(scaled)
    }

    /// Supply as part of the state a run starts from: the arithmetic of [`PooledMarket::supply`]
    /// without the cap check (caps bind new supply during the run, not the given start state).
    pub fn genesis_supply(&mut self, acct: &mut Account, r: usize, amount: f64) {
        let st = &mut self.reserves[r];
        let scaled = amount / st.liquidity_index;
        let old = acct.supplied_scaled[r];
        acct.supplied_scaled[r] += scaled;
        st.move_supply(old, acct.supplied_scaled[r]);
        st.cash += amount;
    }

    /// Open an account as part of the state a run starts from: supply `collateral` of
    /// `coll_reserve`, enter `emode`, borrow `debt` of `debt_reserve` (the arithmetic of
    /// `supply`, `set_emode` and `borrow` without caps, health and liquidity checks).
    pub fn genesis_position(
        &mut self,
        acct: &mut Account,
        coll_reserve: usize,
        collateral: f64,
        emode: Option<usize>,
        debt_reserve: usize,
        debt: f64,
    ) {
        self.genesis_supply(acct, coll_reserve, collateral);
        acct.emode = emode;
        let st = &mut self.reserves[debt_reserve];
        let scaled = debt / st.borrow_index;
        let old = acct.debt_scaled[debt_reserve];
        acct.debt_scaled[debt_reserve] += scaled;
        st.move_debt(old, acct.debt_scaled[debt_reserve]);
        st.cash -= debt;
    }

    /// Withdraw up to `amount` (`f64::INFINITY` = all) of reserve `r`, limited by the balance and
    /// idle cash. If the account has debt, the health factor after the withdrawal must stay >= 1
    /// (`validateHFAndLtv`), otherwise it is an error.
    pub fn withdraw(
        &mut self,
        acct: &mut Account,
        r: usize,
        amount: f64,
        prices: &[f64],
    ) -> Result<WithdrawOutcome, LendingError> {
        self.check_reserve(r)?;
        self.check_account(acct)?;
        check_request("withdraw amount", amount)?;
        let st = &self.reserves[r];
        let balance = acct.supplied_scaled[r] * st.liquidity_index;
        let wanted = amount.min(balance);
        let withdrawn = wanted.min(st.cash);
        let limited_by = if withdrawn < wanted {
            WithdrawLimit::Liquidity
        } else if amount > balance {
            WithdrawLimit::Balance
        } else {
            WithdrawLimit::None
        };
        if withdrawn <= 0.0 {
            return Ok(WithdrawOutcome { withdrawn: 0.0, unfilled: wanted, limited_by });
        }
        if acct.has_debt() {
            self.check_prices(prices)?;
            let (_, lt) = self.collateral_weights(acct.emode, r);
            if lt > 0.0 {
                let d = self.account_data_unchecked(acct, prices);
                let limit = d.liquidation_limit - withdrawn * prices[r] * lt;
                if limit < d.total_debt {
                    return Err(LendingError::InsufficientCollateral { debt_after: d.total_debt, limit });
                }
            }
        }
        self.take_supply(acct, r, withdrawn, balance);
        Ok(WithdrawOutcome { withdrawn, unfilled: wanted - withdrawn, limited_by })
    }

    /// Takes `amount` (at most the account's `balance`) of reserve `r` out of the account's supply
    /// and the reserve's cash: all of its scaled balance when the whole balance goes, so no dust
    /// survives a full withdrawal.
    fn take_supply(&mut self, acct: &mut Account, r: usize, amount: f64, balance: f64) {
        let st = &mut self.reserves[r];
        let scaled = if amount >= balance {
            acct.supplied_scaled[r]
        } else {
            (amount / st.liquidity_index).min(acct.supplied_scaled[r])
        };
        let old = acct.supplied_scaled[r];
        acct.supplied_scaled[r] -= scaled;
        st.move_supply(old, acct.supplied_scaled[r]);
        st.cash -= amount;
    }

    /// Remove up to `amount` of an account's supply of reserve `r` *without* the health-factor
    /// check of [`PooledMarket::withdraw`]: for a caller that models an atomic flash-loan
    /// deleverage (flash-borrow, repay, withdraw, swap, return in one transaction) and has already
    /// repaid the debt that makes the withdrawal safe. Limited by the balance and the reserve's
    /// idle cash; NaN or negative amounts release nothing. Returns the amount released.
    pub fn release_collateral(&mut self, acct: &mut Account, r: usize, amount: f64) -> f64 {
        // (`amount > 0.0` is false for NaN.)
        if self.check_reserve(r).is_err() || self.check_account(acct).is_err() || amount.is_nan() || amount <= 0.0 {
            return 0.0;
        }
        let st = &mut self.reserves[r];
        let balance = acct.supplied_scaled[r] * st.liquidity_index;
        let out = amount.min(balance).min(st.cash.max(0.0));
        if out <= 0.0 {
            return 0.0;
        }
        self.take_supply(acct, r, out, balance);
        out
    }

    /// Borrow `amount` of reserve `r` (`validateBorrow`); returns the scaled debt minted.
    pub fn borrow(&mut self, acct: &mut Account, r: usize, amount: f64, prices: &[f64]) -> Result<f64, LendingError> {
        self.check_reserve(r)?;
        self.check_account(acct)?;
        self.check_prices(prices)?;
        check_amount("borrow amount", amount)?;
        let p = &self.params.reserves[r];
        if !p.borrowing_enabled {
            return Err(LendingError::BorrowingNotEnabled { reserve: r });
        }
        if self.frozen[r] {
            return Err(LendingError::ReserveFrozen { reserve: r });
        }
        if let Some(e) = acct.emode
            && !self.borrowable_in_emode(Some(e), r)
        {
            return Err(LendingError::NotBorrowableInEMode { reserve: r, emode: e });
        }
        let st = &self.reserves[r];
        if let Some(cap) = p.borrow_cap {
            let would_be = st.total_debt() + amount;
            if would_be > cap {
                return Err(LendingError::BorrowCapExceeded { reserve: r, would_be, cap });
            }
        }
        if amount > st.cash {
            return Err(LendingError::InsufficientLiquidity { requested: amount, available: st.cash });
        }
        let d = self.account_data_unchecked(acct, prices);
        let debt_after = d.total_debt + amount * prices[r];
        // validateBorrow: collateral != 0, LTV != 0, HF > 1, (debt + amount) / LTV <= collateral.
        if d.total_collateral <= 0.0 || d.borrow_limit <= 0.0 || d.health_factor <= 1.0 || debt_after > d.borrow_limit {
            return Err(LendingError::InsufficientCollateral { debt_after, limit: d.borrow_limit });
        }
        let st = &mut self.reserves[r];
        let scaled = amount / st.borrow_index;
        let old = acct.debt_scaled[r];
        acct.debt_scaled[r] += scaled;
        st.move_debt(old, acct.debt_scaled[r]);
        st.cash -= amount;
        Ok(scaled)
    }

    /// Repay up to `amount` (`f64::INFINITY` = all) of the account's debt in reserve `r`; returns
    /// the amount repaid.
    pub fn repay(&mut self, acct: &mut Account, r: usize, amount: f64) -> Result<f64, LendingError> {
        self.check_reserve(r)?;
        self.check_account(acct)?;
        check_request("repay amount", amount)?;
        let debt = acct.debt_scaled[r] * self.reserves[r].borrow_index;
        let repaid = amount.min(debt);
        self.burn_debt(acct, r, repaid, debt);
        self.reserves[r].cash += repaid;
        Ok(repaid)
    }

    pub(super) fn burn_debt(&mut self, acct: &mut Account, r: usize, amount: f64, debt: f64) {
        let st = &mut self.reserves[r];
        let scaled =
            if amount >= debt { acct.debt_scaled[r] } else { (amount / st.borrow_index).min(acct.debt_scaled[r]) };
        let old = acct.debt_scaled[r];
        acct.debt_scaled[r] -= scaled;
        st.move_debt(old, acct.debt_scaled[r]);
    }

    /// Enter (`Some(e)`) or leave (`None`) an e-mode category (`validateSetUserEMode`): every
    /// reserve the account borrows must be borrowable in the category, and HF must stay >= 1.
    pub fn set_emode(&mut self, acct: &mut Account, emode: Option<usize>, prices: &[f64]) -> Result<(), LendingError> {
        self.check_account(acct)?;
        if let Some(e) = emode {
            if e >= self.params.emodes.len() {
                return Err(LendingError::UnknownEMode { index: e, count: self.params.emodes.len() });
            }
            if let Some(r) =
                (0..self.reserves.len()).find(|&r| acct.debt_scaled[r] > 0.0 && !self.borrowable_in_emode(Some(e), r))
            {
                return Err(LendingError::NotBorrowableInEMode { reserve: r, emode: e });
            }
        }
        let old = acct.emode;
        acct.emode = emode;
        if acct.has_debt() {
            if let Err(err) = self.check_prices(prices) {
                acct.emode = old;
                return Err(err);
            }
            let d = self.account_data_unchecked(acct, prices);
            if d.health_factor < 1.0 {
                acct.emode = old;
                return Err(LendingError::InsufficientCollateral {
                    debt_after: d.total_debt,
                    limit: d.liquidation_limit,
                });
            }
        }
        Ok(())
    }

    /// Freezes reserve `r` as Aave's risk admins do with a collateral in trouble: no new supply or
    /// borrowing of it, and its LTV set to 0 so that it backs no new borrowing either (its
    /// liquidation threshold still counts, so nobody becomes liquidatable by the freeze).
    pub fn freeze_reserve(&mut self, r: usize) -> Result<(), LendingError> {
        self.check_reserve(r)?;
        self.frozen[r] = true;
        self.params.reserves[r].ltv = 0.0;
        Ok(())
    }

    pub fn is_frozen(&self, r: usize) -> bool {
        self.frozen.get(r).copied().unwrap_or(false)
    }

    /// Takes everything an account supplied out of the reserves (as far as their cash allows) and
    /// books all its debt as deficits: a position whose collateral turned out worthless (tokens
    /// released without backing and ring-fenced by their issuer). Returns the collateral taken per
    /// reserve and the deficit booked per reserve.
    pub fn forfeit(&mut self, acct: &mut Account) -> Result<(Vec<f64>, Vec<f64>), LendingError> {
        self.check_account(acct)?;
        let n = self.reserves.len();
        let mut taken = vec![0.0; n];
        for (r, t) in taken.iter_mut().enumerate() {
            let balance = acct.supplied_scaled[r] * self.reserves[r].liquidity_index;
            if balance > 0.0 {
                let out = balance.min(self.reserves[r].cash.max(0.0));
                self.take_supply(acct, r, out, balance);
                *t = out;
            }
        }
        let mut deficits = vec![0.0; n];
        for (r, d) in deficits.iter_mut().enumerate() {
            let st = &mut self.reserves[r];
            let debt = acct.debt_scaled[r] * st.borrow_index;
            if debt > 0.0 {
                st.move_debt(acct.debt_scaled[r], 0.0);
                acct.debt_scaled[r] = 0.0;
                st.deficit += debt;
                *d = debt;
            }
        }
        Ok((taken, deficits))
    }

    /// `amount` of reserve `r`'s asset paid in to cover its deficit (a bail-out or funds an
    /// attacker returned); what exceeds the deficit goes to the treasury as aTokens, so cash +
    /// debt + deficit = supply still holds. Returns what was taken in.
    pub fn cover_deficit(&mut self, r: usize, amount: f64) -> f64 {
        if self.check_reserve(r).is_err() || !(amount > 0.0 && amount.is_finite()) {
            return 0.0;
        }
        let st = &mut self.reserves[r];
        let covered = amount.min(st.deficit);
        st.deficit -= covered;
        st.cash += amount;
        st.treasury_scaled += (amount - covered) / st.liquidity_index;
        amount
    }
}
