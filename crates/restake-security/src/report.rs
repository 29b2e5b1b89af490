//! One serialisable report combining every measure, for the CLI (`restake security GRAPH`).
//!
//! Every number in the report is finite: an unbounded γ-slack (no service has a positive
//! profit from corruption) is `null`, never `inf`, so the JSON is always valid and parseable.

use serde::{Deserialize, Serialize};

use crate::attack::{Attack, find_valid_attack_with, gamma_analysis_with};
use crate::cascade::worst_case_loss_with;
use crate::eigen::{ValidatorSlack, eigenlayer_condition};
use crate::graph::RestakingGraph;
use crate::{SearchOptions, SecurityError};

/// The shock and the attacks that realise the worst-case loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackSequence {
    /// D, the validators removed by the shock.
    pub shock: Vec<String>,
    /// σ(D)/σ(V).
    pub shock_fraction: f64,
    /// The cascade on G↓D.
    pub attacks: Vec<Attack>,
}

/// The security analysis of a restaking graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityReport {
    pub validators: usize,
    pub services: usize,
    pub edges: usize,
    /// σ(V).
    pub total_stake: f64,
    /// π(S).
    pub total_profit: f64,
    /// No valid attack exists (DR24 §2). Certain when `attack_search_exact` or when the
    /// EigenLayer condition holds (Claim 1).
    pub secure: bool,
    /// The most profitable valid attack found, when insecure.
    pub valid_attack: Option<Attack>,
    /// EigenLayer's sufficient condition (Eq. 3) holds for every validator.
    pub eigenlayer_condition: bool,
    /// Largest γ for which Eq. 17 holds (negative when Eq. 3 fails; null when no load).
    pub eigenlayer_max_gamma: Option<f64>,
    /// Per-validator loads and slacks of Eq. 3.
    pub eigenlayer_validators: Vec<ValidatorSlack>,
    /// Largest γ with which G is secure with γ-slack (Eq. 11); 0 when insecure; null when
    /// unbounded (no service has positive profit).
    pub gamma_slack: Option<f64>,
    /// min σ(B)/π(A) − 1 over attacking coalitions, unclamped (negative when insecure).
    pub overcollateralization: Option<f64>,
    /// A proven lower bound on γ (Corollary 2); null when unbounded.
    pub gamma_certified_lower_bound: Option<f64>,
    /// The coalition attaining min σ(B)/π(A).
    pub binding_coalition: Option<Attack>,
    /// Whether secure / gamma were computed by exhaustive search.
    pub attack_search_exact: bool,
    /// The shock size asked for, if any.
    pub psi: Option<f64>,
    /// R_ψ(G) as defined in DR24 §2 (ψ + cascade loss), when ψ is given.
    pub worst_case_loss: Option<f64>,
    /// Stake actually lost, shock included, as a fraction of σ(V).
    pub realized_loss: Option<f64>,
    /// Theorem 1's bound (1 + 1/γ)ψ with a γ that is proven (the exact γ, or else the
    /// certified lower bound); null when ψ is absent or no γ > 0 is proven.
    pub theorem1_bound: Option<f64>,
    /// The shock and attacks reaching `worst_case_loss`.
    pub attack_sequence: Option<AttackSequence>,
    /// Whether the cascade search was exhaustive (null when ψ is absent).
    pub cascade_exact: Option<bool>,
    /// Every part of the report comes from exhaustive search.
    pub exact: bool,
}

impl SecurityReport {
    /// Pretty JSON (cannot fail: the report holds only strings, finite numbers and options).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// Analyses G with the default [`SearchOptions`]; `psi` adds the worst-case loss R_ψ.
pub fn analyze(graph: &RestakingGraph, psi: Option<f64>) -> Result<SecurityReport, SecurityError> {
    analyze_with(graph, psi, &SearchOptions::default())
}

/// [`analyze`] with explicit options.
pub fn analyze_with(
    graph: &RestakingGraph,
    psi: Option<f64>,
    opts: &SearchOptions,
) -> Result<SecurityReport, SecurityError> {
    graph.validate()?;
    if let Some(p) = psi
        && !(p.is_finite() && (0.0..=1.0).contains(&p))
    {
        return Err(SecurityError::InvalidPsi(p));
    }
    let eig = eigenlayer_condition(graph)?;
    let attack = find_valid_attack_with(graph, opts)?;
    let gamma = gamma_analysis_with(graph, opts)?;
    // Claim 1: the EigenLayer condition proves security whatever the search found.
    let secure = eig.holds || attack.attack.is_none();
    let finite = |x: f64| x.is_finite().then_some(x);
    let proven_gamma = if gamma.exact { gamma.gamma } else { gamma.certified_lower_bound };
    let cascade = psi.map(|p| worst_case_loss_with(graph, p, opts)).transpose()?;
    let theorem1_bound = psi.and_then(|p| {
        (proven_gamma > 0.0).then(|| if proven_gamma.is_finite() { (1.0 + 1.0 / proven_gamma) * p } else { p })
    });
    let cascade_exact = cascade.as_ref().map(|c| c.exact);
    Ok(SecurityReport {
        validators: graph.validators.len(),
        services: graph.services.len(),
        edges: graph.edge_count(),
        total_stake: graph.total_stake(),
        total_profit: graph.services.iter().map(|s| s.profit_from_corruption).sum(),
        secure,
        valid_attack: attack.attack,
        eigenlayer_condition: eig.holds,
        eigenlayer_max_gamma: eig.max_gamma,
        eigenlayer_validators: eig.validators,
        gamma_slack: finite(gamma.gamma),
        overcollateralization: gamma.overcollateralization,
        gamma_certified_lower_bound: finite(gamma.certified_lower_bound),
        binding_coalition: gamma.binding_coalition,
        attack_search_exact: attack.exact,
        psi,
        worst_case_loss: cascade.as_ref().map(|c| c.loss_fraction),
        realized_loss: cascade.as_ref().map(|c| c.realized_loss_fraction),
        theorem1_bound,
        attack_sequence: cascade.map(|c| AttackSequence {
            shock: c.shock,
            shock_fraction: c.shock_fraction,
            attacks: c.attacks,
        }),
        cascade_exact,
        exact: attack.exact && gamma.exact && cascade_exact.unwrap_or(true),
    })
}
