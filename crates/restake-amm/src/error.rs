//! The crate's error type and the input checks shared by all pools.

use thiserror::Error;

/// Everything that can go wrong in AMM math. Each variant says what was wrong and, for bad
/// parameters, what would have been allowed, so a scenario author can fix the input.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AmmError {
    /// A parameter or amount is outside its allowed range.
    #[error("invalid {name} = {value}: must be {allowed}")]
    InvalidParameter {
        /// Which parameter (e.g. `"amp"`, `"fee"`, `"balances[2]"`, `"dx"`).
        name: &'static str,
        /// The offending value, formatted.
        value: String,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// A coin index is not a coin of this pool.
    #[error("coin index {index} out of range: the pool has {n} coins (indices 0..{n})")]
    IndexOutOfRange {
        /// The index given.
        index: usize,
        /// Number of coins in the pool.
        n: usize,
    },
    /// A swap or price was asked between a coin and itself.
    #[error("coin indices must differ, got i = j = {index}")]
    SameCoin {
        /// The index given twice.
        index: usize,
    },
    /// An iterative solver ran out of iterations (or hit a degenerate step).
    #[error("{what} did not converge within {iterations} iterations")]
    DidNotConverge {
        /// Which solver (e.g. `"StableSwap D"`).
        what: &'static str,
        /// The iteration budget that was exhausted.
        iterations: usize,
    },
    /// A result left the range of `f64` (overflow, or underflow to zero where that is fatal),
    /// which happens only for extreme balance ratios.
    #[error("{what} is outside the f64 range for these balances")]
    NumericalRange {
        /// What was being computed.
        what: &'static str,
    },
    /// The trade or withdrawal would take (all of) a balance the pool does not have.
    #[error("insufficient liquidity: {reason}")]
    InsufficientLiquidity {
        /// What was asked and what is there.
        reason: String,
    },
}

/// Shorthand used throughout the crate.
pub type Result<T> = std::result::Result<T, AmmError>;

/// Checks that `i` and `j` are two distinct coins of an `n`-coin pool.
pub(crate) fn check_pair(i: usize, j: usize, n: usize) -> Result<()> {
    for index in [i, j] {
        if index >= n {
            return Err(AmmError::IndexOutOfRange { index, n });
        }
    }
    if i == j {
        return Err(AmmError::SameCoin { index: i });
    }
    Ok(())
}

/// An amount that may be zero (trade sizes, LP amounts): finite and `>= 0`.
pub(crate) fn check_amount(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(AmmError::InvalidParameter { name, value: value.to_string(), allowed: "finite and >= 0" })
    }
}

/// A strictly positive finite quantity (balances, prices, amplification).
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(AmmError::InvalidParameter { name, value: value.to_string(), allowed: "finite and > 0" })
    }
}

/// A fee as a fraction of the traded amount: `0 <= fee < 1`.
pub(crate) fn check_fee(value: f64) -> Result<()> {
    if value.is_finite() && (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(AmmError::InvalidParameter {
            name: "fee",
            value: value.to_string(),
            allowed: "a fraction in [0, 1) (0.0004 = 4 bp)",
        })
    }
}

/// Balances: every entry finite and `> 0`; `name` names the whole vector.
pub(crate) fn check_balances(name: &'static str, balances: &[f64]) -> Result<()> {
    for (k, &b) in balances.iter().enumerate() {
        if !(b.is_finite() && b > 0.0) {
            return Err(AmmError::InvalidParameter {
                name,
                value: format!("{b} at index {k}"),
                allowed: "finite and > 0 for every coin",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_problem() {
        let e = check_fee(1.5).unwrap_err();
        assert!(e.to_string().contains("fee = 1.5"), "{e}");
        assert_eq!(check_pair(0, 3, 2), Err(AmmError::IndexOutOfRange { index: 3, n: 2 }));
        assert_eq!(check_pair(1, 1, 2), Err(AmmError::SameCoin { index: 1 }));
        assert!(check_amount("dx", f64::NAN).is_err());
        assert!(check_amount("dx", 0.0).is_ok());
        assert!(check_positive("amp", 0.0).is_err());
        assert!(check_balances("balances", &[1.0, -1.0]).is_err());
    }
}

/// Pro-rata amounts of every coin for `lp_amount` of `lp_supply` LP shares, shared by balanced
/// deposits and withdrawals of both pool kinds. A withdrawal of the whole supply is refused:
/// this model has no empty pools.
pub(crate) fn pro_rata(balances: &[f64], lp_supply: f64, lp_amount: f64, withdrawal: bool) -> Result<Vec<f64>> {
    check_amount("lp_amount", lp_amount)?;
    if withdrawal && lp_amount >= lp_supply {
        return Err(AmmError::InsufficientLiquidity {
            reason: format!("burning {lp_amount} LP shares of a supply of {lp_supply} would empty the pool"),
        });
    }
    let share = lp_amount / lp_supply;
    Ok(balances.iter().map(|b| b * share).collect())
}
