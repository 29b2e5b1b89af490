//! What shocks do to a market: an attacker's position opened against unbacked collateral, its
//! forfeit, stolen collateral, a frozen reserve, a failing oracle, lenders who run at once, and
//! value returned to the lenders.

use super::*;

/// The owner of a position that belongs to nobody in the population (an attacker).
pub const OUTSIDE: u32 = u32::MAX;

impl Market {
    /// The price feed of reserve `feed` (pooled) or the market's only feed (isolated).
    pub fn feed_mut(&mut self, feed: usize) -> &mut PriceFeed {
        match &mut self.book {
            Book::Isolated(b) => &mut b.feed,
            Book::Pooled(b) => &mut b.feeds[feed],
        }
    }

    /// An outsider deposits `tokens` of `asset` as collateral and borrows as much ETH as the
    /// market allows at the step's prices (the best e-mode on a pooled market; the LLTV on an
    /// isolated one, less a hair so the position opens healthy). Returns the slot, the tokens
    /// deposited (0 if the reserve refuses them: frozen, capped) and the ETH borrowed.
    pub fn open_outside(&mut self, asset: Asset, tokens: f64) -> (Option<usize>, f64, f64) {
        match &mut self.book {
            Book::Isolated(b) => {
                if asset != Asset::Lrt(b.lrt) || tokens <= 0.0 {
                    return (None, 0.0, 0.0);
                }
                let (mut c, mut s) = (0.0, 0.0);
                if b.inner.supply_collateral(&mut c, tokens).is_err() {
                    return (None, 0.0, 0.0);
                }
                let price = b.feed.price;
                let want = (b.inner.max_borrow(c, s, price) * (1.0 - 1e-9)).min(b.inner.liquidity());
                let borrowed = if want > 0.0 && b.inner.borrow(c, &mut s, want, price).is_ok() { want } else { 0.0 };
                b.collateral.push(c);
                b.borrow_shares.push(s);
                b.cover(b.collateral.len() - 1);
                self.owners.push(OUTSIDE);
                (Some(b.collateral.len() - 1), tokens, borrowed)
            }
            Book::Pooled(b) => {
                let (Some(rc), Some(rd)) = (b.reserve_of(asset), b.reserve_of(Asset::Eth)) else {
                    return (None, 0.0, 0.0);
                };
                let mut acct = b.inner.new_account();
                if tokens <= 0.0 || b.inner.supply(&mut acct, rc, tokens).is_err() {
                    return (None, 0.0, 0.0);
                }
                // The e-mode that lends the most against this collateral, if one takes it and
                // lends ETH.
                let prices = b.prices.clone();
                let cats = &b.inner.params().emodes;
                let best = (0..cats.len())
                    .filter(|&e| cats[e].collateral_assets.contains(&rc) && cats[e].borrowable_assets.contains(&rd))
                    .max_by(|&x, &y| cats[x].ltv.total_cmp(&cats[y].ltv));
                if let Some(e) = best
                    && b.inner.collateral_params(Some(e), rc).0 > b.inner.collateral_params(None, rc).0
                {
                    let _ = b.inner.set_emode(&mut acct, Some(e), &prices);
                }
                let want = b.inner.max_borrow(&acct, rd, &prices).unwrap_or(0.0) * (1.0 - 1e-9);
                let want = want.min(b.inner.reserves()[rd].cash);
                let borrowed =
                    if want > 0.0 && b.inner.borrow(&mut acct, rd, want, &prices).is_ok() { want } else { 0.0 };
                b.accounts.push(acct);
                self.owners.push(OUTSIDE);
                (Some(b.accounts.len() - 1), tokens, borrowed)
            }
        }
    }

    /// Position `slot`'s collateral is worthless: it is taken out (the caller burns it) and the
    /// whole debt is booked as bad debt. Returns (collateral tokens taken, bad debt in ETH at the
    /// oracle).
    pub fn forfeit(&mut self, slot: usize) -> (f64, f64) {
        match &mut self.book {
            Book::Isolated(b) => {
                let (c, s) = (&mut b.collateral[slot], &mut b.borrow_shares[slot]);
                let out = b.inner.forfeit(c, s);
                b.cover(slot);
                out
            }
            Book::Pooled(b) => {
                let Ok((taken, deficits)) = b.inner.forfeit(&mut b.accounts[slot]) else { return (0.0, 0.0) };
                let tokens =
                    taken.iter().zip(&b.assets).filter(|(_, a)| matches!(a, Asset::Lrt(_))).map(|(t, _)| t).sum();
                let bad = deficits.iter().zip(&b.prices).map(|(d, p)| d * p).sum();
                (tokens, bad)
            }
        }
    }

    /// An exploit takes `fraction` of every position's collateral (as far as the reserves' cash
    /// goes). Returns what was taken, by asset.
    pub fn steal_collateral(&mut self, fraction: f64) -> Vec<(Asset, f64)> {
        let mut out: Vec<(Asset, f64)> = Vec::new();
        let mut add = |a: Asset, x: f64| {
            if x > 0.0 {
                match out.iter_mut().find(|(b, _)| *b == a) {
                    Some(e) => e.1 += x,
                    None => out.push((a, x)),
                }
            }
        };
        match &mut self.book {
            Book::Isolated(b) => {
                for k in 0..b.collateral.len() {
                    let want = b.collateral[k] * fraction;
                    let got = b.inner.release_collateral(&mut b.collateral[k], want);
                    b.cover(k);
                    add(Asset::Lrt(b.lrt), got);
                }
            }
            Book::Pooled(b) => {
                for k in 0..b.accounts.len() {
                    for r in 0..b.assets.len() {
                        let want = b.inner.supplied(&b.accounts[k], r) * fraction;
                        if want > 0.0 {
                            let got = b.inner.release_collateral(&mut b.accounts[k], r, want);
                            add(b.assets[r], got);
                        }
                    }
                }
            }
        }
        out
    }

    /// Freezes reserve `r` of a pooled market (no new supply or borrowing, LTV 0). Isolated
    /// markets are immutable (the resolve pass refuses the shock for them).
    pub fn freeze_reserve(&mut self, r: usize) {
        if let Book::Pooled(b) = &mut self.book {
            let _ = b.inner.freeze_reserve(r);
        }
    }

    /// `eth` returned to the market's ETH lenders: a pooled market's ETH reserve covers its
    /// deficit first, an isolated market's suppliers gain it. Returns the ETH taken in.
    pub fn return_to_lenders(&mut self, eth: f64) -> f64 {
        if eth <= 0.0 {
            return 0.0;
        }
        match &mut self.book {
            Book::Isolated(b) => b.inner.donate(eth),
            Book::Pooled(b) => match b.reserve_of(Asset::Eth) {
                Some(r) => b.inner.cover_deficit(r, eth),
                None => 0.0,
            },
        }
    }

    /// `share` of the lenders of every loan reserve who have not run yet start to run now (in
    /// member order, each drawn by `pick`), and join the withdrawal queue.
    pub fn start_run(&mut self, pick: &dyn Fn(usize, usize) -> bool) -> u32 {
        let mut n = 0;
        for (k, l) in self.lenders.iter_mut().enumerate() {
            for j in 0..l.members.len() {
                if !l.members[j].running && pick(k, j) {
                    l.members[j].running = true;
                    l.members[j].queued = true;
                    l.queue.push_back(j as u32);
                    n += 1;
                }
            }
        }
        n
    }
}
