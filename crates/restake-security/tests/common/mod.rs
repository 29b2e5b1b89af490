//! Test helpers: graph builders, a seeded random-graph generator, and an independent
//! re-implementation of Eq. 1–2 on reduced graphs (so tests do not trust the crate's own check).
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};

use restake_security::{Attack, RestakingGraph, Service, Validator};

/// `validators`: (id, stake); `services`: (id, π, α, [validator ids]).
pub fn graph(validators: &[(&str, f64)], services: &[(&str, f64, f64, &[&str])]) -> RestakingGraph {
    RestakingGraph {
        validators: validators.iter().map(|&(id, stake)| Validator { id: id.to_string(), stake }).collect(),
        services: services
            .iter()
            .map(|&(id, p, a, vs)| Service {
                id: id.to_string(),
                profit_from_corruption: p,
                attack_threshold: a,
                validators: vs.iter().map(|v| v.to_string()).collect(),
            })
            .collect(),
    }
}

/// DR24 Theorem 2's graph: one service x (π = 1, α = 1) restaked by a (σ = ε) and b (σ = 1 − ε).
pub fn theorem2_graph(eps: f64) -> RestakingGraph {
    graph(&[("a", eps), ("b", 1.0 - eps)], &[("x", 1.0, 1.0, &["a", "b"])])
}

/// SplitMix64 for reproducible random graphs outside proptest.
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

/// A random graph with `n` validators and `m` services. Profits are drawn relative to each
/// service's α·σ(N(s)) times `scale`, so that a good share of graphs is secure.
pub fn random_graph(rng: &mut Lcg, n: usize, m: usize, scale: f64) -> RestakingGraph {
    let validators: Vec<Validator> =
        (0..n).map(|i| Validator { id: format!("v{i}"), stake: 0.1 + 9.9 * rng.unit() }).collect();
    let services = (0..m)
        .map(|j| {
            let mut mask = 0u64;
            while mask == 0 {
                mask = rng.next() & ((1 << n) - 1);
            }
            let members: Vec<usize> = (0..n).filter(|i| mask >> i & 1 == 1).collect();
            let alpha = (0.1 + 0.9 * rng.unit()).min(1.0);
            let stake: f64 = members.iter().map(|&i| validators[i].stake).sum();
            Service {
                id: format!("s{j}"),
                profit_from_corruption: rng.unit() * alpha * stake * scale,
                attack_threshold: alpha,
                validators: members.iter().map(|&i| validators[i].id.clone()).collect(),
            }
        })
        .collect();
    RestakingGraph { validators, services }
}

/// Independent check of Eq. 1 and Eq. 2 for `attack` on G with validators `removed` gone and
/// services `corrupted` already taken.
pub fn valid_on(g: &RestakingGraph, removed: &HashSet<String>, corrupted: &HashSet<String>, attack: &Attack) -> bool {
    let stake: HashMap<&str, f64> = g.validators.iter().map(|v| (v.id.as_str(), v.stake)).collect();
    let b: HashSet<&str> = attack.validators.iter().map(|s| s.as_str()).collect();
    if b.iter().any(|v| removed.contains(*v) || !stake.contains_key(v)) {
        return false;
    }
    let tol = 1e-9 * (g.total_stake() + g.services.iter().map(|s| s.profit_from_corruption).sum::<f64>());
    let mut profit = 0.0;
    for sid in &attack.services {
        if corrupted.contains(sid) {
            return false;
        }
        let Some(s) = g.services.iter().find(|s| &s.id == sid) else {
            return false;
        };
        let alive: Vec<&String> = s.validators.iter().filter(|v| !removed.contains(*v)).collect();
        let total: f64 = alive.iter().map(|v| stake[v.as_str()]).sum();
        let have: f64 = alive.iter().filter(|v| b.contains(v.as_str())).map(|v| stake[v.as_str()]).sum();
        if have < s.attack_threshold * total - tol {
            return false;
        }
        profit += s.profit_from_corruption;
    }
    let sigma_b: f64 = b.iter().map(|v| stake[v]).sum();
    (profit - attack.profit).abs() <= tol && (sigma_b - attack.stake).abs() <= tol && profit - sigma_b > tol
}

pub fn set(ids: &[String]) -> HashSet<String> {
    ids.iter().cloned().collect()
}

pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}
