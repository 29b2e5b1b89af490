//! Clearing a step's sell orders against a pool as a call auction at one uniform price.
//!
//! Every sale into a pool in one step is a limit order (tokens, lowest acceptable marginal
//! price). The pool's "demand" at price p is the amount A(p) that moves its marginal price down to
//! p; the sellers' supply S(p) is the tokens of all orders whose limit is at most p. S rises and A
//! falls with p; the clearing price is p* = min{p : S(p) >= A(p)}. Orders whose limit is below p*
//! are inframarginal and fill in full; if p* is an order's limit (where S jumps past A), the orders
//! at exactly that limit share what is left, A(p*) - S(below p*), pro rata; orders above p* wait.
//! All sellers receive the same average price, at least p*. The outcome is independent of agent
//! order and stops a crowd of sellers from crashing a pool below what each of them would accept.

use crate::pool::LrtPool;
use crate::population::Intent;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Order {
    pub agent: u32,
    /// What the sale is for: a wallet sale, or a deleverage or unwind of a position.
    pub intent: Intent,
    pub tokens: f64,
    pub limit: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Clearing {
    /// The clearing price p*.
    pub price: f64,
    /// Orders with a limit below this fill in full.
    pub marginal_limit: f64,
    /// Share of each order with limit exactly `marginal_limit` that executes.
    pub marginal_fill: f64,
    /// Tokens to sell in total.
    pub tokens: f64,
}

impl Clearing {
    /// The share of an order with `limit` that executes.
    #[inline]
    pub fn fill(&self, limit: f64) -> f64 {
        if self.tokens <= 0.0 {
            0.0
        } else if limit < self.marginal_limit {
            1.0
        } else if limit == self.marginal_limit {
            self.marginal_fill
        } else {
            0.0
        }
    }
}

/// Sorts `orders` by limit and finds the clearing of the auction against `pool` (no state
/// change).
pub fn clear(pool: &LrtPool, orders: &mut [Order]) -> Clearing {
    let none = |price: f64| Clearing { price, marginal_limit: f64::NEG_INFINITY, marginal_fill: 0.0, tokens: 0.0 };
    if orders.is_empty() {
        return none(pool.price());
    }
    let spot = pool.price();
    // Limits below a millionth of spot count as that: a market order cannot push a pool to 0.
    let floor = spot * 1e-6;
    for o in orders.iter_mut() {
        o.limit = o.limit.max(floor);
    }
    // (limit, agent) is a total order with unique keys (one order per agent), so any sort gives
    // the same sequence: unstable, and in parallel for a panic's tens of thousands of orders.
    restake_engine::par::sort_unique_by(orders, |a, b| a.limit.total_cmp(&b.limit).then(a.agent.cmp(&b.agent)));
    let level = |o: &Order| o.limit;
    let demand = |p: f64| if p >= spot { 0.0 } else { pool.tokens_to_lower_price(p) };
    // The distinct limit levels below spot are orders[..end]; S(below) is the tokens of every
    // lower level. The first level whose supply at or below it meets the pool's demand there
    // clears the batch; supply grows and demand falls with the level, so that level is found by
    // bisection: a pool solve per probe (O(log n) of them), not one per level. Sums run level by
    // level in order, as a walk upward would add them.
    let end = orders.partition_point(|o| level(o) < spot);
    let start_of = |i: usize| orders[..i].iter().rposition(|o| level(o) != level(&orders[i])).map_or(0, |j| j + 1);
    // (S(below), tokens at the level, start of the next level) for the level starting at `s`.
    let sums = |s: usize| {
        let (mut below, mut k) = (0.0, 0);
        loop {
            let l = level(&orders[k]);
            let n = orders[k..].iter().take_while(|o| level(o) == l).count();
            let at: f64 = orders[k..k + n].iter().map(|o| o.tokens).sum();
            if k == s {
                return (below, at, k + n);
            }
            below += at;
            k += n;
        }
    };
    let (mut lo, mut hi) = (0, end);
    while lo < hi {
        let mid = start_of(lo + (hi - lo) / 2);
        let (below, at, next) = sums(mid);
        if below + at >= demand(level(&orders[mid])) {
            hi = mid;
        } else {
            lo = next;
        }
    }
    if lo < end {
        let l = level(&orders[lo]);
        let (below, at, _) = sums(lo);
        let a = demand(l);
        if below >= a {
            // The crossing lies above the previous levels and below this one: everything below
            // fills, nothing at this level.
            return interior(pool, below, l);
        }
        // p* is this level: the orders below fill, the orders at it share the rest.
        let marginal_fill = if at > 0.0 { (a - below) / at } else { 0.0 };
        return Clearing { price: l, marginal_limit: l, marginal_fill, tokens: a };
    }
    // Every order below spot fills and the pool has room for more.
    let below = if end > 0 {
        let (below, at, _) = sums(start_of(end - 1));
        below + at
    } else {
        0.0
    };
    if below <= 0.0 {
        return none(spot);
    }
    interior(pool, below, orders.get(end).map_or(f64::INFINITY, level))
}

/// A clearing where all `tokens` of the orders below `next_limit` fill in full.
fn interior(pool: &LrtPool, tokens: f64, next_limit: f64) -> Clearing {
    let price = pool.price_after_sale(tokens);
    Clearing { price, marginal_limit: next_limit, marginal_fill: 0.0, tokens }
}

#[cfg(test)]
mod tests {
    use super::*;
    use restake_amm::{ConstantProduct, Pool};

    fn pool() -> LrtPool {
        // x*y = k with 1000 ETH and 1000 LRT, no fee: price(LRT) = x / y = 1.
        LrtPool::new("p".into(), 0, Pool::from(ConstantProduct::new(0.0, [1000.0, 1000.0]).unwrap()))
    }

    #[test]
    fn market_orders_all_fill() {
        let mut o = vec![
            Order { agent: 0, intent: Intent::Sell, tokens: 10.0, limit: 0.0 },
            Order { agent: 1, intent: Intent::Sell, tokens: 20.0, limit: 0.0 },
        ];
        let c = clear(&pool(), &mut o);
        assert!((c.tokens - 30.0).abs() < 1e-9, "{c:?}");
        assert_eq!(c.fill(0.0), 1.0);
        // Constant product: after selling 30 LRT, price = 1000^2 / 1030^2.
        assert!((c.price - (1000.0f64 / 1030.0).powi(2)).abs() < 1e-9);
    }

    #[test]
    fn inframarginal_orders_fill_in_full_and_only_the_marginal_one_is_rationed() {
        // Constant product 1000/1000 without fee: pushing the price to p takes
        // A(p) = 1000/sqrt(p) - 1000 tokens. X offers 10 at a limit of 0.90, Y 100 at 0.95.
        // At p = 0.95, A = 25.97: X's 10 is below and fills in full; Y, the marginal order, gets
        // the other 15.97. (A pro-rata batch would have given X only 2.36.)
        let mut o = vec![
            Order { agent: 0, intent: Intent::Sell, tokens: 10.0, limit: 0.90 },
            Order { agent: 1, intent: Intent::Sell, tokens: 100.0, limit: 0.95 },
        ];
        let c = clear(&pool(), &mut o);
        let a = 1000.0 / 0.95f64.sqrt() - 1000.0;
        assert!((c.tokens - a).abs() < 1e-9, "{c:?} want {a}");
        assert_eq!(c.price, 0.95);
        assert_eq!(c.fill(0.90), 1.0, "X fills in full");
        assert!((c.fill(0.95) * 100.0 - (a - 10.0)).abs() < 1e-9, "Y gets the rest: {}", c.fill(0.95) * 100.0);
    }

    #[test]
    fn limits_stop_the_batch_where_supply_meets_the_pool() {
        // Seller X offers 50 at limit 0.95, seller Y 50 at limit 0.90. Selling Y's 50 takes the
        // price to (1000/1050)^2 = 0.9070, above Y's limit and below X's: Y sells all 50, X nothing.
        let mut o = vec![
            Order { agent: 0, intent: Intent::Sell, tokens: 50.0, limit: 0.95 },
            Order { agent: 1, intent: Intent::Sell, tokens: 50.0, limit: 0.90 },
        ];
        let c = clear(&pool(), &mut o);
        let p_star = (1000.0f64 / 1050.0).powi(2);
        assert!((c.price - p_star).abs() < 1e-12, "{c:?} want {p_star}");
        assert!((c.tokens - 50.0).abs() < 1e-9);
        assert_eq!((c.fill(0.90), c.fill(0.95)), (1.0, 0.0));
    }

    /// The walk upward over every level, as the clearing was first written: the reference the
    /// bisection must match exactly.
    fn clear_by_walk(pool: &LrtPool, orders: &mut [Order]) -> Clearing {
        let spot = pool.price();
        for o in orders.iter_mut() {
            o.limit = o.limit.max(spot * 1e-6);
        }
        orders.sort_by(|a, b| a.limit.total_cmp(&b.limit).then(a.agent.cmp(&b.agent)));
        let (mut below, mut k) = (0.0, 0);
        while k < orders.len() {
            let l = orders[k].limit;
            if l >= spot {
                break;
            }
            let at: f64 = orders[k..].iter().take_while(|o| o.limit == l).map(|o| o.tokens).sum();
            let a = pool.tokens_to_lower_price(l);
            if below >= a {
                return interior(pool, below, l);
            }
            if below + at >= a {
                let marginal_fill = if at > 0.0 { (a - below) / at } else { 0.0 };
                return Clearing { price: l, marginal_limit: l, marginal_fill, tokens: a };
            }
            below += at;
            k += orders[k..].iter().take_while(|o| o.limit == l).count();
        }
        if below <= 0.0 {
            return Clearing { price: spot, marginal_limit: f64::NEG_INFINITY, marginal_fill: 0.0, tokens: 0.0 };
        }
        interior(pool, below, orders.get(k).map_or(f64::INFINITY, |o| o.limit))
    }

    #[test]
    fn bisection_clears_exactly_as_the_walk_over_every_level() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        for case in 0..300 {
            let n = 1 + case % 60;
            // Limits on a coarse grid so that levels repeat; sizes from dust to the pool's depth.
            let mut orders: Vec<Order> = (0..n)
                .map(|k| Order {
                    agent: k as u32,
                    intent: Intent::Sell,
                    tokens: 10f64.powf(rng.random_range(-2.0..3.0)),
                    limit: (rng.random_range(0..40) as f64) * 0.0025 + 0.9,
                })
                .collect();
            let mut reference = orders.clone();
            let got = clear(&pool(), &mut orders);
            let want = clear_by_walk(&pool(), &mut reference);
            assert_eq!(got, want, "case {case}: {orders:?}");
        }
    }

    #[test]
    fn orders_above_spot_do_not_trade() {
        let mut o = vec![Order { agent: 0, intent: Intent::Sell, tokens: 10.0, limit: 1.01 }];
        assert_eq!(clear(&pool(), &mut o).tokens, 0.0);
    }
}
