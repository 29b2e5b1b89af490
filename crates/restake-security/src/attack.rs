//! Valid attacks (DR24 §2, Eq. 1–2), security, and γ-slack (Eq. 11).
//!
//! For a fixed coalition B the best set of services to attack is *every* service B can attack,
//! A(B) = { s : σ(B ∩ N(s)) ≥ α_s σ(N(s)) }: profits are non-negative and additive, so adding
//! an attackable service never hurts. Hence both "is there a valid attack" and "what is the
//! smallest σ(B)/π(A)" reduce to a search over validator subsets B alone, which the exact
//! search enumerates (2^n) with a table of subset stake sums, and the bounded search explores
//! with [`crate::search`].

use serde::{Deserialize, Serialize};

use crate::graph::{Indexed, RestakingGraph};
use crate::search::{Arena, Coalition, Objective, Rng};
use crate::{SearchOptions, SecurityError, eigen};

/// An attack (A, B): the services A corrupted by the validators B.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attack {
    /// A, the corrupted services (ids in input order).
    pub services: Vec<String>,
    /// B, the attacking validators (ids in input order).
    pub validators: Vec<String>,
    /// π(A), the attackers' profit.
    pub profit: f64,
    /// σ(B), the stake the attackers lose to slashing.
    pub stake: f64,
    /// Positions of A in the input graph's `services`, ascending (for callers that keep their
    /// own tables in the graph's order).
    #[serde(default)]
    pub service_positions: Vec<usize>,
    /// Positions of B in the input graph's `validators`, ascending.
    #[serde(default)]
    pub validator_positions: Vec<usize>,
}

/// The attack (A, B) of a coalition, with ids and positions in the input graph.
pub(crate) fn attack_of(c: &Coalition, ix: &Indexed) -> Attack {
    let sorted = |v: &[usize]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    };
    Attack {
        services: ix.service_ids(c.services.iter().copied()),
        validators: ix.validator_ids(c.validators.iter().copied()),
        profit: c.profit,
        stake: c.stake,
        service_positions: sorted(&c.services),
        validator_positions: sorted(&c.validators),
    }
}

impl Attack {
    /// π(A) − σ(B): positive for a valid (profitable) attack.
    pub fn net_profit(&self) -> f64 {
        self.profit - self.stake
    }
}

/// Result of [`find_valid_attack`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackSearch {
    /// The most profitable valid attack found (largest π(A) − σ(B)), if any.
    pub attack: Option<Attack>,
    /// Whether the search was exhaustive. If `false`, `attack: None` means "none found",
    /// not "none exists".
    pub exact: bool,
}

/// Result of [`gamma_analysis`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GammaSlack {
    /// Largest γ ≥ 0 with which G is secure with γ-slack (Eq. 11): min over attacking
    /// coalitions of σ(B)/π(A), minus 1, clamped at 0 (0 when G is insecure).
    /// `f64::INFINITY` when no attacking coalition has positive profit (all π_s = 0).
    pub gamma: f64,
    /// The unclamped min σ(B)/π(A) − 1 (negative when insecure); `None` when unbounded.
    pub overcollateralization: Option<f64>,
    /// The coalition attaining the minimum ratio (the binding constraint of Eq. 11).
    pub binding_coalition: Option<Attack>,
    /// Whether the search was exhaustive. If not, `gamma` is an upper estimate (a coalition
    /// with a smaller ratio may exist) and `certified_lower_bound` is what is proven.
    pub exact: bool,
    /// A proven lower bound on γ from Corollary 2 (Eq. 17, the EigenLayer condition with
    /// profits scaled by 1 + γ), clamped at 0; equals `gamma` when the search is exact and
    /// the bound is tight, never exceeds it.
    pub certified_lower_bound: f64,
}

/// Checks Eq. 1 and Eq. 2 for an attack given by ids on the full graph G.
pub fn is_valid_attack(graph: &RestakingGraph, attack: &Attack) -> Result<bool, SecurityError> {
    let ix = graph.index()?;
    let arena = Arena::new(&ix);
    let Some(b) = ids_to_indices(&graph.validators.iter().map(|v| &v.id).collect::<Vec<_>>(), &attack.validators)
    else {
        return Ok(false);
    };
    let Some(a) = ids_to_indices(&graph.services.iter().map(|s| &s.id).collect::<Vec<_>>(), &attack.services) else {
        return Ok(false);
    };
    let c = arena.evaluate(&b);
    let covers = a.iter().all(|s| c.services.contains(s));
    let profit: f64 = a.iter().map(|&s| ix.profits[s]).sum();
    let stake: f64 = b.iter().map(|&v| ix.stakes[v]).sum();
    Ok(covers && profit - stake > ix.tol)
}

fn ids_to_indices(all: &[&String], wanted: &[String]) -> Option<Vec<usize>> {
    let mut out = Vec::with_capacity(wanted.len());
    for w in wanted {
        let i = all.iter().position(|id| *id == w)?;
        if !out.contains(&i) {
            out.push(i);
        }
    }
    Some(out)
}

/// Finds the most profitable valid attack on G (exact for small graphs, see [`SearchOptions`]).
pub fn find_valid_attack(graph: &RestakingGraph) -> Result<AttackSearch, SecurityError> {
    find_valid_attack_with(graph, &SearchOptions::default())
}

/// [`find_valid_attack`] with explicit options.
pub fn find_valid_attack_with(graph: &RestakingGraph, opts: &SearchOptions) -> Result<AttackSearch, SecurityError> {
    let ix = graph.index()?;
    let exact = opts.attack_exact(ix.n())?;
    let best = if exact {
        exact_scan(&ix).best_net
    } else {
        let arena = Arena::new(&ix);
        let mut rng = Rng::new(opts.seed);
        arena.search(Objective::NetProfit, opts, &mut rng)
    };
    let attack = best.filter(|c| c.is_valid(ix.tol)).map(|c| attack_of(&c, &ix));
    Ok(AttackSearch { attack, exact })
}

/// Whether G is secure (no valid attack, DR24 §2). Certain when the search is exact or when
/// the EigenLayer condition holds (Claim 1); otherwise "no attack found".
pub fn is_secure(graph: &RestakingGraph) -> Result<bool, SecurityError> {
    is_secure_with(graph, &SearchOptions::default())
}

/// [`is_secure`] with explicit options.
pub fn is_secure_with(graph: &RestakingGraph, opts: &SearchOptions) -> Result<bool, SecurityError> {
    if eigen::eigenlayer_condition(graph)?.holds {
        return Ok(true);
    }
    Ok(find_valid_attack_with(graph, opts)?.attack.is_none())
}

/// The largest γ for which G is secure with γ-slack (Eq. 11); 0 when insecure,
/// `f64::INFINITY` when nothing has a positive profit from corruption.
pub fn gamma_slack(graph: &RestakingGraph) -> Result<f64, SecurityError> {
    Ok(gamma_analysis(graph)?.gamma)
}

/// γ-slack with its binding coalition and certification.
pub fn gamma_analysis(graph: &RestakingGraph) -> Result<GammaSlack, SecurityError> {
    gamma_analysis_with(graph, &SearchOptions::default())
}

/// [`gamma_analysis`] with explicit options.
///
/// γ is computed exactly from the attack ratios rather than by bisection: G is secure with
/// γ-slack iff (1 + γ) ≤ σ(B)/π(A) for every attacking coalition with π(A) > 0, so the largest
/// such γ is min σ(B)/π(A) − 1, and for a fixed B the minimising A is A(B).
pub fn gamma_analysis_with(graph: &RestakingGraph, opts: &SearchOptions) -> Result<GammaSlack, SecurityError> {
    let ix = graph.index()?;
    let exact = opts.attack_exact(ix.n())?;
    let eig = eigen::check(&ix);
    let certified = eig.max_gamma.map_or(f64::INFINITY, |g| g.max(0.0));
    let (binding, secure) = if exact {
        let scan = exact_scan(&ix);
        (scan.min_ratio, scan.best_net.is_none_or(|c| !c.is_valid(ix.tol)))
    } else {
        let arena = Arena::new(&ix);
        let mut rng = Rng::new(opts.seed);
        let r = arena.search(Objective::MinRatio, opts, &mut rng);
        let a = arena.search(Objective::NetProfit, opts, &mut rng);
        let secure = a.as_ref().is_none_or(|c| !c.is_valid(ix.tol));
        // The most profitable attack may have a smaller ratio than the ratio search found.
        let binding = [r, a]
            .into_iter()
            .flatten()
            .filter(|c| c.profit > ix.tol)
            .min_by(|x, y| (x.stake / x.profit).total_cmp(&(y.stake / y.profit)));
        (binding, secure)
    };
    let Some(binding) = binding else {
        // No attacking coalition with positive profit (found): the slack is unbounded.
        return Ok(GammaSlack {
            gamma: f64::INFINITY,
            overcollateralization: None,
            binding_coalition: None,
            exact,
            certified_lower_bound: certified,
        });
    };
    let raw = binding.stake / binding.profit - 1.0;
    // Secure graphs sitting on the boundary (π(A) = σ(B), as in Theorem 2) have raw ≈ 0 up to
    // rounding; insecure ones get 0 by definition.
    let gamma = if secure { raw.max(0.0) } else { 0.0 };
    Ok(GammaSlack {
        gamma,
        overcollateralization: Some(raw),
        binding_coalition: Some(attack_of(&binding, &ix)),
        exact,
        certified_lower_bound: certified.min(gamma),
    })
}

/// What one exhaustive pass over all coalitions B yields.
pub(crate) struct ExactScan {
    /// Largest π(A(B)) − σ(B) (ties: first in enumeration order).
    pub best_net: Option<Coalition>,
    /// Smallest σ(B)/π(A(B)) over B with π(A(B)) > 0.
    pub min_ratio: Option<Coalition>,
}

/// σ(mask) for every subset of validators, built in O(2^n) from the lowest set bit.
pub(crate) fn subset_sums(stakes: &[f64]) -> Vec<f64> {
    let n = stakes.len();
    let mut sums = vec![0.0; 1usize << n];
    for mask in 1usize..(1 << n) {
        let low = mask.trailing_zeros() as usize;
        sums[mask] = sums[mask & (mask - 1)] + stakes[low];
    }
    sums
}

/// N(s) as a bit mask over validator indices (only for n ≤ 26).
pub(crate) fn service_masks(ix: &Indexed) -> Vec<usize> {
    ix.svc_vals.iter().map(|vs| vs.iter().fold(0usize, |m, &v| m | (1 << v))).collect()
}

pub(crate) fn exact_scan(ix: &Indexed) -> ExactScan {
    let n = ix.n();
    let sums = subset_sums(&ix.stakes);
    let masks = service_masks(ix);
    let need: Vec<f64> = masks.iter().zip(&ix.alphas).map(|(&m, &a)| a * sums[m] - ix.tol).collect();
    let mut best_net: Option<(usize, f64, f64)> = None; // (mask, profit, net)
    let mut min_ratio: Option<(usize, f64, f64)> = None; // (mask, profit, ratio)
    for b in 1usize..(1 << n) {
        let stake = sums[b];
        let mut profit = 0.0;
        for (j, &m) in masks.iter().enumerate() {
            if sums[b & m] >= need[j] {
                profit += ix.profits[j];
            }
        }
        let net = profit - stake;
        if best_net.is_none_or(|(_, _, best)| net > best) {
            best_net = Some((b, profit, net));
        }
        if profit > ix.tol {
            let ratio = stake / profit;
            if min_ratio.is_none_or(|(_, _, best)| ratio < best) {
                min_ratio = Some((b, profit, ratio));
            }
        }
    }
    let arena = Arena::new(ix);
    let to_coalition = |mask: usize| arena.evaluate(&bits(mask, n));
    ExactScan {
        best_net: best_net.map(|(b, _, _)| to_coalition(b)),
        min_ratio: min_ratio.map(|(b, _, _)| to_coalition(b)),
    }
}

/// The indices of the set bits of `mask`.
pub(crate) fn bits(mask: usize, n: usize) -> Vec<usize> {
    (0..n).filter(|&i| mask >> i & 1 == 1).collect()
}
