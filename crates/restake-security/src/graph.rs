//! The restaking graph G = (S, V, E, π, σ, α) of Durvasula & Roughgarden,
//! "Robust Restaking Networks" (arXiv 2407.21785, ITCS 2025), §2 (Model).
//!
//! The serialised form ([`RestakingGraph`]) is what a user writes (a TOML GRAPH file with
//! `[[validators]]` and `[[services]]` tables); [`Indexed`] is the validated, index-based
//! form every algorithm in this crate works on, so that ids are resolved exactly once and no
//! algorithm can meet an unknown id or a non-finite number.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::SecurityError;

/// Relative tolerance for every comparison of stake and profit.
///
/// The paper's constructions sit exactly on the boundary (Theorem 2: the EigenLayer condition
/// holds with equality and the whole-network coalition has π_A = σ_B), so exact `f64`
/// comparisons would make results depend on rounding. Ties are resolved as the paper does:
/// the stake threshold (Eq. 1, `≥`) is met within tolerance (in the attacker's favour), and an
/// attack is profitable (Eq. 2, strict `>`) only if it wins by more than the tolerance.
pub const REL_TOL: f64 = 1e-9;

/// A validator v with stake σ_v (§2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    pub id: String,
    /// σ_v > 0, the stake slashed if v takes part in an attack.
    pub stake: f64,
}

/// A service s with profit from corruption π_s and attack threshold α_s (§2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    /// π_s ≥ 0: what a coalition gains by corrupting s.
    pub profit_from_corruption: f64,
    /// α_s ∈ (0, 1]: the fraction of s's stake a coalition needs to corrupt it.
    pub attack_threshold: f64,
    /// N(s): the ids of the validators restaking for s (the edges E).
    pub validators: Vec<String>,
}

/// A restaking graph as written in a GRAPH file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestakingGraph {
    #[serde(default)]
    pub validators: Vec<Validator>,
    #[serde(default)]
    pub services: Vec<Service>,
}

impl RestakingGraph {
    /// Checks the graph against the model's assumptions: at least one validator, unique
    /// non-empty ids, σ_v > 0 finite, π_s ≥ 0 finite, α_s ∈ (0, 1], every service restaked by
    /// at least one known validator, no repeated edge.
    ///
    /// A service with no validators is rejected rather than analysed: with σ(N(s)) = 0 the
    /// empty coalition would "attack" it for free (Eq. 1 holds trivially), which is a modelling
    /// mistake in the input, not a finding.
    pub fn validate(&self) -> Result<(), SecurityError> {
        self.index().map(|_| ())
    }

    /// Total stake σ_V (meaningful only for a valid graph).
    pub fn total_stake(&self) -> f64 {
        self.validators.iter().map(|v| v.stake).sum()
    }

    /// Number of edges |E|.
    pub fn edge_count(&self) -> usize {
        self.services.iter().map(|s| s.validators.len()).sum()
    }

    pub(crate) fn index(&self) -> Result<Indexed<'_>, SecurityError> {
        if self.validators.is_empty() {
            return Err(SecurityError::NoValidators);
        }
        let mut pos: HashMap<&str, usize> = HashMap::with_capacity(self.validators.len());
        let mut stakes = Vec::with_capacity(self.validators.len());
        for (i, v) in self.validators.iter().enumerate() {
            if v.id.trim().is_empty() {
                return Err(SecurityError::EmptyId { kind: "validator", index: i });
            }
            if !(v.stake.is_finite() && v.stake > 0.0) {
                return Err(SecurityError::InvalidStake { validator: v.id.clone(), value: v.stake });
            }
            if pos.insert(v.id.as_str(), i).is_some() {
                return Err(SecurityError::DuplicateValidator(v.id.clone()));
            }
            stakes.push(v.stake);
        }
        let mut seen_services: HashMap<&str, ()> = HashMap::with_capacity(self.services.len());
        let mut profits = Vec::with_capacity(self.services.len());
        let mut alphas = Vec::with_capacity(self.services.len());
        let mut svc_vals = Vec::with_capacity(self.services.len());
        let mut val_svcs = vec![Vec::new(); self.validators.len()];
        for (j, s) in self.services.iter().enumerate() {
            if s.id.trim().is_empty() {
                return Err(SecurityError::EmptyId { kind: "service", index: j });
            }
            if seen_services.insert(s.id.as_str(), ()).is_some() {
                return Err(SecurityError::DuplicateService(s.id.clone()));
            }
            if !(s.profit_from_corruption.is_finite() && s.profit_from_corruption >= 0.0) {
                return Err(SecurityError::InvalidProfit { service: s.id.clone(), value: s.profit_from_corruption });
            }
            if !(s.attack_threshold.is_finite() && s.attack_threshold > 0.0 && s.attack_threshold <= 1.0) {
                return Err(SecurityError::InvalidThreshold { service: s.id.clone(), value: s.attack_threshold });
            }
            if s.validators.is_empty() {
                return Err(SecurityError::EmptyService { service: s.id.clone() });
            }
            let mut members = Vec::with_capacity(s.validators.len());
            for vid in &s.validators {
                let Some(&i) = pos.get(vid.as_str()) else {
                    return Err(SecurityError::UnknownValidator { service: s.id.clone(), validator: vid.clone() });
                };
                if members.contains(&i) {
                    return Err(SecurityError::DuplicateEdge { service: s.id.clone(), validator: vid.clone() });
                }
                members.push(i);
                val_svcs[i].push(j);
            }
            members.sort_unstable();
            profits.push(s.profit_from_corruption);
            alphas.push(s.attack_threshold);
            svc_vals.push(members);
        }
        let total_stake: f64 = stakes.iter().sum();
        let total_profit: f64 = profits.iter().sum();
        if !total_stake.is_finite() || !total_profit.is_finite() {
            return Err(SecurityError::Overflow);
        }
        Ok(Indexed {
            tol: REL_TOL * (total_stake + total_profit),
            stakes,
            profits,
            alphas,
            svc_vals,
            val_svcs,
            total_stake,
            total_profit,
            graph: self,
        })
    }
}

/// The validated graph with validators and services numbered by their position in the input.
#[derive(Debug)]
pub(crate) struct Indexed<'g> {
    pub graph: &'g RestakingGraph,
    pub stakes: Vec<f64>,
    pub profits: Vec<f64>,
    pub alphas: Vec<f64>,
    /// N(s) as sorted validator indices.
    pub svc_vals: Vec<Vec<usize>>,
    /// N(v) as service indices.
    pub val_svcs: Vec<Vec<usize>>,
    pub total_stake: f64,
    pub total_profit: f64,
    /// Absolute tolerance: [`REL_TOL`] × (σ_V + π_S).
    pub tol: f64,
}

impl Indexed<'_> {
    pub fn n(&self) -> usize {
        self.stakes.len()
    }
    pub fn m(&self) -> usize {
        self.profits.len()
    }
    pub fn validator_ids(&self, idx: impl IntoIterator<Item = usize>) -> Vec<String> {
        let mut v: Vec<usize> = idx.into_iter().collect();
        v.sort_unstable();
        v.into_iter().map(|i| self.graph.validators[i].id.clone()).collect()
    }
    pub fn service_ids(&self, idx: impl IntoIterator<Item = usize>) -> Vec<String> {
        let mut v: Vec<usize> = idx.into_iter().collect();
        v.sort_unstable();
        v.into_iter().map(|j| self.graph.services[j].id.clone()).collect()
    }
}
