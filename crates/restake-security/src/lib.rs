//! Security analysis of restaking graphs against (cascading) attacks, following
//! N. Durvasula and T. Roughgarden, "Robust Restaking Networks", arXiv 2407.21785 (2024),
//! ITCS 2025 (cited below as "DR24" with the paper's section, equation and theorem numbers).
//!
//! # Definitions used (DR24 §2–§3)
//!
//! * A restaking graph G = (S, V, E, π, σ, α): validators v with stake σ_v, services s with
//!   profit from corruption π_s and attack threshold α_s ∈ (0, 1], edges E (N(s) = the
//!   validators restaking for s). See [`RestakingGraph`].
//! * (A, B), A ⊆ S, B ⊆ V, is an *attacking coalition* if for every s ∈ A
//!   σ(B ∩ N(s)) ≥ α_s · σ(N(s)) (Eq. 1). It is a *valid attack* if moreover
//!   π(A) > σ(B) (Eq. 2, strict). G is *secure* if it has no valid attack.
//! * G↓D is G with the validators D removed (their stake is gone, so every α_s · σ(N(s))
//!   threshold is computed on the remaining validators). A *cascade* is a sequence
//!   (A_1, B_1), …, (A_T, B_T) with (A_t, B_t) valid on G↓(B_1 ∪ … ∪ B_{t−1}); the A_t are
//!   disjoint (a corrupted service is not corrupted twice; DR24's proof of Corollary 1 uses this
//!   disjointness).
//! * The worst-case stake loss after a shock of size ψ (§2):
//!   R_ψ(G) = ψ + max_{D : σ(D) ≤ ψ σ(V)} max_{cascades on G↓D} σ(∪ B_t) / σ(V).
//!   Two consequences of taking the definition literally, both reported rather than hidden:
//!   R_ψ counts the whole budget ψ even when the worst shock uses less of it (so it can exceed
//!   1; [`CascadeResult::realized_loss_fraction`] is the stake actually lost), and Eq. 1 does
//!   not require every member of B to be needed, so the worst cascade may include validators
//!   that join an attack only to be slashed while it stays profitable (σ(B) < π(A)).
//! * EigenLayer's sufficient condition (Eq. 3, Claim 1): for every v,
//!   Σ_{s ∈ N(v)} (σ_v / σ(N(s))) · (π_s / α_s) ≤ σ_v.
//! * γ-slack (Eq. 11): G is secure with γ-slack if (1 + γ) π(A) ≤ σ(B) for every attacking
//!   coalition (A, B). Theorem 1: if G is secure with γ-slack, γ > 0, then for every ψ > 0,
//!   R_ψ(G) < (1 + 1/γ) ψ. Corollary 2: Eq. 3 with π_s replaced by (1 + γ) π_s (Eq. 17)
//!   implies γ-slack.
//!
//! # Exact and bounded search
//!
//! Deciding security is a covering problem over validator subsets, so the exact algorithms
//! enumerate subsets (2^n for attacks and γ, 3^n for shock + cascade); they are used up to
//! [`SearchOptions::exact_attack_max_validators`] / [`SearchOptions::exact_cascade_max_validators`]
//! validators. Larger graphs use a seeded greedy + local search ([`SearchMode::Bounded`]).
//! A bounded result is *one-sided*: every attack it reports is real (re-checked against
//! Eq. 1–2), but an attack it misses may exist, so for bounded results `secure` and
//! `gamma_slack` are optimistic and `worst_case_loss` is a lower bound; the EigenLayer
//! condition (polynomial, Claim 1 / Corollary 2) supplies the certified side.
//!
//! # Example: DR24 Theorem 2's graph
//!
//! ```
//! use restake_security::{RestakingGraph, analyze};
//! let g: RestakingGraph = serde_json::from_str(r#"{
//!     "validators": [{"id": "a", "stake": 0.01}, {"id": "b", "stake": 0.99}],
//!     "services": [{"id": "x", "profit_from_corruption": 1.0, "attack_threshold": 1.0,
//!                   "validators": ["a", "b"]}]
//! }"#).unwrap();
//! let report = analyze(&g, Some(0.01)).unwrap();
//! assert!(report.secure && report.eigenlayer_condition);
//! assert!((report.worst_case_loss.unwrap() - 1.0).abs() < 1e-12); // the whole network
//! ```

mod attack;
mod cascade;
mod eigen;
mod graph;
mod report;
mod search;

pub use attack::{
    Attack, AttackSearch, GammaSlack, find_valid_attack, find_valid_attack_with, gamma_analysis, gamma_analysis_with,
    gamma_slack, is_secure, is_secure_with, is_valid_attack,
};
pub use cascade::{CascadeResult, worst_case_loss, worst_case_loss_with};
pub use eigen::{EigenLayerCheck, ValidatorSlack, eigenlayer_condition};
pub use graph::{REL_TOL, RestakingGraph, Service, Validator};
pub use report::{AttackSequence, SecurityReport, analyze, analyze_with};

/// Errors on bad input; the analysis never panics on user data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SecurityError {
    #[error("the graph has no validators; at least one [[validators]] entry is required")]
    NoValidators,
    #[error("{kind} #{index} has an empty id; ids must be non-empty strings")]
    EmptyId { kind: &'static str, index: usize },
    #[error("validator id `{0}` appears more than once; validator ids must be unique")]
    DuplicateValidator(String),
    #[error("service id `{0}` appears more than once; service ids must be unique")]
    DuplicateService(String),
    #[error("validator `{validator}` has stake {value}; stake must be a finite number > 0")]
    InvalidStake { validator: String, value: f64 },
    #[error("service `{service}` has profit_from_corruption {value}; it must be a finite number >= 0")]
    InvalidProfit { service: String, value: f64 },
    #[error("service `{service}` has attack_threshold {value}; it must be in (0, 1]")]
    InvalidThreshold { service: String, value: f64 },
    #[error("service `{service}` lists validator `{validator}`, which is not in [[validators]]")]
    UnknownValidator { service: String, validator: String },
    #[error("service `{service}` lists validator `{validator}` more than once")]
    DuplicateEdge { service: String, validator: String },
    #[error("service `{service}` has no validators; every service needs at least one")]
    EmptyService { service: String },
    #[error("total stake or total profit overflows f64")]
    Overflow,
    #[error("psi = {0}; the shock size must be a fraction of total stake in [0, 1]")]
    InvalidPsi(f64),
    #[error(
        "exact search was requested for {validators} validators, above the limit of {limit}; \
         use SearchMode::Auto or SearchMode::Bounded"
    )]
    TooLargeForExact { validators: usize, limit: usize },
}

/// How to search for attacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    /// Exact when the graph is small enough (see the limits in [`SearchOptions`]), else bounded.
    #[default]
    Auto,
    /// Always exhaustive; an error above the hard limits.
    Exact,
    /// Always the seeded heuristic (used to test it against the exact search).
    Bounded,
}

/// Knobs of the search. The defaults keep every exact computation under about a second in an
/// optimised build.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchOptions {
    pub mode: SearchMode,
    /// Exhaustive attack / γ search (2^n coalitions) up to this many validators (hard cap 26).
    pub exact_attack_max_validators: usize,
    /// Exhaustive shock + cascade search (3^n pairs (D, B)) up to this many validators
    /// (hard cap 18).
    pub exact_cascade_max_validators: usize,
    /// Random restarts of the bounded search (besides its deterministic seeds).
    pub restarts: usize,
    /// Improvement rounds of each local search.
    pub max_local_steps: usize,
    /// Seed of the bounded search's PRNG: the same seed gives the same result.
    pub seed: u64,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            mode: SearchMode::Auto,
            exact_attack_max_validators: 20,
            exact_cascade_max_validators: 13,
            restarts: 24,
            max_local_steps: 40,
            seed: 0x5EC0_2407_2178_5000,
        }
    }
}

pub(crate) const HARD_ATTACK_LIMIT: usize = 26;
pub(crate) const HARD_CASCADE_LIMIT: usize = 18;

impl SearchOptions {
    /// Options forcing the bounded search (used in tests and for large graphs).
    pub fn bounded() -> Self {
        SearchOptions { mode: SearchMode::Bounded, ..Self::default() }
    }
    /// Options forcing the exact search.
    pub fn exact() -> Self {
        SearchOptions { mode: SearchMode::Exact, ..Self::default() }
    }

    /// Whether the 2^n attack search runs exactly for `n` validators.
    pub(crate) fn attack_exact(&self, n: usize) -> Result<bool, SecurityError> {
        let limit = self.exact_attack_max_validators.min(HARD_ATTACK_LIMIT);
        decide(self.mode, n, limit, HARD_ATTACK_LIMIT)
    }

    /// Whether the 3^n shock + cascade search runs exactly for `n` validators.
    pub(crate) fn cascade_exact(&self, n: usize) -> Result<bool, SecurityError> {
        let limit = self.exact_cascade_max_validators.min(HARD_CASCADE_LIMIT);
        decide(self.mode, n, limit, HARD_CASCADE_LIMIT)
    }
}

fn decide(mode: SearchMode, n: usize, limit: usize, hard: usize) -> Result<bool, SecurityError> {
    match mode {
        SearchMode::Auto => Ok(n <= limit),
        SearchMode::Bounded => Ok(false),
        SearchMode::Exact if n <= hard => Ok(true),
        SearchMode::Exact => Err(SecurityError::TooLargeForExact { validators: n, limit: hard }),
    }
}
