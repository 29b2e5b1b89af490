//! `restake security GRAPH`: robustness of a restaking graph to cascading attacks.

use crate::{Failure, input};
use restake_agents::World;
use restake_security::{RestakingGraph, analyze};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct SecurityArgs {
    /// A graph file ([[validators]] with stake; [[services]] with profit_from_corruption,
    /// attack_threshold and validators) or a scenario file (operators and AVSs).
    pub graph: PathBuf,
    /// Shock size psi (fraction of total stake) for the worst-case loss R_psi.
    #[arg(long)]
    pub shock: Option<f64>,
    /// Print the full report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The graph of a scenario at its start: operators are validators with their delegated stake;
/// each AVS is a service restaked by the operators that allocate to it.
pub fn graph_of_scenario(loaded: &input::LoadedScenario) -> Result<RestakingGraph, Failure> {
    let s = &loaded.scenario;
    let name = loaded.path.as_ref().map_or("scenario".into(), |p| p.display().to_string());
    if let Some((a, cfg)) =
        s.avss.iter().enumerate().find(|(_, a)| a.profit_from_corruption.is_none() || a.attack_threshold.is_none())
    {
        return Err(Failure::Input(format!(
            "{name}: avss[{a}] (`{}`) needs profit_from_corruption and attack_threshold for the security analysis",
            cfg.id
        )));
    }
    let world = World::new(&loaded.resolved, s.engine.seed);
    world
        .restaking_graph()
        .map(|(g, _, _)| g)
        .ok_or_else(|| Failure::Input(format!("{name}: every AVS needs security parameters")))
}

pub fn security(args: SecurityArgs) -> Result<(), Failure> {
    let name = args.graph.display().to_string();
    let text = std::fs::read_to_string(&args.graph).map_err(|e| Failure::Input(format!("{name}: cannot read: {e}")))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| Failure::Input(format!("{name}: {}", e.message())))?;
    let graph = if table.contains_key("validators") || table.contains_key("services") {
        toml::from_str::<RestakingGraph>(&text).map_err(|e| Failure::Input(format!("{name}: {}", e.message())))?
    } else {
        graph_of_scenario(&input::load(Some(&args.graph), &[])?)?
    };
    let report = analyze(&graph, args.shock).map_err(|e| Failure::Input(format!("{name}: {e}")))?;
    if args.json {
        say!("{}", report.to_json_pretty());
        return Ok(());
    }
    say!(
        "restaking graph {name}: {} validators, {} services, {} edges, stake {:.4}, profit from corruption {:.4}",
        report.validators,
        report.services,
        report.edges,
        report.total_stake,
        report.total_profit
    );
    say!(
        "  secure                 {}{}",
        report.secure,
        if report.attack_search_exact { " (exhaustive search)" } else { " (bounded search)" }
    );
    if let Some(a) = &report.valid_attack {
        say!(
            "  valid attack           validators {:?} corrupt {:?}: profit {:.4} > stake {:.4}",
            a.validators,
            a.services,
            a.profit,
            a.stake
        );
    }
    say!("  EigenLayer condition   {}", report.eigenlayer_condition);
    say!("  gamma slack            {}", report.gamma_slack.map_or("unbounded".into(), |g| format!("{g:.4}")));
    if let (Some(psi), Some(r)) = (report.psi, report.worst_case_loss) {
        say!(
            "  worst-case loss R_psi  {r:.4} of total stake after a shock of {psi} (stake actually lost {:.4})",
            report.realized_loss.unwrap_or(f64::NAN) + 0.0
        );
        if let Some(b) = report.theorem1_bound {
            say!("  Theorem 1 bound        (1 + 1/gamma) psi = {b:.4}");
        }
    }
    Ok(())
}
