//! Shocks and cascading attacks: the worst-case stake loss R_ψ(G) of DR24 §2.
//!
//! R_ψ(G) = ψ + max_{D ⊆ V, σ(D) ≤ ψ σ(V)} max_{cascades (A_1,B_1)…(A_T,B_T) on G↓D} σ(∪B_t)/σ(V).
//!
//! Why one attack suffices for the inner maximum (exact search): by Lemma 1 and Corollary 1 of
//! DR24 (applied to the graph H = G↓D), the union (∪A_t, ∪B_t) of any cascade on H is itself a
//! valid attack on H; conversely a single valid attack is a cascade of length one. So the
//! largest cascade loss on H equals the largest σ(B) over single valid attacks on H, and the
//! exact search enumerates pairs (D, B) of disjoint validator sets (3^n), pruning pairs that
//! cannot beat the best stake found. The reported "cascade" is then that one aggregate attack.
//!
//! The bounded search (large graphs) plays cascades forward instead: for candidate shocks
//! (empty; each service's validators by stake, largest or smallest first, up to the budget;
//! seeded random fills) it repeatedly takes the largest-stake valid attack the heuristic finds
//! on the current graph, removes its validators and corrupted services, and stops when none is
//! found; the most promising shocks are re-run with the full search effort. Every step is a
//! real valid attack, so the bounded R_ψ is a lower bound on the true R_ψ.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::attack::{Attack, attack_of, bits, service_masks, subset_sums};
use crate::graph::{Indexed, RestakingGraph};
use crate::search::{Arena, Objective, Rng};
use crate::{SearchOptions, SecurityError};

/// Result of [`worst_case_loss`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CascadeResult {
    /// ψ, the shock budget as a fraction of total stake.
    pub psi: f64,
    /// R_ψ(G) exactly as DR24 define it: ψ + σ(∪B_t)/σ(V). (It counts the full budget ψ
    /// even when the worst shock uses less of it, so it can exceed 1 for large ψ.)
    pub loss_fraction: f64,
    /// σ(∪B_t)/σ(V): the stake lost to the cascade after the shock.
    pub cascade_fraction: f64,
    /// (σ(D) + σ(∪B_t))/σ(V): the stake actually lost, shock included (at most 1).
    pub realized_loss_fraction: f64,
    /// D, the worst shock found (empty when no shock leads to any attack).
    pub shock: Vec<String>,
    /// σ(D)/σ(V).
    pub shock_fraction: f64,
    /// The cascade on G↓D, each attack valid on the graph left by the shock and the attacks
    /// before it (the exact search reports one aggregate attack; see the module docs).
    pub attacks: Vec<Attack>,
    /// Whether the search was exhaustive; if not, `loss_fraction` is a lower bound.
    pub exact: bool,
}

/// R_ψ(G) with the default [`SearchOptions`].
pub fn worst_case_loss(graph: &RestakingGraph, psi: f64) -> Result<CascadeResult, SecurityError> {
    worst_case_loss_with(graph, psi, &SearchOptions::default())
}

/// R_ψ(G) with explicit options.
pub fn worst_case_loss_with(
    graph: &RestakingGraph,
    psi: f64,
    opts: &SearchOptions,
) -> Result<CascadeResult, SecurityError> {
    if !(psi.is_finite() && (0.0..=1.0).contains(&psi)) {
        return Err(SecurityError::InvalidPsi(psi));
    }
    let ix = graph.index()?;
    let exact = opts.cascade_exact(ix.n())?;
    let (shock, attacks) = if exact { exact_worst(&ix, psi) } else { bounded_worst(&ix, psi, opts) };
    let total = ix.total_stake;
    let shock_stake: f64 = shock.iter().map(|&v| ix.stakes[v]).sum();
    let cascade_stake: f64 = attacks.iter().map(|a| a.stake).sum();
    Ok(CascadeResult {
        psi,
        loss_fraction: psi + cascade_stake / total,
        cascade_fraction: cascade_stake / total,
        realized_loss_fraction: ((shock_stake + cascade_stake) / total).min(1.0),
        shock: ix.validator_ids(shock),
        shock_fraction: shock_stake / total,
        attacks,
        exact,
    })
}

/// Exhaustive search over shocks D (σ(D) ≤ ψσ(V)) and coalitions B ⊆ V∖D.
/// Returns D and the (single, aggregate) worst attack.
fn exact_worst(ix: &Indexed, psi: f64) -> (Vec<usize>, Vec<Attack>) {
    let n = ix.n();
    let full = (1usize << n) - 1;
    let sums = subset_sums(&ix.stakes);
    let masks = service_masks(ix);
    let budget = psi * ix.total_stake + ix.tol;
    let eps = 1e-12 * ix.total_stake;
    // (cascade stake, shock stake, D, B); the empty attack loses nothing.
    let mut best: (f64, f64, usize, usize) = (0.0, 0.0, 0, 0);
    let mut need = vec![0.0; masks.len()];
    for d in 0..=full {
        let shock = sums[d];
        if shock > budget {
            continue;
        }
        let rest = full & !d;
        for (j, &m) in masks.iter().enumerate() {
            need[j] = ix.alphas[j] * sums[m & rest] - ix.tol;
        }
        let mut b = rest;
        loop {
            let stake = sums[b];
            let improves = stake > best.0 + eps || (stake > best.0 - eps && shock < best.1 - eps);
            if b != 0 && improves && stake < ix.total_profit {
                let mut profit = 0.0;
                for (j, &m) in masks.iter().enumerate() {
                    if sums[b & m] >= need[j] {
                        profit += ix.profits[j];
                    }
                }
                if profit - stake > ix.tol {
                    best = (stake, shock, d, b);
                }
            }
            if b == 0 {
                break;
            }
            b = (b - 1) & rest;
        }
    }
    let (_, _, d, b) = best;
    if b == 0 {
        return (Vec::new(), Vec::new());
    }
    let shock = bits(d, n);
    let mut arena = Arena::new(ix);
    arena.remove(&shock, &[]);
    let attack = attack_of(&arena.evaluate(&bits(b, n)), ix);
    (shock, vec![attack])
}

/// Plays a cascade forward on G↓D with the heuristic search; returns the attacks and σ(∪B).
fn play_cascade(ix: &Indexed, shock: &[usize], opts: &SearchOptions, rng: &mut Rng) -> (Vec<Attack>, f64) {
    let mut arena = Arena::new(ix);
    arena.remove(shock, &[]);
    let mut attacks = Vec::new();
    let mut lost = 0.0;
    for _ in 0..ix.n() {
        let Some(c) = arena.search(Objective::MaxStakeValid, opts, rng) else {
            break;
        };
        if !c.is_valid(ix.tol) || c.validators.is_empty() {
            break;
        }
        lost += c.stake;
        attacks.push(attack_of(&c, ix));
        arena.remove(&c.validators, &c.services);
    }
    (attacks, lost)
}

fn bounded_worst(ix: &Indexed, psi: f64, opts: &SearchOptions) -> (Vec<usize>, Vec<Attack>) {
    let mut rng = Rng::new(opts.seed ^ 0xCA5C_ADE0);
    let budget = psi * ix.total_stake + ix.tol;
    let fill = |order: &[usize]| {
        let mut d = Vec::new();
        let mut used = 0.0;
        for &v in order {
            if used + ix.stakes[v] <= budget {
                used += ix.stakes[v];
                d.push(v);
            }
        }
        d.sort_unstable();
        d
    };
    let mut shocks: Vec<Vec<usize>> = vec![Vec::new()];
    let mut by_profit: Vec<usize> = (0..ix.m()).collect();
    by_profit.sort_by(|&x, &y| ix.profits[y].total_cmp(&ix.profits[x]));
    for &s in by_profit.iter().take(opts.restarts.max(16)) {
        let mut order = ix.svc_vals[s].clone();
        order.sort_by(|&x, &y| ix.stakes[y].total_cmp(&ix.stakes[x]));
        shocks.push(fill(&order));
        order.reverse();
        shocks.push(fill(&order));
    }
    if ix.m() > 0 {
        for _ in 0..opts.restarts {
            let s = rng.below(ix.m());
            let mut pool: Vec<usize> = ix.svc_vals[s]
                .iter()
                .flat_map(|&v| ix.val_svcs[v].iter())
                .flat_map(|&t| ix.svc_vals[t].iter().copied())
                .collect();
            pool.sort_unstable();
            pool.dedup();
            rng.shuffle(&mut pool);
            shocks.push(fill(&pool));
        }
    }
    for _ in 0..opts.restarts / 2 {
        let mut all: Vec<usize> = (0..ix.n()).collect();
        rng.shuffle(&mut all);
        shocks.push(fill(&all));
    }
    let mut seen = HashSet::new();
    shocks.retain(|d| seen.insert(d.clone()));

    // Screen every shock cheaply, re-run the most damaging ones at full effort, and improve the
    // best one by local search over the shock.
    let screen = SearchOptions { restarts: 0, max_local_steps: opts.max_local_steps.min(6), ..opts.clone() };
    let mut screened: Vec<(f64, usize)> =
        shocks.iter().enumerate().map(|(k, d)| (play_cascade(ix, d, &screen, &mut rng).1, k)).collect();
    screened.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let eps = 1e-12 * ix.total_stake;
    let mut best: (f64, Vec<usize>, Vec<Attack>) = (0.0, Vec::new(), Vec::new());
    for &(_, k) in screened.iter().take(3) {
        let (attacks, lost) = play_cascade(ix, &shocks[k], opts, &mut rng);
        if lost > best.0 + eps || best.2.is_empty() && !attacks.is_empty() {
            best = (lost, shocks[k].clone(), attacks);
        }
    }
    let (lost, d, attacks) = best;
    let (lost, d, attacks) = improve_shock(ix, d, lost, attacks, budget, &screen, &mut rng);
    // Replay the improved shock at full effort; keep whichever cascade is larger.
    let (again, lost_again) = play_cascade(ix, &d, opts, &mut rng);
    let best = if lost_again > lost { (lost_again, d, again) } else { (lost, d, attacks) };
    if best.2.is_empty() {
        return (Vec::new(), Vec::new());
    }
    (best.1, best.2)
}

/// Local search over the shock: add, drop or swap one validator (within the budget), keeping a
/// move when the cascade it triggers loses more stake. Moves are restricted to validators near
/// the current cascade (restaking for a service it touches) when the graph is large.
fn improve_shock(
    ix: &Indexed,
    mut d: Vec<usize>,
    mut lost: f64,
    mut attacks: Vec<Attack>,
    budget: f64,
    opts: &SearchOptions,
    rng: &mut Rng,
) -> (f64, Vec<usize>, Vec<Attack>) {
    let eps = 1e-12 * ix.total_stake;
    let id_pos = |id: &String| ix.graph.validators.iter().position(|v| &v.id == id);
    for _ in 0..SHOCK_ROUNDS {
        let near: Vec<usize> = if ix.n() <= 40 {
            (0..ix.n()).collect()
        } else {
            let mut touched: Vec<usize> = d
                .iter()
                .copied()
                .chain(attacks.iter().flat_map(|a| a.validators.iter().filter_map(id_pos)))
                .flat_map(|v| ix.val_svcs[v].iter().flat_map(|&s| ix.svc_vals[s].iter().copied()))
                .collect();
            touched.sort_unstable();
            touched.dedup();
            touched.truncate(48);
            touched
        };
        let used: f64 = d.iter().map(|&v| ix.stakes[v]).sum();
        let mut moves: Vec<Vec<usize>> = Vec::new();
        for &w in near.iter().filter(|w| !d.contains(w)) {
            if used + ix.stakes[w] <= budget {
                moves.push([d.as_slice(), &[w]].concat());
            }
            for (k, &v) in d.iter().enumerate() {
                if used - ix.stakes[v] + ix.stakes[w] <= budget {
                    let mut m = d.clone();
                    m[k] = w;
                    moves.push(m);
                }
            }
        }
        for k in 0..d.len() {
            let mut m = d.clone();
            m.remove(k);
            moves.push(m);
        }
        if moves.len() > SHOCK_MOVES {
            rng.shuffle(&mut moves);
            moves.truncate(SHOCK_MOVES);
        }
        let mut best_move: Option<(f64, Vec<usize>, Vec<Attack>)> = None;
        for mut m in moves {
            m.sort_unstable();
            let (a, l) = play_cascade(ix, &m, opts, rng);
            if l > lost + eps && best_move.as_ref().is_none_or(|b| l > b.0 + eps) {
                best_move = Some((l, m, a));
            }
        }
        match best_move {
            Some((l, m, a)) => (lost, d, attacks) = (l, m, a),
            None => break,
        }
    }
    (lost, d, attacks)
}

/// Rounds of the shock local search, and moves (sampled) evaluated per round.
const SHOCK_ROUNDS: usize = 5;
const SHOCK_MOVES: usize = 24;
