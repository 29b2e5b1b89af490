//! A market as the resolved scenario describes it: plain values, already checked, from which
//! [`super::Market::new`] builds the state.

use super::feed::PriceFeed;
use crate::sampler::Sampler;
use crate::vocab::Asset;
use restake_lending::{IsolatedMarket, PooledMarket};

#[derive(Clone, Debug)]
pub struct MarketSpec {
    pub id: String,
    pub book: BookSpec,
    pub suppliers: SupplierSpec,
}

/// The mechanism of a market, with its validated parameters.
#[derive(Clone, Debug)]
pub enum BookSpec {
    Isolated(IsolatedSpec),
    Pooled(PooledSpec),
}

/// A Morpho-Blue-like market: one LRT against ETH.
#[derive(Clone, Debug)]
pub struct IsolatedSpec {
    pub lrt: usize,
    pub lltv: f64,
    /// The empty market (parameters validated by `restake-lending`).
    pub market: IsolatedMarket,
    pub feed: PriceFeed,
    /// ETH supplied by lenders beyond what the borrowers borrow at the start.
    pub idle_supply: f64,
}

/// An Aave-v3-like market.
#[derive(Clone, Debug)]
pub struct PooledSpec {
    pub market: PooledMarket,
    /// Asset of each reserve.
    pub assets: Vec<Asset>,
    /// Price feed of each reserve.
    pub feeds: Vec<PriceFeed>,
    /// Supplied by lenders outside the population at the start, per reserve (asset units).
    pub idle_supply: Vec<f64>,
    /// Reserves that can be borrowed (each has its lenders).
    pub loan_reserves: Vec<usize>,
    pub emode_labels: Vec<String>,
}

/// Lenders who may run (see `scenario::SupplierConfig`).
#[derive(Clone, Debug)]
pub struct SupplierSpec {
    pub count: u32,
    pub passive_share: f64,
    pub utilisation_threshold: Sampler,
    pub bad_debt_threshold: Sampler,
    /// Probability that a supplier looks at the market in one step.
    pub attention: f64,
}

impl MarketSpec {
    /// The reserve holding `asset` (a single-collateral market has one reserve, 0, for both
    /// its collateral and its loan).
    pub fn reserve_of(&self, asset: Asset) -> Option<usize> {
        match &self.book {
            BookSpec::Isolated(s) => (asset == Asset::Lrt(s.lrt) || asset == Asset::Eth).then_some(0),
            BookSpec::Pooled(s) => s.assets.iter().position(|&a| a == asset),
        }
    }

    /// Weight of `asset` in the health factor (LLTV or liquidation threshold, e-mode aware) and
    /// its LTV; (0, 0) if it is not collateral here.
    pub fn collateral_weights(&self, asset: Asset, emode: Option<usize>) -> (f64, f64) {
        match &self.book {
            BookSpec::Isolated(s) => {
                if asset == Asset::Lrt(s.lrt) {
                    (s.lltv, s.lltv)
                } else {
                    (0.0, 0.0)
                }
            }
            BookSpec::Pooled(s) => match s.assets.iter().position(|&a| a == asset) {
                Some(r) => {
                    let (ltv, lt) = s.market.collateral_params(emode, r);
                    (lt, ltv)
                }
                None => (0.0, 0.0),
            },
        }
    }

    /// Whether `asset` can be borrowed here.
    pub fn lends(&self, asset: Asset) -> bool {
        match &self.book {
            BookSpec::Isolated(_) => asset == Asset::Eth,
            BookSpec::Pooled(s) => s.loan_reserves.iter().any(|&r| s.assets[r] == asset),
        }
    }

    /// The efficiency-mode categories (none on a single-collateral market).
    pub fn emode_labels(&self) -> &[String] {
        match &self.book {
            BookSpec::Isolated(_) => &[],
            BookSpec::Pooled(s) => &s.emode_labels,
        }
    }

    /// Whether e-mode `e` takes `collateral` and lends `debt`.
    pub fn emode_allows(&self, e: usize, collateral: Asset, debt: Asset) -> bool {
        match &self.book {
            BookSpec::Isolated(_) => false,
            BookSpec::Pooled(s) => {
                let (Some(c), Some(d)) = (self.reserve_of(collateral), self.reserve_of(debt)) else { return false };
                let cat = s.market.params().emodes.get(e);
                cat.is_some_and(|cat| cat.collateral_assets.contains(&c) && cat.borrowable_assets.contains(&d))
            }
        }
    }
}
