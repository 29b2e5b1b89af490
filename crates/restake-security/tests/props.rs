//! Property tests: DR24's theorems on random small graphs, and the bounded search against the
//! exact one.

mod common;

use std::collections::HashSet;

use common::{Lcg, random_graph, set, valid_on};
use proptest::prelude::*;
use restake_security::*;

fn arb_graph() -> impl Strategy<Value = RestakingGraph> {
    (3usize..=8, 1usize..=5, any::<u64>(), 0.05f64..2.0)
        .prop_map(|(n, m, seed, scale)| random_graph(&mut Lcg(seed), n, m, scale))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// DR24 Theorem 1: if G is secure with γ-slack, γ > 0, then R_ψ(G) < (1 + 1/γ)ψ for every
    /// ψ > 0. γ is the exact largest slack; the comparison allows 1e-9 relative rounding.
    #[test]
    fn theorem1_gamma_slack_bounds_worst_case_loss(g in arb_graph(), psi in 0.001f64..1.0) {
        let gs = gamma_analysis(&g).unwrap();
        prop_assume!(gs.exact && gs.gamma > 1e-6 && gs.gamma.is_finite());
        let r = worst_case_loss(&g, psi).unwrap();
        prop_assert!(r.exact);
        let bound = (1.0 + 1.0 / gs.gamma) * psi;
        prop_assert!(r.loss_fraction < bound * (1.0 + 1e-9),
            "R_psi = {} >= (1 + 1/{})·{} = {}", r.loss_fraction, gs.gamma, psi, bound);
        prop_assert!(r.realized_loss_fraction <= r.loss_fraction + 1e-12);
    }

    /// Claim 1 (Eq. 3 ⇒ secure) and Corollary 2 (Eq. 17 ⇒ γ-slack): the EigenLayer-certified
    /// γ never exceeds the exact γ.
    #[test]
    fn eigenlayer_condition_is_sufficient(g in arb_graph()) {
        let el = eigenlayer_condition(&g).unwrap();
        let gs = gamma_analysis(&g).unwrap();
        if el.holds {
            prop_assert!(find_valid_attack(&g).unwrap().attack.is_none());
        }
        prop_assert!(gs.certified_lower_bound <= gs.gamma + 1e-9);
    }

    /// Definitions tie together: secure ⇔ no valid attack ⇔ R_0 = 0 ⇔ min σ(B)/π(A) ≥ 1.
    #[test]
    fn security_definitions_agree(g in arb_graph()) {
        let s = find_valid_attack(&g).unwrap();
        let gs = gamma_analysis(&g).unwrap();
        let r0 = worst_case_loss(&g, 0.0).unwrap();
        let secure = s.attack.is_none();
        prop_assert_eq!(secure, r0.loss_fraction == 0.0);
        if let Some(oc) = gs.overcollateralization {
            prop_assert_eq!(secure, oc >= -1e-9, "oc = {}", oc);
        }
        if let Some(a) = &s.attack {
            prop_assert!(valid_on(&g, &HashSet::new(), &HashSet::new(), a));
            prop_assert!(is_valid_attack(&g, a).unwrap());
            prop_assert_eq!(gs.gamma, 0.0);
        }
    }

    /// Lemma 1 / Corollary 1: every reported attack is valid on the graph left by the shock
    /// and the earlier attacks, and (for the bounded search, which reports real sequences) the
    /// union of the cascade is a single valid attack on G↓D.
    #[test]
    fn cascades_are_valid_and_compose(g in arb_graph(), psi in 0.0f64..0.6) {
        for opts in [SearchOptions::default(), SearchOptions::bounded()] {
            let r = worst_case_loss_with(&g, psi, &opts).unwrap();
            let mut removed = set(&r.shock);
            let mut corrupted = HashSet::new();
            let mut union = Attack {
                services: vec![],
                validators: vec![],
                profit: 0.0,
                stake: 0.0,
                service_positions: vec![],
                validator_positions: vec![],
            };
            for a in &r.attacks {
                prop_assert!(valid_on(&g, &removed, &corrupted, a), "step {:?}", a);
                removed.extend(a.validators.iter().cloned());
                corrupted.extend(a.services.iter().cloned());
                union.services.extend(a.services.iter().cloned());
                union.validators.extend(a.validators.iter().cloned());
                union.profit += a.profit;
                union.stake += a.stake;
            }
            if !r.attacks.is_empty() {
                prop_assert!(valid_on(&g, &set(&r.shock), &HashSet::new(), &union));
            }
            let total = g.total_stake();
            prop_assert!(r.shock_fraction <= psi + 1e-9);
            prop_assert!((r.loss_fraction - (psi + union.stake / total)).abs() < 1e-9);
        }
    }

    /// The bounded search is one-sided: what it finds is real, so it never beats the exact
    /// search (attack profit, cascade loss) and never reports less slack than the exact γ.
    #[test]
    fn bounded_never_beats_exact(g in arb_graph(), psi in 0.0f64..0.6) {
        let tol = 1e-9 * (1.0 + g.total_stake());
        let ex = find_valid_attack(&g).unwrap();
        let bd = find_valid_attack_with(&g, &SearchOptions::bounded()).unwrap();
        prop_assert!(ex.exact && !bd.exact);
        if let Some(b) = &bd.attack {
            let e = ex.attack.as_ref().expect("bounded found an attack the exact search missed");
            prop_assert!(b.net_profit() <= e.net_profit() + tol);
        }
        let ge = gamma_analysis(&g).unwrap();
        let gb = gamma_analysis_with(&g, &SearchOptions::bounded()).unwrap();
        prop_assert!(gb.gamma >= ge.gamma - 1e-9);
        let re = worst_case_loss(&g, psi).unwrap();
        let rb = worst_case_loss_with(&g, psi, &SearchOptions::bounded()).unwrap();
        prop_assert!(rb.loss_fraction <= re.loss_fraction + 1e-9);
    }
}

/// Agreement rates of bounded vs exact on 300 seeded random graphs (3–8 validators, 1–5
/// services): the bounded search should match the exact answer on almost all of them.
#[test]
fn bounded_agrees_with_exact_on_most_small_graphs() {
    let mut rng = Lcg(2407_21785);
    let (mut n_graphs, mut same_verdict, mut same_net, mut same_gamma, mut same_loss) = (0, 0, 0, 0, 0);
    for _ in 0..300 {
        let n = rng.range(3, 8);
        let m = rng.range(1, 5);
        let scale = 0.05 + 1.95 * rng.unit();
        let g = random_graph(&mut rng, n, m, scale);
        let psi = 0.5 * rng.unit();
        let bounded = SearchOptions::bounded();
        n_graphs += 1;
        let ex = find_valid_attack(&g).unwrap();
        let bd = find_valid_attack_with(&g, &bounded).unwrap();
        same_verdict += usize::from(ex.attack.is_none() == bd.attack.is_none());
        let net = |a: &Option<Attack>| a.as_ref().map_or(0.0, |a| a.net_profit());
        same_net += usize::from((net(&ex.attack) - net(&bd.attack)).abs() < 1e-9);
        let ge = gamma_analysis(&g).unwrap().overcollateralization.unwrap_or(f64::INFINITY);
        let gb = gamma_analysis_with(&g, &bounded).unwrap().overcollateralization.unwrap_or(f64::INFINITY);
        same_gamma += usize::from(ge == gb || (ge - gb).abs() < 1e-9);
        let re = worst_case_loss(&g, psi).unwrap().loss_fraction;
        let rb = worst_case_loss_with(&g, psi, &bounded).unwrap().loss_fraction;
        same_loss += usize::from((re - rb).abs() < 1e-9);
    }
    let pct = |k: usize| 100.0 * k as f64 / n_graphs as f64;
    eprintln!(
        "bounded vs exact on {n_graphs} graphs: secure verdict {:.1}%, best attack {:.1}%, gamma {:.1}%, R_psi {:.1}%",
        pct(same_verdict),
        pct(same_net),
        pct(same_gamma),
        pct(same_loss)
    );
    assert!(pct(same_verdict) >= 97.0);
    assert!(pct(same_net) >= 90.0);
    assert!(pct(same_gamma) >= 90.0);
    assert!(pct(same_loss) >= 90.0);
}
