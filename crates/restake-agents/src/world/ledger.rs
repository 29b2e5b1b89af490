//! Accounting invariants: ETH is conserved, LRT supply equals holdings, nothing is negative,
//! market books balance.

use super::*;

/// Flows into and out of the simulated world, for the ETH conservation check.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub initial_eth: f64,
    /// Staking rewards and AVS fees created.
    pub rewards_in: f64,
    /// Slashed (burned or paid away).
    pub slashed: f64,
    /// Operator commissions, LRT protocol fees, instant-withdrawal fees.
    pub fees_out: f64,
    /// Gas paid by liquidators.
    pub gas_burned: f64,
    /// ETH held outside the simulated population: paid to outside sellers (shocks) and taken by
    /// attackers (exploits).
    pub external_eth: f64,
    /// Net ETH bought from (+) or sold to (-) the exogenous ETH/USD market (`leverage.rs`).
    pub usd_market_eth: f64,
    /// Net USD bought from (+) or sold to (-) that market.
    pub usd_market_usd: f64,
    /// Physical USD at the start (pooled USD reserves' cash).
    pub initial_usd: f64,
    /// Net ETH outside capital brought to arbitrageurs (in, less what left).
    pub capital_in: f64,
}

/// Relative tolerance of the conservation checks: the books are kept in f64 and the largest
/// balances are ~1e7 ETH, so 1e-9 relative is ~1e-2 ETH of rounding at worst.
const REL_TOL: f64 = 1e-9;

impl World {
    /// Every ETH held by anyone in the world (not debt, which is a claim).
    pub fn eth_holdings(&self) -> f64 {
        let (pop, ag, liq, re) = (&self.agents.pop, &self.agents, &self.liquidity, &self.restaking);
        let retail: f64 = restake_engine::par::ordered_sum(pop.len(), |i| pop.eth[i]);
        let liquidators: f64 = ag.liquidators.iter().map(|l| l.eth).sum();
        let arbitrageurs: f64 = ag.arbitrageurs.iter().map(|a| a.eth).sum();
        let pools: f64 = liq.pools.iter().map(|p| p.eth_reserve()).sum();
        let buffers: f64 = liq.lrts.iter().map(|l| l.buffer_eth).sum();
        let staked: f64 = re.operators.iter().map(|o| o.stake()).sum();
        let cash: f64 =
            self.lending.markets.iter().map(|m| m.cash_of(Asset::Eth)).sum::<f64>() + self.lender_wallets(Asset::Eth);
        let natives: f64 = re.natives.iter().map(|n| n.rewards_eth).sum();
        let lps: f64 = liq.lps.iter().flat_map(|c| c.eth.iter()).sum();
        retail
            + liquidators
            + arbitrageurs
            + pools
            + buffers
            + staked
            + cash
            + natives
            + lps
            + self.obs.ledger.external_eth
    }

    /// Physical USD held in the world: pooled USD reserves' cash and lenders' USD wallets.
    pub fn usd_holdings(&self) -> f64 {
        self.lending.markets.iter().map(|m| m.cash_of(Asset::Usd)).sum::<f64>() + self.lender_wallets(Asset::Usd)
    }

    /// What lenders have withdrawn into their wallets, of `asset`.
    fn lender_wallets(&self, asset: Asset) -> f64 {
        self.lending
            .markets
            .iter()
            .flat_map(|m| m.lenders().iter())
            .filter(|l| l.asset == asset)
            .flat_map(|l| l.members.iter())
            .map(|s| s.wallet)
            .sum()
    }

    /// LRT tokens held by anyone, per LRT.
    pub fn lrt_holdings(&self, l: usize) -> f64 {
        let pop = &self.agents.pop;
        let retail: f64 = self
            .agents
            .cohorts
            .iter()
            .filter(|c| c.lrt == l)
            .map(|c| c.range.clone().map(|i| pop.lrt[i]).sum::<f64>())
            .sum();
        let pools: f64 = self.liquidity.pools.iter().filter(|p| p.lrt == l).map(|p| p.lrt_reserve()).sum();
        let liq: f64 = self.agents.liquidators.iter().map(|x| x.lrt[l]).sum();
        let arb: f64 = self.agents.arbitrageurs.iter().map(|x| x.lrt[l]).sum();
        let markets: f64 = self.lending.markets.iter().map(|m| m.holdings_of(Asset::Lrt(l))).sum();
        let lps: f64 = self
            .liquidity
            .lps
            .iter()
            .filter(|c| self.liquidity.pools[c.pool].lrt == l)
            .flat_map(|c| c.lrt.iter())
            .sum();
        let lrt = &self.liquidity.lrts[l];
        lrt.passive_holdings + retail + pools + liq + arb + markets + lps + lrt.queued_tokens
    }

    pub(super) fn check_ledger(&self) -> Result<(), String> {
        let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= REL_TOL * scale.max(1.0);
        let held = self.eth_holdings();
        let l = &self.obs.ledger;
        let expected =
            l.initial_eth + l.rewards_in - l.slashed - l.fees_out - l.gas_burned + l.usd_market_eth + l.capital_in;
        if !close(held, expected, l.initial_eth.max(held.abs())) {
            return Err(format!(
                "ETH not conserved: held {held:.9} vs initial {:.9} + rewards {:.9} - slashed {:.9} - fees {:.9} - gas {:.9} + bought {:.9} + outside capital {:.9} = {expected:.9} (diff {:.3e})",
                l.initial_eth,
                l.rewards_in,
                l.slashed,
                l.fees_out,
                l.gas_burned,
                l.usd_market_eth,
                l.capital_in,
                held - expected
            ));
        }
        for (li, lrt) in self.liquidity.lrts.iter().enumerate() {
            let h = self.lrt_holdings(li);
            if !close(h, lrt.supply, lrt.supply) {
                return Err(format!("LRT `{}`: supply {:.9} but holdings {h:.9}", lrt.id, lrt.supply));
            }
            let queued: f64 = lrt.queue.iter().map(|r| r.tokens).sum();
            if !close(queued, lrt.queued_tokens, lrt.supply) {
                return Err(format!(
                    "LRT `{}`: queue holds {queued} tokens but {} are escrowed",
                    lrt.id, lrt.queued_tokens
                ));
            }
            for (o, (&a, &w)) in lrt.shares.iter().zip(&lrt.withdrawing).enumerate() {
                if a < -REL_TOL * lrt.supply || w < -REL_TOL * lrt.supply {
                    return Err(format!("LRT `{}`: negative shares at operator {o}", lrt.id));
                }
            }
            if lrt.buffer_eth < -REL_TOL * lrt.supply.max(1.0) {
                return Err(format!("LRT `{}`: negative buffer {}", lrt.id, lrt.buffer_eth));
            }
        }
        let re = &self.restaking;
        for (o, op) in re.operators.iter().enumerate() {
            let s: f64 = self.liquidity.lrts.iter().map(|l| l.shares[o] + l.withdrawing[o]).sum::<f64>()
                + re.natives.iter().map(|n| n.shares[o]).sum::<f64>();
            if !close(s, op.shares, op.shares) {
                return Err(format!("operator `{}`: {} shares but delegators hold {s}", op.id, op.shares));
            }
            if op.max_magnitude < -1e-12 {
                return Err(format!("operator `{}`: negative magnitude", op.id));
            }
        }
        let usd = self.usd_holdings();
        // Scaled by the USD that exists or moved: a reserve can start with all of it lent out.
        let usd_scale = l.initial_usd.abs().max(usd.abs()).max(l.usd_market_usd.abs());
        if !close(usd, l.initial_usd + l.usd_market_usd, usd_scale) {
            return Err(format!(
                "USD not conserved: held {usd:.6} vs initial {:.6} + bought {:.6} (diff {:.3e})",
                l.initial_usd,
                l.usd_market_usd,
                usd - l.initial_usd - l.usd_market_usd
            ));
        }
        for m in &self.lending.markets {
            m.check_books().map_err(|e| format!("market `{}`: {e}", m.id))?;
        }
        let tol = -REL_TOL * l.initial_eth.max(1.0);
        let p = &self.agents.pop;
        for i in 0..p.len() {
            if p.eth[i] < tol || p.lrt[i] < tol || p.queued[i] < tol {
                return Err(format!(
                    "agent {i}: negative balance (eth {}, lrt {}, queued {})",
                    p.eth[i], p.lrt[i], p.queued[i]
                ));
            }
        }
        // No debt without collateral behind it: a position whose collateral ran out has had its
        // debt booked as bad debt (isolated) or a deficit (pooled).
        for i in 0..p.len() {
            if let Some(pos) = self.position(i) {
                if pos.collateral <= 0.0 && pos.debt_value > 1e-9 {
                    return Err(format!("agent {i}: owes {} ETH with no collateral", pos.debt_value));
                }
            }
        }
        for (k, x) in self.agents.liquidators.iter().enumerate() {
            if x.eth < tol {
                return Err(format!("liquidator {k}: negative ETH {}", x.eth));
            }
        }
        for (k, x) in self.agents.arbitrageurs.iter().enumerate() {
            if x.eth < tol {
                return Err(format!("arbitrageur {k}: negative ETH {}", x.eth));
            }
        }
        for p in &self.liquidity.pools {
            if p.eth_reserve() <= 0.0 || p.lrt_reserve() <= 0.0 {
                return Err(format!("pool `{}`: a reserve is not positive", p.id));
            }
        }
        Ok(())
    }
}
