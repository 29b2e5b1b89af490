//! Input validation, the TOML GRAPH layout, the JSON report, and large graphs.

mod common;

use common::{Lcg, graph, random_graph, theorem2_graph};
use restake_security::*;

const GRAPH_TOML: &str = r#"
[[validators]]
id = "a"
stake = 0.01

[[validators]]
id = "b"
stake = 0.99

[[services]]
id = "x"
profit_from_corruption = 1.0
attack_threshold = 1.0
validators = ["a", "b"]
"#;

#[test]
fn toml_graph_file_parses() {
    let g: RestakingGraph = toml::from_str(GRAPH_TOML).unwrap();
    assert_eq!(g, theorem2_graph(0.01));
    g.validate().unwrap();
}

#[test]
fn unknown_fields_are_rejected() {
    let bad = GRAPH_TOML.replace("stake = 0.99", "stake = 0.99\nweight = 3");
    let err = toml::from_str::<RestakingGraph>(&bad).unwrap_err().to_string();
    assert!(err.contains("weight"), "{err}");
    let bad = format!("{GRAPH_TOML}\n[extra]\nx = 1\n");
    assert!(toml::from_str::<RestakingGraph>(&bad).is_err());
}

#[test]
fn bad_input_gets_named_errors() {
    let unknown = graph(&[("a", 1.0)], &[("x", 1.0, 0.5, &["a", "zed"])]);
    let e = unknown.validate().unwrap_err();
    assert_eq!(e, SecurityError::UnknownValidator { service: "x".into(), validator: "zed".into() });
    assert!(e.to_string().contains("zed") && e.to_string().contains("`x`"));

    for alpha in [0.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
        let g = graph(&[("a", 1.0)], &[("x", 1.0, alpha, &["a"])]);
        assert!(matches!(g.validate(), Err(SecurityError::InvalidThreshold { .. })), "alpha={alpha}");
    }
    for stake in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let g = graph(&[("a", stake)], &[]);
        assert!(matches!(g.validate(), Err(SecurityError::InvalidStake { .. })), "stake={stake}");
    }
    for profit in [-1.0, f64::NAN, f64::INFINITY] {
        let g = graph(&[("a", 1.0)], &[("x", profit, 0.5, &["a"])]);
        assert!(matches!(g.validate(), Err(SecurityError::InvalidProfit { .. })));
    }
    let nan_toml = GRAPH_TOML.replace("stake = 0.99", "stake = nan");
    let g: RestakingGraph = toml::from_str(&nan_toml).unwrap();
    assert!(matches!(analyze(&g, None), Err(SecurityError::InvalidStake { .. })));

    assert_eq!(graph(&[], &[]).validate(), Err(SecurityError::NoValidators));
    assert!(matches!(graph(&[("a", 1.0), ("a", 2.0)], &[]).validate(), Err(SecurityError::DuplicateValidator(_))));
    assert!(matches!(
        graph(&[("a", 1.0)], &[("x", 1.0, 0.5, &["a"]), ("x", 1.0, 0.5, &["a"])]).validate(),
        Err(SecurityError::DuplicateService(_))
    ));
    assert!(matches!(
        graph(&[("a", 1.0)], &[("x", 1.0, 0.5, &["a", "a"])]).validate(),
        Err(SecurityError::DuplicateEdge { .. })
    ));
    assert!(matches!(
        graph(&[("a", 1.0)], &[("x", 1.0, 0.5, &[])]).validate(),
        Err(SecurityError::EmptyService { .. })
    ));
    assert!(matches!(graph(&[("", 1.0)], &[]).validate(), Err(SecurityError::EmptyId { .. })));

    let g = theorem2_graph(0.01);
    for psi in [-0.1, 1.5, f64::NAN] {
        assert!(matches!(worst_case_loss(&g, psi), Err(SecurityError::InvalidPsi(_))));
        assert!(matches!(analyze(&g, Some(psi)), Err(SecurityError::InvalidPsi(_))));
    }
}

/// The JSON report carries the documented fields and only finite numbers.
#[test]
fn report_json_has_the_fields() {
    let rep = analyze(&theorem2_graph(0.01), Some(0.01)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&rep.to_json_pretty()).unwrap();
    assert_eq!(v["secure"], true);
    assert_eq!(v["eigenlayer_condition"], true);
    assert_eq!(v["gamma_slack"].as_f64(), Some(0.0));
    assert!((v["worst_case_loss"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(v["exact"], true);
    assert_eq!(v["validators"], 2);
    assert_eq!(v["services"], 1);
    assert_eq!(v["edges"], 2);
    assert_eq!(v["attack_sequence"]["shock"][0], "a");
    let attack = &v["attack_sequence"]["attacks"][0];
    assert_eq!(attack["validators"][0], "b");
    assert_eq!(attack["services"][0], "x");
    assert!(attack["profit"].is_f64() && attack["stake"].is_f64());
    for key in ["eigenlayer_validators", "overcollateralization", "theorem1_bound", "psi", "realized_loss"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    // Round trip.
    let back: SecurityReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, rep);

    // Without ψ the loss fields are null; with no profit anywhere γ is unbounded → null.
    let g = graph(&[("a", 1.0)], &[("x", 0.0, 0.5, &["a"])]);
    let v: serde_json::Value = serde_json::to_value(analyze(&g, None).unwrap()).unwrap();
    assert!(v["worst_case_loss"].is_null() && v["attack_sequence"].is_null());
    assert!(v["gamma_slack"].is_null());
    assert_eq!(v["secure"], true);
}

#[test]
fn exact_mode_refuses_huge_graphs() {
    let mut rng = Lcg(7);
    let g = random_graph(&mut rng, 30, 5, 0.5);
    let e = analyze_with(&g, Some(0.1), &SearchOptions::exact()).unwrap_err();
    assert!(matches!(e, SecurityError::TooLargeForExact { validators: 30, .. }), "{e}");
}

/// Large graphs use the bounded search; whatever it reports is checked independently.
#[test]
fn large_graph_uses_bounded_search() {
    let mut rng = Lcg(11);
    for scale in [0.3, 1.5] {
        let n = 40;
        let mut g = RestakingGraph { validators: Vec::new(), services: Vec::new() };
        for i in 0..n {
            g.validators.push(Validator { id: format!("v{i}"), stake: 0.5 + 4.5 * rng.unit() });
        }
        for j in 0..12 {
            let k = rng.range(2, 8);
            let mut members: Vec<String> = Vec::new();
            while members.len() < k {
                let id = format!("v{}", rng.range(0, n - 1));
                if !members.contains(&id) {
                    members.push(id);
                }
            }
            let alpha = 0.3 + 0.7 * rng.unit();
            let stake: f64 = g.validators.iter().filter(|v| members.contains(&v.id)).map(|v| v.stake).sum();
            g.services.push(Service {
                id: format!("s{j}"),
                profit_from_corruption: scale * alpha * stake * rng.unit(),
                attack_threshold: alpha,
                validators: members,
            });
        }
        let rep = analyze(&g, Some(0.05)).unwrap();
        assert!(!rep.exact);
        assert_eq!(rep.cascade_exact, Some(false));
        if let Some(a) = &rep.valid_attack {
            assert!(is_valid_attack(&g, a).unwrap());
            assert!(!rep.secure);
        }
        if rep.eigenlayer_condition {
            assert!(rep.secure);
        }
        let seq = rep.attack_sequence.as_ref().unwrap();
        let shock: f64 = g.validators.iter().filter(|v| seq.shock.contains(&v.id)).map(|v| v.stake).sum();
        assert!(shock <= 0.05 * g.total_stake() * (1.0 + 1e-9));
        if let Some(b) = rep.theorem1_bound {
            assert!(rep.worst_case_loss.unwrap() < b * (1.0 + 1e-9));
        }
        // Reproducible: same seed, same report.
        assert_eq!(analyze(&g, Some(0.05)).unwrap(), rep);
    }
}
