//! Transactions: the only ways value moves between holders, pools, LRT protocols, markets and
//! the outside. Each one keeps the ledger, the step's tallies and the error mapping in one
//! place, so a phase (or a new shock or agent) is written as calls to these and cannot forget a
//! side ledger. Conservation of ETH is checked against exactly the flows booked here.

use super::*;
use crate::events::{Event, EventKind};
use crate::vocab::Holder;

impl World {
    /// The ETH wallet of `h` (the outside's is the ledger's `external_eth`).
    pub(super) fn wallet_mut(&mut self, h: Holder) -> &mut f64 {
        wallet(&mut self.agents, &mut self.obs.ledger.external_eth, h)
    }

    /// Pays `eth` to `h`.
    pub(super) fn credit(&mut self, h: Holder, eth: f64) {
        *self.wallet_mut(h) += eth;
    }

    /// Sells `tokens` of pool `p`'s LRT into it (the seller hands over the tokens); returns the ETH
    /// out and notes the price the pool reached.
    pub(super) fn sell_to_pool(&mut self, p: usize, tokens: f64) -> Result<f64, WorldError> {
        let l = self.liquidity.pools[p].lrt;
        let nav = self.nav(l);
        let pool = &mut self.liquidity.pools[p];
        let eth = pool.sell(tokens).map_err(|source| WorldError::Pool { pool: pool.id.clone(), source })?;
        self.obs.tally.saw_price(p, pool.price());
        if eth < tokens * nav {
            let t = &mut self.obs.tally.lrt[l];
            t.sold_below_nav += tokens;
            t.discount_cost_eth += tokens * nav - eth;
        }
        Ok(eth)
    }

    /// Buys pool `p`'s LRT with `eth`; returns the tokens out.
    pub(super) fn buy_from_pool(&mut self, p: usize, eth: f64) -> Result<f64, WorldError> {
        let pool = &mut self.liquidity.pools[p];
        pool.buy(eth).map_err(|source| WorldError::Pool { pool: pool.id.clone(), source })
    }

    /// An outside seller (shock, attacker) sells `tokens` of passive holdings into pool `p`;
    /// the proceeds leave the world. Records the sale as an event following `cause` and as the
    /// pool's latest price move. Returns the event id.
    pub(super) fn outside_sale(&mut self, p: usize, tokens: f64, cause: u64) -> Result<u64, WorldError> {
        let l = self.liquidity.pools[p].lrt;
        let eth = self.sell_to_pool(p, tokens)?;
        self.liquidity.lrts[l].passive_holdings -= tokens;
        self.credit(Holder::Outside, eth);
        let mut s = Event::new(EventKind::PoolSell, Entity::Pool(p as u32));
        s.amount_token = tokens;
        s.amount_eth = eth;
        s.price_pool = self.liquidity.pools[p].price();
        s.nav = self.nav(l);
        s.cause = Some(cause);
        let id = self.obs.events.push(s);
        self.obs.pool_cause[p] = CauseRef { event: Some(id), depth: 0 };
        Ok(id)
    }

    /// `owner` asks to redeem `tokens` of LRT `l` at the current NAV (the tokens leave the
    /// owner's hands; the LRT's claim rule decides what the request is worth when paid). Returns
    /// the most ETH the request may claim. Only while the LRT accepts requests.
    pub(super) fn enqueue_redemption(&mut self, l: usize, owner: Holder, tokens: f64, step: u64) -> f64 {
        debug_assert!(self.liquidity.lrts[l].accepts_requests());
        let nav = self.nav(l);
        let cap = self.liquidity.lrts[l].request(owner, tokens, nav, step);
        self.obs.tally.lrt[l].requested_eth += tokens * nav;
        cap
    }

    /// Mints LRT `l` at NAV for `eth` (the ETH goes to its buffer); returns the tokens.
    pub(super) fn mint_at_nav(&mut self, l: usize, eth: f64, nav: f64) -> f64 {
        self.liquidity.lrts[l].mint(eth, nav)
    }

    /// `owner` withdraws up to `tokens` of LRT `l` instantly from its buffer at `nav`, for the
    /// route's fee (booked as fees: it goes to the protocol's treasury, outside the world).
    /// Returns the tokens used and the ETH paid to the owner.
    pub(super) fn instant_withdrawal(&mut self, l: usize, owner: Holder, tokens: f64, nav: f64) -> (f64, f64) {
        let Some((used, eth, fee)) = self.liquidity.lrts[l].instant_withdraw(&self.restaking.operators, nav, tokens)
        else {
            return (0.0, 0.0);
        };
        self.credit(owner, eth);
        self.obs.ledger.fees_out += fee;
        let t = &mut self.obs.tally.lrt[l];
        t.instant_eth += eth + fee;
        t.instant_fees += fee;
        (used, eth)
    }

    /// Buys `usd` of the USD stablecoin with ETH on the exogenous deep ETH/USD market at the
    /// step's price; returns the ETH it cost.
    pub(super) fn buy_usd(&mut self, usd: f64) -> f64 {
        let eth = usd / self.eth.usd;
        self.obs.ledger.usd_market_eth -= eth;
        self.obs.ledger.usd_market_usd += usd;
        eth
    }

    /// The same with the ETH cost given (a repayment sized in ETH); books `usd` bought.
    pub(super) fn buy_usd_for(&mut self, eth: f64, usd: f64) {
        self.obs.ledger.usd_market_eth -= eth;
        self.obs.ledger.usd_market_usd += usd;
    }

    /// Sells `usd` for ETH on the ETH/USD market; returns the ETH.
    pub(super) fn sell_usd(&mut self, usd: f64) -> f64 {
        let eth = usd / self.eth.usd;
        self.obs.ledger.usd_market_usd -= usd;
        self.obs.ledger.usd_market_eth += eth;
        eth
    }

    /// Liquidator `li` pays `eth` of repayment and its gas (burned).
    pub(super) fn pay_repayment_and_gas(&mut self, li: usize, eth: f64) -> f64 {
        let gas = self.agents.liquidators[li].gas_eth;
        self.agents.liquidators[li].eth -= eth + gas;
        self.obs.ledger.gas_burned += gas;
        gas
    }

    /// Books `eth` slashed from restaked stake (it leaves the world).
    pub(super) fn book_slashed(&mut self, eth: f64) {
        self.obs.ledger.slashed += eth;
        self.obs.tally.slashed_eth += eth;
    }

    /// Books rewards created (`gross`) and the fees taken out of them.
    pub(super) fn book_rewards(&mut self, gross: f64, fees: f64) {
        self.obs.ledger.rewards_in += gross;
        self.obs.ledger.fees_out += fees;
    }

    /// ETH taken out of the world by an attacker.
    pub(super) fn book_stolen(&mut self, eth: f64) {
        self.obs.ledger.external_eth += eth;
    }
}

/// The ETH wallet of `h`, from the parts of the world that hold wallets (so a phase that borrows
/// an LRT can pay its holders).
pub(super) fn wallet<'a>(agents: &'a mut Agents, external_eth: &'a mut f64, h: Holder) -> &'a mut f64 {
    match h {
        Holder::Retail(i) => &mut agents.pop.eth[i as usize],
        Holder::Liquidator(k) => &mut agents.liquidators[k as usize].eth,
        Holder::Arbitrageur(k) => &mut agents.arbitrageurs[k as usize].eth,
        Holder::Outside => external_eth,
    }
}
