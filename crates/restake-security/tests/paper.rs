//! The theorems of Durvasula & Roughgarden, "Robust Restaking Networks" (arXiv 2407.21785),
//! and hand-built graphs with known answers.

mod common;

use common::{close, graph, set, theorem2_graph, valid_on};
use restake_security::*;

/// DR24 Theorem 2 (§4): for any 0 < ε < 1 there is a graph that is secure and meets the
/// EigenLayer condition (Eq. 3) yet has R_ψ(G) = 1 for ψ ≥ ε: one service x with π_x = 1,
/// α_x = 1, validators a (σ = ε) and b (σ = 1 − ε). Shocking a leaves b alone on x, and
/// π_x = 1 > 1 − ε = σ_b, so b attacks and the whole network is lost.
#[test]
fn theorem2_eigenlayer_condition_does_not_bound_cascades() {
    for eps in [0.01, 0.001, 0.1, 0.3] {
        let g = theorem2_graph(eps);
        g.validate().unwrap();

        // Secure: the only attacking coalition is {a, b} with π = 1 = σ (not > σ).
        assert!(is_secure(&g).unwrap(), "eps={eps}");
        let search = find_valid_attack(&g).unwrap();
        assert!(search.exact && search.attack.is_none());

        // EigenLayer's condition holds with equality for both validators.
        let el = eigenlayer_condition(&g).unwrap();
        assert!(el.holds);
        for v in &el.validators {
            assert!(close(v.load, v.stake, 1e-12), "{v:?}");
        }
        assert_eq!(el.max_gamma, Some(0.0));

        // Secure with exactly 0 slack: Theorem 1 gives no bound.
        let gs = gamma_analysis(&g).unwrap();
        assert!(gs.exact);
        assert_eq!(gs.gamma, 0.0);
        assert!(close(gs.overcollateralization.unwrap(), 0.0, 1e-12));

        // Shock of size ψ = ε: R_ψ = ε + (1 − ε) = 1, the whole network.
        let r = worst_case_loss(&g, eps).unwrap();
        assert!(r.exact);
        assert!(close(r.loss_fraction, 1.0, 1e-12), "eps={eps} R={}", r.loss_fraction);
        assert!(close(r.realized_loss_fraction, 1.0, 1e-12));
        assert_eq!(r.shock, vec!["a".to_string()]);
        assert_eq!(r.attacks.len(), 1);
        assert_eq!(r.attacks[0].validators, vec!["b".to_string()]);
        assert_eq!(r.attacks[0].services, vec!["x".to_string()]);
        assert!(valid_on(&g, &set(&r.shock), &Default::default(), &r.attacks[0]));

        // Any larger shock also loses everything (the paper's "for all ψ ≥ ε"): the stake
        // actually lost is 1. R_ψ as literally defined (ψ + cascade) is ψ + 1 − ε ≥ 1.
        for psi in [eps + 0.5 * (1.0 - eps) * 0.5, 0.9_f64.max(eps)] {
            let r = worst_case_loss(&g, psi).unwrap();
            assert!(close(r.realized_loss_fraction, 1.0, 1e-12));
            assert!(close(r.loss_fraction, psi + 1.0 - eps, 1e-12));
        }

        // A shock smaller than ε cannot remove anyone, and G is secure: R_ψ = ψ.
        let r = worst_case_loss(&g, 0.5 * eps).unwrap();
        assert!(r.attacks.is_empty() && r.shock.is_empty());
        assert!(close(r.loss_fraction, 0.5 * eps, 1e-15));
        assert_eq!(worst_case_loss(&g, 0.0).unwrap().loss_fraction, 0.0);
    }
}

/// The measured numbers for the Theorem 2 graph with ε = 0.01 through the report.
#[test]
fn theorem2_report_numbers() {
    let g = theorem2_graph(0.01);
    let rep = analyze(&g, Some(0.01)).unwrap();
    assert!(rep.secure && rep.eigenlayer_condition && rep.exact);
    assert_eq!(rep.gamma_slack, Some(0.0));
    assert!(close(rep.worst_case_loss.unwrap(), 1.0, 1e-12));
    assert_eq!(rep.theorem1_bound, None, "γ = 0: Theorem 1 does not apply");
    let seq = rep.attack_sequence.unwrap();
    assert_eq!(seq.shock, vec!["a"]);
    assert!(close(seq.shock_fraction, 0.01, 1e-15));
}

/// DR24 Theorem 1 (§3) and its tightness (§4, Theorem 3): with γ-slack, R_ψ < (1 + 1/γ)ψ, and
/// the bound is approached. Construction (ours, following Theorem 3's idea): service x with
/// α = 1 on validators a (σ = ψ) and b (σ = ψ/γ − δ); a third validator c holds the rest of the
/// unit stake and restakes for nothing; π_x = (σ_a + σ_b)/(1 + γ), so the only attacking
/// coalitions ({a, b} and supersets) have exactly γ slack and Eq. 17 holds with equality for a
/// and b. Shocking a lets b attack alone (π_x − σ_b = γδ/(1 + γ) > 0): R_ψ = (1 + 1/γ)ψ − δ.
#[test]
fn theorem1_bound_holds_and_is_tight() {
    for (gamma, psi, delta) in [(1.0, 0.1, 1e-3), (0.25, 0.05, 1e-4), (3.0, 0.2, 1e-3), (0.5, 0.3, 1e-2)] {
        let sa: f64 = psi;
        let sb = psi / gamma - delta;
        let sc = 1.0 - sa - sb;
        assert!(sb > 0.0 && sc > 0.0);
        let pi = (sa + sb) / (1.0 + gamma);
        let g = graph(&[("a", sa), ("b", sb), ("c", sc)], &[("x", pi, 1.0, &["a", "b"])]);

        let gs = gamma_analysis(&g).unwrap();
        assert!(gs.exact);
        assert!(close(gs.gamma, gamma, 1e-9), "γ: {} vs {gamma}", gs.gamma);
        // Corollary 2: Eq. 17 holds at this γ, so the certified bound equals γ.
        assert!(close(gs.certified_lower_bound, gamma, 1e-9));
        assert!(is_secure(&g).unwrap());

        let r = worst_case_loss(&g, psi).unwrap();
        let bound = (1.0 + 1.0 / gamma) * psi;
        assert!(r.exact);
        assert!(r.loss_fraction < bound, "Theorem 1: {} < {bound}", r.loss_fraction);
        assert!(close(r.loss_fraction, bound - delta, 1e-9), "tight: {} vs {}", r.loss_fraction, bound - delta);
        assert_eq!(r.shock, vec!["a"]);
        assert_eq!(r.attacks[0].validators, vec!["b"]);

        let rep = analyze(&g, Some(psi)).unwrap();
        assert!(close(rep.theorem1_bound.unwrap(), bound, 1e-9));
    }
}

/// An obviously insecure graph: one validator holds half of x's stake, which meets α = 1/2,
/// and π_x = 10 exceeds its stake 3.
#[test]
fn insecure_graph() {
    let g = graph(&[("a", 3.0), ("b", 3.0)], &[("x", 10.0, 0.5, &["a", "b"])]);
    let s = find_valid_attack(&g).unwrap();
    let a = s.attack.expect("insecure");
    assert!(s.exact);
    assert_eq!(a.services, vec!["x"]);
    assert_eq!(a.validators.len(), 1);
    assert!(close(a.net_profit(), 7.0, 1e-12));
    assert!(is_valid_attack(&g, &a).unwrap());
    assert!(!is_secure(&g).unwrap());
    assert_eq!(gamma_slack(&g).unwrap(), 0.0);
    let gs = gamma_analysis(&g).unwrap();
    assert!(close(gs.overcollateralization.unwrap(), 0.3 - 1.0, 1e-12));
    assert!(!eigenlayer_condition(&g).unwrap().holds);
    // With no shock the worst attack is everyone at once: π = 10 > 6, so R_0 = 1.
    let r = worst_case_loss(&g, 0.0).unwrap();
    assert!(close(r.loss_fraction, 1.0, 1e-12));
    let rep = analyze(&g, Some(0.0)).unwrap();
    assert!(!rep.secure && rep.valid_attack.is_some());
}

/// A secure graph: three equal validators, α = 2/3, so any attacking coalition holds two of
/// them (stake 2) against π = 1: γ = 1. EigenLayer's condition holds: each validator's load is
/// (1/3)·1/(2/3) = 1/2 ≤ 1, and Eq. 17 certifies the same γ = 1.
#[test]
fn secure_graph_with_slack() {
    let g = graph(&[("a", 1.0), ("b", 1.0), ("c", 1.0)], &[("x", 1.0, 2.0 / 3.0, &["a", "b", "c"])]);
    assert!(is_secure(&g).unwrap());
    let el = eigenlayer_condition(&g).unwrap();
    assert!(el.holds);
    assert!(el.validators.iter().all(|v| close(v.load, 0.5, 1e-12)));
    let gs = gamma_analysis(&g).unwrap();
    assert!(close(gs.gamma, 1.0, 1e-9));
    assert!(close(gs.certified_lower_bound, 1.0, 1e-9));
    assert_eq!(gs.binding_coalition.unwrap().validators.len(), 2);
    // Shock one validator (ψ = 1/3): the remaining two hold 100% of x but π = 1 < 2. A shock
    // of two leaves one validator with stake 1 = π: not profitable. R_ψ = ψ throughout.
    for psi in [0.0, 1.0 / 3.0, 2.0 / 3.0] {
        let r = worst_case_loss(&g, psi).unwrap();
        assert!(r.attacks.is_empty(), "psi={psi}");
        assert!(r.loss_fraction < 2.0 * psi + 1e-12);
    }
}

/// Secure, yet EigenLayer's condition fails: it is only sufficient (Claim 1). Two cases:
/// granularity (a fractional coalition of 1.2 would suffice, but stakes come in units of 1), and
/// overlap (validator a's load double-counts its two services, which no single coalition
/// can take together cheaply).
#[test]
fn secure_but_eigenlayer_condition_fails() {
    let g = graph(&[("a", 1.0), ("b", 1.0)], &[("x", 1.5, 0.6, &["a", "b"])]);
    assert!(!eigenlayer_condition(&g).unwrap().holds);
    assert!(is_secure(&g).unwrap());
    assert!(close(gamma_slack(&g).unwrap(), 2.0 / 1.5 - 1.0, 1e-9));

    let g =
        graph(&[("a", 1.0), ("b", 1.0), ("c", 1.0)], &[("x", 0.75, 0.6, &["a", "b"]), ("y", 0.75, 0.6, &["a", "c"])]);
    let el = eigenlayer_condition(&g).unwrap();
    assert!(!el.holds);
    assert!(el.validators[0].slack < 0.0 && el.validators[1].slack > 0.0);
    assert!(is_secure(&g).unwrap());
    // Cheapest coalitions: {a,b} for x (2/0.75), everyone for both (3/1.5 = 2): γ = 1.
    assert!(close(gamma_slack(&g).unwrap(), 1.0, 1e-9));
    // The EigenLayer-certified γ is negative (fails), so the certified bound is 0.
    assert_eq!(gamma_analysis(&g).unwrap().certified_lower_bound, 0.0);
}

/// A chain where a shock propagates: services s_i on {v_{i−1}, v_i}, α = 0.9, π = 1.2, all
/// stakes 1. A run of L services needs L + 1 validators (stake L + 1 ≥ 1.2 L for L ≤ 5), so the
/// graph is secure with γ = 5/4.8 − 1 = 1/24; removing v0 lets v1..v4 take all four services
/// (π = 4.8 > 4), losing everything.
#[test]
fn chain_cascade_after_shock() {
    let vs: Vec<String> = (0..5).map(|i| format!("v{i}")).collect();
    let validators: Vec<(&str, f64)> = vs.iter().map(|v| (v.as_str(), 1.0)).collect();
    let pairs: Vec<[&str; 2]> = (1..5).map(|i| [vs[i - 1].as_str(), vs[i].as_str()]).collect();
    let names: Vec<String> = (1..5).map(|i| format!("s{i}")).collect();
    let services: Vec<(&str, f64, f64, &[&str])> =
        (0..4).map(|k| (names[k].as_str(), 1.2, 0.9, &pairs[k][..])).collect();
    let g = graph(&validators, &services);
    assert!(is_secure(&g).unwrap());
    assert!(close(gamma_slack(&g).unwrap(), 1.0 / 24.0, 1e-9));
    let r = worst_case_loss(&g, 0.2).unwrap();
    assert!(close(r.loss_fraction, 1.0, 1e-12));
    assert!(close(r.realized_loss_fraction, 1.0, 1e-12));
    assert!(r.loss_fraction < (1.0 + 24.0) * 0.2);
    for a in &r.attacks {
        assert!(valid_on(&g, &set(&r.shock), &Default::default(), a));
    }
    // The bounded search finds the same loss, as a sequence of individually valid attacks.
    let b = worst_case_loss_with(&g, 0.2, &SearchOptions::bounded()).unwrap();
    assert!(!b.exact);
    assert!(close(b.loss_fraction, 1.0, 1e-12));
}
