//! Clearing a step's sell orders against a pool at one uniform price.
//!
//! Every sale into a pool in one step is a limit order (tokens, lowest acceptable marginal
//! price). The pool's "demand" at price p is the amount A(p) that moves its marginal price down
//! to p; the sellers' supply S(p) is the tokens of all orders whose limit is at most p. S rises
//! and A falls with p, so the clearing price p* = min{p : S(p) >= A(p)} is found by bisection.
//! Orders with limit <= p* are filled pro rata, A(p*) / S(p*), and all receive the same average
//! price, which is at least p*; the rest wait. This makes the outcome independent of agent order
//! and stops a crowd of sellers from crashing a pool below what each of them would accept.

use crate::pool::LrtPool;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Order {
    pub agent: u32,
    pub tokens: f64,
    pub limit: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Clearing {
    /// Marginal pool price after the batch.
    pub price: f64,
    /// Share of each accepted order that executes.
    pub fill: f64,
    /// Orders with limit at or below this execute (at `fill`).
    pub accepted_limit: f64,
    /// Tokens to sell in total.
    pub tokens: f64,
}

/// Sorts `orders` by limit and finds the clearing price against `pool` (no state change).
pub fn clear(pool: &LrtPool, orders: &mut [Order]) -> Clearing {
    if orders.is_empty() {
        return Clearing::default();
    }
    orders.sort_by(|a, b| a.limit.total_cmp(&b.limit).then(a.agent.cmp(&b.agent)));
    let spot = pool.price();
    // Prefix sums of tokens by ascending limit: S(p) = prefix up to the last limit <= p.
    let supply = |p: f64| -> f64 { orders.iter().take_while(|o| o.limit <= p).map(|o| o.tokens).sum() };
    let demand = |p: f64| -> f64 { if p >= spot { 0.0 } else { pool.tokens_to_lower_price(p) } };
    let lowest = orders[0].limit.max(spot * 1e-6);
    if lowest >= spot {
        return Clearing { price: spot, fill: 0.0, accepted_limit: lowest, tokens: 0.0 };
    }
    let (mut lo, mut hi) = (lowest, spot);
    if supply(lo) >= demand(lo) {
        hi = lo;
    } else {
        // Invariant: S(lo) < A(lo), S(hi) >= A(hi) (at hi = spot, A = 0).
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if supply(mid) >= demand(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
            if hi - lo <= 1e-12 * spot {
                break;
            }
        }
    }
    let s = supply(hi);
    let a = demand(hi).min(s);
    if s <= 0.0 || a <= 0.0 {
        return Clearing { price: spot, fill: 0.0, accepted_limit: hi, tokens: 0.0 };
    }
    Clearing { price: hi, fill: a / s, accepted_limit: hi, tokens: a }
}

#[cfg(test)]
mod tests {
    use super::*;
    use restake_amm::{ConstantProduct, Pool};

    fn pool() -> LrtPool {
        // x*y = k with 1000 ETH and 1000 LRT, no fee: price(LRT) = x / y = 1.
        LrtPool { id: "p".into(), lrt: 0, amm: Pool::from(ConstantProduct::new(0.0, [1000.0, 1000.0]).unwrap()) }
    }

    #[test]
    fn market_orders_all_fill() {
        let mut o = vec![Order { agent: 0, tokens: 10.0, limit: 0.0 }, Order { agent: 1, tokens: 20.0, limit: 0.0 }];
        let c = clear(&pool(), &mut o);
        assert!((c.tokens - 30.0).abs() < 1e-6, "{c:?}");
        assert!((c.fill - 1.0).abs() < 1e-9);
        // Constant product: after selling 30 LRT, price = 1000^2 / 1030^2.
        assert!((c.price - (1000.0f64 / 1030.0).powi(2)).abs() < 1e-9);
    }

    #[test]
    fn limits_stop_the_batch_where_supply_meets_the_pool() {
        // Constant product 1000/1000: pushing the price to p takes A(p) = 1000/sqrt(p) - 1000
        // tokens. Seller X offers 50 at limit 0.95, seller Y 50 at limit 0.90. For p in
        // [0.90, 0.95) only Y is in: S = 50 = A(p) at p* = (1000/1050)^2 = 0.9070, which is
        // below X's limit, so Y sells all 50 and X nothing.
        let mut o = vec![Order { agent: 0, tokens: 50.0, limit: 0.95 }, Order { agent: 1, tokens: 50.0, limit: 0.90 }];
        let c = clear(&pool(), &mut o);
        let p_star = (1000.0f64 / 1050.0).powi(2);
        assert!((c.price - p_star).abs() < 1e-9, "{c:?} want {p_star}");
        assert!((c.tokens - 50.0).abs() < 1e-6);
        assert!((c.fill - 1.0).abs() < 1e-9);
        assert!(c.accepted_limit < 0.95);
    }

    #[test]
    fn orders_above_spot_do_not_trade() {
        let mut o = vec![Order { agent: 0, tokens: 10.0, limit: 1.01 }];
        assert_eq!(clear(&pool(), &mut o).tokens, 0.0);
    }
}
