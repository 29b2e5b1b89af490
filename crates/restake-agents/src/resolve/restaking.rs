//! Restaking protocols (presets and overrides), AVSs, operators with their allocations, native
//! restakers, the beacon chain.

use super::{Checker, Ids, NativeSpec};
use crate::beacon::Beacon;
use crate::beacon::Fork;
use crate::incentives::Emission;
use crate::restaking::{Allocation, Avs, Operator, RestakingProtocol, WithdrawalRule};
use crate::scenario::{BeaconFork, ProtocolPreset, RestakingProtocolConfig, Scenario};
use std::collections::BTreeMap;

pub(super) struct Restaking<'a> {
    pub protocol_ids: Ids<'a>,
    pub avs_ids: Ids<'a>,
    pub operator_ids: Ids<'a>,
    pub beacon: Beacon,
    pub protocols: Vec<RestakingProtocol>,
    pub avss: Vec<Avs>,
    pub operators: Vec<Operator>,
    pub natives: Vec<NativeSpec>,
}

/// A protocol's withdrawal rule and veto window (seconds) after its preset and overrides.
fn rules(p: &RestakingProtocolConfig) -> Result<(WithdrawalRule, f64), String> {
    let day = 86_400.0;
    let (mut fixed, mut epoch, mut veto) = match p.preset {
        Some(ProtocolPreset::Eigenlayer) => (Some(14.0 * day), None, 0.0),
        Some(ProtocolPreset::Eigenlayer2024) => (Some(7.0 * day), None, 0.0),
        Some(ProtocolPreset::Symbiotic) => (None, Some(7.0 * day), 0.0),
        Some(ProtocolPreset::Karak) => (Some(9.0 * day), None, 2.0 * day),
        None => (None, None, 0.0),
    };
    match (p.withdrawal_delay, p.epoch) {
        (Some(_), Some(_)) => return Err("set either withdrawal_delay or epoch, not both".into()),
        (Some(d), None) => {
            fixed = Some(d.seconds());
            epoch = None;
        }
        (None, Some(e)) => {
            epoch = Some(e.seconds());
            fixed = None;
        }
        (None, None) => {}
    }
    if let Some(v) = p.veto_window {
        veto = v.seconds();
    }
    let rule = match (fixed, epoch) {
        (Some(seconds), _) => WithdrawalRule::Fixed { seconds },
        (None, Some(epoch_seconds)) => WithdrawalRule::Epochs { epoch_seconds },
        (None, None) => {
            return Err(
                "needs a preset (eigenlayer, eigenlayer-2024, symbiotic, karak), a withdrawal_delay or an epoch".into(),
            );
        }
    };
    Ok((rule, veto))
}

pub(super) fn resolve<'a>(c: &mut Checker, s: &'a Scenario, _dt: f64) -> Restaking<'a> {
    let b = &s.beacon;
    c.range("beacon.staking_apr", b.staking_apr, 0.0, 0.5, false, false);
    c.range("beacon.exit_churn_eth_per_day", b.exit_churn_eth_per_day, 0.0, f64::INFINITY, true, true);
    c.range("beacon.exit_queue_eth", b.exit_queue_eth, 0.0, f64::INFINITY, false, true);
    c.range("beacon.total_active_eth", b.total_active_eth, 0.0, f64::INFINITY, true, true);
    c.range("beacon.slashed_in_window_eth", b.slashed_in_window_eth, 0.0, f64::INFINITY, false, true);
    c.range("faults.common_events_per_year", s.faults.common_events_per_year, 0.0, 1000.0, false, false);
    let beacon = Beacon {
        staking_apr: b.staking_apr,
        exit_churn_eth_per_day: b.exit_churn_eth_per_day,
        exit_queue_eth: b.exit_queue_eth,
        fork: match b.fork {
            BeaconFork::Bellatrix => Fork::Bellatrix,
            BeaconFork::Electra => Fork::Electra,
        },
        total_active_eth: b.total_active_eth,
        slashed_in_window_eth: b.slashed_in_window_eth,
    };

    let protocol_ids =
        c.ids("restaking_protocols", "restaking protocol", s.restaking_protocols.iter().map(|p| p.id.as_str()));
    let mut protocols = Vec::with_capacity(s.restaking_protocols.len());
    for (i, p) in s.restaking_protocols.iter().enumerate() {
        match rules(p) {
            Err(e) => {
                c.push(format!("restaking_protocols[{i}]"), e);
                // Keeps indices aligned; the scenario is refused anyway.
                protocols.push(RestakingProtocol {
                    id: p.id.clone(),
                    withdrawal: WithdrawalRule::Fixed { seconds: 0.0 },
                    veto_window_seconds: 0.0,
                    incentive: Default::default(),
                });
            }
            Ok((withdrawal, veto)) => {
                match withdrawal {
                    WithdrawalRule::Fixed { seconds } if seconds > 365.0 * 86_400.0 => {
                        c.push(format!("restaking_protocols[{i}].withdrawal_delay"), "must be at most 365 days")
                    }
                    WithdrawalRule::Epochs { epoch_seconds }
                        if !(3600.0..=60.0 * 86_400.0).contains(&epoch_seconds) =>
                    {
                        c.push(format!("restaking_protocols[{i}].epoch"), "must be from 1h to 60d")
                    }
                    _ => {}
                }
                if veto > 30.0 * 86_400.0 {
                    c.push(format!("restaking_protocols[{i}].veto_window"), "must be at most 30 days");
                }
                protocols.push(RestakingProtocol {
                    id: p.id.clone(),
                    withdrawal,
                    veto_window_seconds: veto,
                    // The token is looked up by the yields pass.
                    incentive: Emission {
                        apr: p.incentive_apr,
                        end_seconds: p.incentive_end.map(|e| e.seconds()),
                        half_life_seconds: None,
                        token: None,
                    },
                });
                c.range(format!("restaking_protocols[{i}].incentive_apr"), p.incentive_apr, 0.0, 10.0, false, false);
            }
        }
    }

    let avs_ids = c.ids("avss", "AVS", s.avss.iter().map(|a| a.id.as_str()));
    let mut avss = Vec::with_capacity(s.avss.len());
    for (i, a) in s.avss.iter().enumerate() {
        let p = |f: &str| format!("avss[{i}].{f}");
        c.range(p("fee_apr"), a.fee_apr, 0.0, 1.0, false, false);
        c.range(p("incentive_apr"), a.incentive_apr, 0.0, 10.0, false, false);
        c.range(p("fault_hazard_per_year"), a.fault_hazard_per_year, 0.0, 1000.0, false, false);
        c.range(p("slash_fraction"), a.slash_fraction, 0.0, 1.0, false, false);
        c.range(p("veto_probability"), a.veto_probability, 0.0, 1.0, false, false);
        c.range(p("common_fault_loading"), a.common_fault_loading, 0.0, 1.0, false, false);
        if a.incentive_half_life.is_some_and(|h| h.seconds() <= 0.0) {
            c.push(p("incentive_half_life"), "must be positive");
        }
        if let Some(v) = a.profit_from_corruption {
            c.range(p("profit_from_corruption"), v, 0.0, f64::INFINITY, false, true);
        }
        if let Some(t) = a.attack_threshold {
            c.range(p("attack_threshold"), t, 0.0, 1.0, true, false);
        }
        avss.push(Avs {
            id: a.id.clone(),
            fee_apr: a.fee_apr,
            incentive: Emission {
                apr: a.incentive_apr,
                end_seconds: a.incentive_end.map(|e| e.seconds()),
                half_life_seconds: a.incentive_half_life.map(|h| h.seconds()),
                token: None,
            },
            fault_hazard_per_year: a.fault_hazard_per_year,
            slash_fraction: a.slash_fraction,
            slashed_eth: 0.0,
            faults: 0,
            veto_probability: a.veto_probability,
            common_fault_loading: a.common_fault_loading,
            profit_from_corruption: a.profit_from_corruption,
            attack_threshold: a.attack_threshold,
            corrupted: false,
        });
    }

    let operator_ids = c.ids("operators", "operator", s.operators.iter().map(|o| o.id.as_str()));
    let mut operators = Vec::with_capacity(s.operators.len());
    for (i, o) in s.operators.iter().enumerate() {
        let protocol = c.lookup(format!("operators[{i}].protocol"), &o.protocol, &protocol_ids);
        c.range(format!("operators[{i}].commission"), o.commission, 0.0, 1.0, false, false);
        c.range(format!("operators[{i}].fault_hazard_per_year"), o.fault_hazard_per_year, 0.0, 1000.0, false, false);
        let mut total = 0.0;
        let mut allocations = Vec::with_capacity(o.allocations.len());
        for (avs, &m) in &o.allocations {
            let path = format!("operators[{i}].allocations.{avs}");
            if let Some(a) = c.lookup(path.clone(), avs, &avs_ids) {
                allocations.push(Allocation { avs: a, magnitude: m });
            }
            c.range(path, m, 0.0, 1.0, false, false);
            total += m;
        }
        if total > 1.0 + 1e-9 {
            c.push(
                format!("operators[{i}].allocations"),
                format!("allocations may sum to at most 1 (unique stake), got {total}"),
            );
        }
        operators.push(Operator {
            id: o.id.clone(),
            protocol: protocol.unwrap_or(0),
            commission: o.commission,
            shares: 0.0,
            max_magnitude: 1.0,
            beacon_factor: 1.0,
            fault_hazard_per_year: o.fault_hazard_per_year,
            allocations,
        });
    }

    c.ids("native_restakers", "native restaker", s.native_restakers.iter().map(|n| n.id.as_str()));
    let mut natives = Vec::with_capacity(s.native_restakers.len());
    for (i, n) in s.native_restakers.iter().enumerate() {
        let p = |f: &str| format!("native_restakers[{i}].{f}");
        let protocol = c.lookup(p("protocol"), &n.protocol, &protocol_ids);
        c.range(p("stake"), n.stake, 0.0, f64::INFINITY, true, true);
        let delegation =
            delegations(c, &format!("native_restakers[{i}]"), &n.delegations, &n.protocol, &operator_ids, s);
        natives.push(NativeSpec { id: n.id.clone(), protocol: protocol.unwrap_or(0), stake: n.stake, delegation });
    }
    Restaking { protocol_ids, avs_ids, operator_ids, beacon, protocols, avss, operators, natives }
}

/// Delegation weights at `{base}.delegations`: known operators on `protocol`, weights in [0, 1]
/// summing to 1. Returns (operator, weight) in the order written (by operator id).
pub(super) fn delegations(
    c: &mut Checker,
    base: &str,
    delegations: &BTreeMap<String, f64>,
    protocol: &str,
    operators: &Ids,
    s: &Scenario,
) -> Vec<(usize, f64)> {
    let mut total = 0.0;
    let mut out = Vec::with_capacity(delegations.len());
    for (op, &w) in delegations {
        let path = format!("{base}.delegations.{op}");
        if let Some(o) = c.lookup(path.clone(), op, operators) {
            let on = &s.operators[o].protocol;
            if on != protocol {
                c.push(path.clone(), format!("operator `{op}` restakes on `{on}`, not on `{protocol}`"));
            }
            out.push((o, w));
        }
        c.range(path, w, 0.0, 1.0, false, false);
        total += w;
    }
    if (total - 1.0).abs() > 1e-6 {
        c.push(format!("{base}.delegations"), format!("delegation weights must sum to 1, got {total}"));
    }
    out
}
