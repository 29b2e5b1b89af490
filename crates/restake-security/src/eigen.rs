//! EigenLayer's sufficient condition for security (DR24 Eq. 3, Claim 1) and its γ-scaled form
//! (Eq. 17, Corollary 2).
//!
//! Why it is sufficient: for an attacking coalition (A, B),
//! σ(B) ≥ Σ_{v∈B} Σ_{s∈N(v)} (σ_v/σ(N(s))) π_s/α_s ≥ Σ_{s∈A} π_s σ(B∩N(s)) / (α_s σ(N(s)))
//! ≥ π(A), so no attack is profitable. It is polynomial to check, but it bounds only the
//! one-shot attack: Theorem 2 shows it does not bound cascades after a shock (see the tests).

use serde::{Deserialize, Serialize};

use crate::SecurityError;
use crate::graph::{Indexed, RestakingGraph};

/// The EigenLayer condition for one validator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidatorSlack {
    pub id: String,
    /// σ_v.
    pub stake: f64,
    /// L_v = Σ_{s ∈ N(v)} (σ_v / σ(N(s))) · (π_s / α_s): v's pro-rata share of what its
    /// services' corruption is worth.
    pub load: f64,
    /// σ_v − L_v (negative when v violates the condition).
    pub slack: f64,
}

/// Result of [`eigenlayer_condition`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EigenLayerCheck {
    /// Whether L_v ≤ σ_v for every validator (within [`crate::REL_TOL`]).
    pub holds: bool,
    /// The largest γ for which Eq. 17 holds, min_v σ_v / L_v − 1 (negative when the condition
    /// fails; `None` when no validator carries load). By Corollary 2 the graph is secure with
    /// this much slack, so it is a certified lower bound on the γ-slack.
    pub max_gamma: Option<f64>,
    /// Per-validator loads and slacks, in input order.
    pub validators: Vec<ValidatorSlack>,
}

/// Checks EigenLayer's sufficient condition (Eq. 3) on G.
pub fn eigenlayer_condition(graph: &RestakingGraph) -> Result<EigenLayerCheck, SecurityError> {
    Ok(check(&graph.index()?))
}

pub(crate) fn check(ix: &Indexed) -> EigenLayerCheck {
    let svc_stake: Vec<f64> = ix.svc_vals.iter().map(|vs| vs.iter().map(|&v| ix.stakes[v]).sum()).collect();
    let mut validators = Vec::with_capacity(ix.n());
    let mut holds = true;
    let mut min_ratio: Option<f64> = None;
    for v in 0..ix.n() {
        let sigma = ix.stakes[v];
        let load: f64 = ix.val_svcs[v].iter().map(|&s| sigma / svc_stake[s] * ix.profits[s] / ix.alphas[s]).sum();
        if load > sigma * (1.0 + crate::REL_TOL) {
            holds = false;
        }
        if load > 0.0 {
            let r = sigma / load;
            if min_ratio.is_none_or(|m| r < m) {
                min_ratio = Some(r);
            }
        }
        validators.push(ValidatorSlack {
            id: ix.graph.validators[v].id.clone(),
            stake: sigma,
            load,
            slack: sigma - load,
        });
    }
    // Snap rounding noise at the boundary (Theorem 2's graph has L_v = σ_v exactly).
    let max_gamma = min_ratio.map(|r| {
        let g = r - 1.0;
        if g.abs() <= crate::REL_TOL { 0.0 } else { g }
    });
    EigenLayerCheck { holds, max_gamma, validators }
}
