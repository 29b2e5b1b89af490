//! The liquidation scan of an isolated book: the positions below health factor 1, found without
//! visiting the many that provably are not.
//!
//! On an isolated market a position's health factor is `c P LLTV / (s I)` (collateral `c`, borrow
//! shares `s`, oracle price `P`, borrow index `I`), so its borrow shares per collateral token
//! `s / c` alone decide when it becomes unhealthy. Slots are grouped in blocks; each block keeps a
//! bound on `s / c` over its positions and a watch list of the positions that were close to
//! liquidation when it was last scanned. A scan evaluates a block's watched positions one by one
//! and the rest of the block only when `P LLTV <= bound x I` (with a margin far wider than
//! rounding): otherwise every one of them is healthy. A cascade leaves many small positions
//! unhealthy that no liquidator can profit from; watched, they no longer force a scan of every
//! block in every round.
//!
//! The bound only rises between scans: every change to a position raises it to cover the
//! position (`cover`), and a scan of the block sets it anew. So the scan finds exactly the
//! positions a visit of every slot would find (`check` verifies the bounds in every checked run).

use rayon::prelude::*;

/// Slots per block.
const BLOCK: usize = 512;

/// A position with a health factor below this is watched (evaluated in every scan) rather than
/// bounded: within 2% of liquidation, its block would otherwise be scanned at every tick of the
/// price.
const WATCH_BELOW: f64 = 1.02;

#[derive(Clone, Debug, Default)]
pub(crate) struct ScanBlocks {
    blocks: Vec<Block>,
}

#[derive(Clone, Debug)]
struct Block {
    /// At least the largest borrow shares per collateral token of the block's unwatched
    /// positions (NaN: unknown, the block is scanned).
    bound: f64,
    /// Slots close to liquidation at the last scan of the block, in slot order.
    watched: Vec<u32>,
}

/// Borrow shares per collateral token (0 without debt, infinite without collateral).
#[inline]
fn shares_per_token(collateral: f64, shares: f64) -> f64 {
    if shares <= 0.0 {
        0.0
    } else if collateral <= 0.0 {
        f64::INFINITY
    } else {
        shares / collateral
    }
}

/// The larger of two, NaN if either is (a NaN bound never lets a scan skip a block).
#[inline]
fn max_or_nan(a: f64, b: f64) -> f64 {
    if b > a || b.is_nan() { b } else { a }
}

/// The smaller of two, NaN if either is.
#[inline]
fn min_or_nan(a: f64, b: f64) -> f64 {
    if b < a || b.is_nan() { b } else { a }
}

/// The health factor of a position, as the book computes it: `None` for dust debt (at most
/// 1e-12), which is never liquidated.
#[inline]
fn health(c: f64, s: f64, price: f64, lltv: f64, index: f64) -> Option<f64> {
    let debt = s * index;
    (debt > 1e-12).then(|| c * price * lltv / debt)
}

impl ScanBlocks {
    /// Raises the bound of `slot`'s block to cover the position as it is now (`collateral`,
    /// `shares`): called after every change to a position.
    pub fn cover(&mut self, slot: usize, collateral: f64, shares: f64) {
        let b = slot / BLOCK;
        if self.blocks.len() <= b {
            self.blocks.resize(b + 1, Block { bound: 0.0, watched: Vec::new() });
        }
        let bound = &mut self.blocks[b].bound;
        *bound = max_or_nan(*bound, shares_per_token(collateral, shares));
    }

    /// (health factor, slot) of every position (collateral `c[k]`, borrow shares `s[k]`) with
    /// debt above dust, a health factor below 1 at `price` and collateral that `seizable`
    /// accepts, into `out`, in no particular order (blocks in parallel). A position `seizable`
    /// refuses is watched like any other: only its listing is left out.
    #[allow(clippy::too_many_arguments)]
    pub fn unhealthy(
        &mut self,
        c: &[f64],
        s: &[f64],
        price: f64,
        lltv: f64,
        index: f64,
        seizable: impl Fn(f64) -> bool + Sync,
        out: &mut Vec<(f64, u32)>,
    ) {
        let n = c.len();
        // Blocks without a bound yet are scanned.
        self.blocks.resize(n.div_ceil(BLOCK), Block { bound: f64::NAN, watched: Vec::new() });
        out.clear();
        let found = self.blocks.par_iter_mut().enumerate().fold(Vec::new, |mut found, (b, block)| {
            let first = b * BLOCK;
            // Every unwatched health factor of the block is at least P LLTV / (I x bound).
            if price * lltv > block.bound * index * (1.0 + 1e-9) {
                for &k in &block.watched {
                    let k = k as usize;
                    if let Some(hf) = health(c[k], s[k], price, lltv, index)
                        && hf < 1.0
                        && seizable(c[k])
                    {
                        found.push((hf, k as u32));
                    }
                }
                return found;
            }
            block.watched.clear();
            let slots = first..(first + BLOCK).min(n);
            let (cs, ss) = (&c[slots.clone()], &s[slots]);
            // The lowest unwatched health factor, in eight lanes: one running minimum would make
            // every slot wait for the one before it.
            let (mut lanes, mut dust) = ([f64::INFINITY; 8], 0.0);
            for (q, (c8, s8)) in cs.chunks(8).zip(ss.chunks(8)).enumerate() {
                for (l, (&ck, &sk)) in c8.iter().zip(s8).enumerate() {
                    let k = (first + 8 * q + l) as u32;
                    match health(ck, sk, price, lltv, index) {
                        Some(hf) if hf < WATCH_BELOW => {
                            block.watched.push(k);
                            if hf < 1.0 && seizable(ck) {
                                found.push((hf, k));
                            }
                        }
                        Some(hf) => lanes[l] = min_or_nan(lanes[l], hf),
                        // Dust has no health factor: its shares per token count directly.
                        None if sk > 0.0 => dust = max_or_nan(dust, shares_per_token(ck, sk)),
                        None => {}
                    }
                }
            }
            // Shares per token from the lowest health factor: s / c = P LLTV / (I x HF),
            // widened by far more than the rounding of either.
            let lowest = lanes.into_iter().fold(f64::INFINITY, min_or_nan);
            block.bound = max_or_nan(price * lltv / (lowest * index) * (1.0 + 1e-12), dust);
            found
        });
        out.par_extend(found.flatten_iter());
    }

    /// Every position is watched or covered by its block's bound: a scan that skips a block's
    /// unwatched positions skips no unhealthy one.
    pub fn check(&self, c: &[f64], s: &[f64]) -> Result<(), String> {
        for (k, (&ck, &sk)) in c.iter().zip(s).enumerate() {
            let Some(block) = self.blocks.get(k / BLOCK) else { continue };
            let r = shares_per_token(ck, sk);
            if !(block.bound >= r || block.bound.is_nan()) && block.watched.binary_search(&(k as u32)).is_err() {
                return Err(format!(
                    "position {k}: {r} borrow shares per token, above its scan bound {} and not watched",
                    block.bound
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// The reference: every slot visited, as the book's scan did before it kept bounds.
    fn every_slot(c: &[f64], s: &[f64], price: f64, lltv: f64, index: f64) -> Vec<(f64, u32)> {
        let mut out: Vec<(f64, u32)> = (0..c.len())
            .filter_map(|k| health(c[k], s[k], price, lltv, index).filter(|&h| h < 1.0).map(|h| (h, k as u32)))
            .collect();
        out.sort_by_key(|a| a.1);
        out
    }

    /// Over rounds of price moves, interest and changed positions (deleverages, liquidations,
    /// positions emptied to dust or to nothing), the scan finds exactly what visiting every slot
    /// finds, and its bounds stay valid.
    #[test]
    fn finds_what_a_visit_of_every_slot_finds() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(11);
        let n = 5 * BLOCK + 37;
        let lltv = 0.945;
        // Health factors from 0.97 to 1.5 at price 1 (a few positions start unhealthy).
        let c: Vec<f64> = (0..n).map(|_| 10.0 * rng.random_range(0.5..2.0)).collect();
        let mut s: Vec<f64> = c.iter().map(|&ck| ck * lltv / rng.random_range(0.97..1.5)).collect();
        let mut c = c;
        let mut scan = ScanBlocks::default();
        for k in 0..n {
            scan.cover(k, c[k], s[k]);
        }
        let (mut price, mut index) = (1.0, 1.0);
        let mut out = Vec::new();
        let (mut found_any, mut refused) = (0, 0);
        for round in 0..60 {
            price *= rng.random_range(0.985..1.012);
            index *= 1.0 + 1e-5;
            // Some positions change: each change is covered, as the book does.
            for _ in 0..rng.random_range(0..20) {
                let k = rng.random_range(0..n);
                match rng.random_range(0..4) {
                    0 => s[k] *= rng.random_range(0.3..1.0),
                    1 => c[k] *= rng.random_range(0.3..1.0),
                    2 => s[k] = 1e-14,
                    _ => (c[k], s[k]) = (0.0, rng.random_range(0.0..1.0)),
                }
                scan.cover(k, c[k], s[k]);
            }
            // Every third round lists only positions with at least 12 tokens of collateral (as
            // when small seizures cannot pay a liquidator's gas); the others list every one.
            let least = if round % 3 == 0 { 12.0 } else { 0.0 };
            scan.unhealthy(&c, &s, price, lltv, index, |ck| ck >= least, &mut out);
            out.sort_by_key(|a| a.1);
            let mut expected = every_slot(&c, &s, price, lltv, index);
            let all = expected.len();
            expected.retain(|&(_, k)| c[k as usize] >= least);
            refused += all - expected.len();
            assert_eq!(out, expected, "round {round}");
            scan.check(&c, &s).unwrap();
            found_any += out.len();
        }
        assert!(found_any > 100, "the test moves prices through liquidations ({found_any} found)");
        assert!(refused > 10, "the filter leaves positions out ({refused})");
    }

    #[test]
    fn an_uncovered_position_fails_the_check() {
        let (c, mut s) = (vec![10.0; 8], vec![5.0; 8]);
        let mut scan = ScanBlocks::default();
        for k in 0..8 {
            scan.cover(k, c[k], s[k]);
        }
        let mut out = Vec::new();
        // At price 1 every HF is 10 x 0.9 / 5 = 1.8: no watch, the bound is 0.5 shares a token.
        scan.unhealthy(&c, &s, 1.0, 0.9, 1.0, |_| true, &mut out);
        assert!(out.is_empty());
        scan.check(&c, &s).unwrap();
        // A borrow the book forgot to cover (HF 0.9) would be skipped: the check says so.
        s[3] = 10.0;
        assert!(scan.check(&c, &s).is_err());
        scan.unhealthy(&c, &s, 1.0, 0.9, 1.0, |_| true, &mut out);
        assert!(out.is_empty(), "skipped, as the bound allows");
        scan.cover(3, c[3], s[3]);
        scan.unhealthy(&c, &s, 1.0, 0.9, 1.0, |_| true, &mut out);
        assert_eq!(out, vec![(0.9, 3)]);
    }
}
