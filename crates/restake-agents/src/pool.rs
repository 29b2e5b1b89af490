//! An LRT/ETH pool: coin 0 is ETH, coin 1 the LRT.

use restake_amm::{Amm, AmmError, Pool};

pub const ETH: usize = 0;
pub const LRT: usize = 1;

#[derive(Clone, Debug)]
pub struct LrtPool {
    pub id: String,
    pub lrt: usize,
    pub amm: Pool,
    /// The invariant counts the LRT at its NAV (a rate oracle; stableswap only).
    pub nav_rate: bool,
}

impl LrtPool {
    pub fn new(id: String, lrt: usize, amm: Pool) -> Self {
        LrtPool { id, lrt, amm, nav_rate: false }
    }

    /// A rate-oracle pool reads the LRT's NAV: the invariant counts one LRT as `nav` ETH
    /// (Curve stableswap-ng's `stored_rates`, Balancer's rate provider). Balances stay; the
    /// price moves.
    pub fn set_rate(&mut self, nav: f64) -> Result<(), AmmError> {
        match &mut self.amm {
            Pool::StableSwap(s) if self.nav_rate && nav > 0.0 && s.rates()[LRT] != nav => s.set_rates(vec![1.0, nav]),
            _ => Ok(()),
        }
    }

    /// The LRT's price after `tokens` were sold (a quote: the pool does not change).
    pub fn price_after_sale(&self, tokens: f64) -> f64 {
        let mut amm = self.amm.clone();
        match amm.exchange(LRT, ETH, tokens) {
            Ok(_) => amm.spot_price(LRT, ETH).unwrap_or(f64::NAN),
            Err(_) => f64::NAN,
        }
    }

    pub fn eth_reserve(&self) -> f64 {
        self.amm.balances()[ETH]
    }

    pub fn lrt_reserve(&self) -> f64 {
        self.amm.balances()[LRT]
    }

    /// Marginal price of the LRT in ETH, before fee.
    pub fn price(&self) -> f64 {
        self.amm.spot_price(LRT, ETH).unwrap_or(f64::NAN)
    }

    /// Share of the pool's value held in the LRT at spot (0.5 is balanced).
    pub fn lrt_share(&self) -> f64 {
        let l = self.lrt_reserve() * self.price();
        l / (l + self.eth_reserve())
    }

    /// ETH received for selling `tokens` (a quote).
    pub fn quote_sell(&self, tokens: f64) -> f64 {
        if tokens <= 0.0 {
            return 0.0;
        }
        self.amm.get_dy(LRT, ETH, tokens).unwrap_or(0.0)
    }

    /// LRT received for buying with `eth` (a quote).
    pub fn quote_buy(&self, eth: f64) -> f64 {
        if eth <= 0.0 {
            return 0.0;
        }
        self.amm.get_dy(ETH, LRT, eth).unwrap_or(0.0)
    }

    /// ETH it costs to buy `tokens` of the LRT (a quote; infinite if the pool cannot pay them).
    pub fn eth_to_buy(&self, tokens: f64) -> f64 {
        if tokens <= 0.0 {
            return 0.0;
        }
        self.amm.get_dx(ETH, LRT, tokens).unwrap_or(f64::INFINITY)
    }

    /// Sells `tokens` of the LRT for ETH.
    pub fn sell(&mut self, tokens: f64) -> Result<f64, AmmError> {
        if tokens <= 0.0 {
            return Ok(0.0);
        }
        Ok(self.amm.exchange(LRT, ETH, tokens)?.dy)
    }

    /// Buys the LRT with `eth`.
    pub fn buy(&mut self, eth: f64) -> Result<f64, AmmError> {
        if eth <= 0.0 {
            return Ok(0.0);
        }
        Ok(self.amm.exchange(ETH, LRT, eth)?.dy)
    }

    /// ETH to pay in to lift the LRT price (before fee) to `target`.
    pub fn eth_to_lift_price(&self, target: f64) -> f64 {
        // Buying the LRT lowers the ETH price in LRT (spot_price(ETH, LRT) = 1 / price).
        self.amm.dx_for_target_price(ETH, LRT, 1.0 / target).unwrap_or(0.0)
    }

    /// LRT to sell to push the LRT price (before fee) down to `target`.
    pub fn tokens_to_lower_price(&self, target: f64) -> f64 {
        self.amm.dx_for_target_price(LRT, ETH, target).unwrap_or(0.0)
    }
}
