//! The books check of a market: totals against positions and lenders, exactly.

use super::*;

impl Market {
    /// Books of the market against its positions and lenders, exactly: the totals of collateral,
    /// debt and supply (shares or scaled balances) are the exact sums of the positions' and
    /// lenders' (see `restake_lending::ExactSum`); no negative balance or cash; for a pooled market
    /// also cash + debt + deficit = aToken supply per reserve, up to the Taylor-vs-linear accrual
    /// difference Aave also has (< 1e-6 relative over a run).
    pub fn check_books(&self) -> Result<(), String> {
        match &self.book {
            Book::Isolated(b) => {
                let inner = &b.inner;
                let (supply, borrow, collateral) = inner.exact_totals();
                if ExactSum::of(b.borrow_shares.iter().copied()) != borrow {
                    let owed: f64 = b.borrow_shares.iter().sum();
                    return Err(format!(
                        "total borrow shares {} but positions owe {owed}",
                        inner.total_borrow_shares()
                    ));
                }
                if ExactSum::of(b.collateral.iter().copied()) != collateral {
                    let held: f64 = b.collateral.iter().sum();
                    return Err(format!("total collateral {} but positions hold {held}", inner.total_collateral()));
                }
                let lenders = std::iter::once(b.passive_shares)
                    .chain(self.lenders.iter().flat_map(|l| l.members.iter()).map(|s| s.shares))
                    .chain(std::iter::once(inner.fee_shares()));
                if ExactSum::of(lenders) != supply {
                    return Err(format!(
                        "supply shares {} but lenders hold another amount",
                        inner.total_supply_shares()
                    ));
                }
                b.check_scan_bounds()?;
                let scale = inner.total_supply_assets().max(1.0);
                let cash = inner.total_supply_assets() - inner.total_borrow_assets();
                if cash < -1e-9 * scale {
                    return Err(format!("negative cash {cash}"));
                }
                for (k, (&c, &s)) in b.collateral.iter().zip(&b.borrow_shares).enumerate() {
                    if c < 0.0 || s < 0.0 {
                        return Err(format!("position {k}: negative collateral {c} or debt shares {s}"));
                    }
                }
                Ok(())
            }
            Book::Pooled(b) => {
                for (r, st) in b.inner.reserves().iter().enumerate() {
                    let accounts = || {
                        b.accounts
                            .iter()
                            .chain(std::iter::once(&b.passive))
                            .chain(self.lenders.iter().flat_map(|l| l.accounts.iter()))
                            .chain(b.claims.iter())
                    };
                    let name = &b.inner.params().reserves[r].name;
                    if ExactSum::of(accounts().map(|a| a.supplied_scaled[r])) != st.supply_sum() {
                        let held: f64 = accounts().map(|a| a.supplied_scaled[r]).sum();
                        return Err(format!(
                            "reserve {name}: scaled supply {} but accounts hold {held}",
                            st.scaled_supply
                        ));
                    }
                    if ExactSum::of(accounts().map(|a| a.debt_scaled[r])) != st.debt_sum() {
                        let owed: f64 = accounts().map(|a| a.debt_scaled[r]).sum();
                        return Err(format!("reserve {name}: scaled debt {} but accounts owe {owed}", st.scaled_debt));
                    }
                    if let Some(a) = accounts().find(|a| a.supplied_scaled[r] < 0.0 || a.debt_scaled[r] < 0.0) {
                        return Err(format!(
                            "reserve {name}: an account holds {} and owes {}",
                            a.supplied_scaled[r], a.debt_scaled[r]
                        ));
                    }
                    let scale = st.total_supply().max(1.0);
                    if st.cash < -1e-9 * scale {
                        return Err(format!("reserve {name}: negative cash {}", st.cash));
                    }
                    let hole = st.cash + st.total_debt() + st.deficit - st.total_supply();
                    if hole.abs() > 1e-6 * scale {
                        return Err(format!("reserve {name}: cash + debt + deficit - supply = {hole}"));
                    }
                }
                Ok(())
            }
        }
    }
}
