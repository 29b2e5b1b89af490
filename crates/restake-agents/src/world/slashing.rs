//! Slashing and its propagation: AVS faults (random, correlated, scheduled), veto windows,
//! beacon-chain slashing, and attacks by operators when they pay.
//!
//! Every slash travels the same path in the same step: the operator loses stake (magnitudes),
//! every delegator's share value falls with it — LRTs (NAV) and native restakers — each as an
//! event caused by the one before, so `events.parquet` holds the whole chain.

use super::*;
use crate::events::{Event, EventKind};
use crate::restaking::SlashResult;
use crate::vocab::{entity, purpose};

/// A slash that waits out a veto window.
#[derive(Clone, Debug)]
pub struct PendingSlash {
    pub avs: usize,
    pub operator: usize,
    /// ETH to take, captured when the fault happened (Symbiotic slashes the stake captured at
    /// the fault; stake withdrawn since stays slashable until its withdrawal completes).
    pub amount_eth: f64,
    pub execute_step: u64,
    pub vetoed: bool,
    pub cause: u64,
}

impl World {
    /// AVS `a` slashes `fraction` of the stake allocated to it, at every operator. Operators on
    /// protocols with a veto window get a pending request instead.
    pub fn slash_avs(&mut self, ctx: &StepContext, a: usize, fraction: f64, cause: u64) {
        let avs_event = self.obs.events.push({
            let mut e = Event::new(EventKind::AvsSlash, Entity::Avs(a as u32));
            e.cause = Some(cause);
            e
        });
        self.restaking.avss[a].faults += 1;
        let mut total = 0.0;
        for o in 0..self.restaking.operators.len() {
            let allocated = self.restaking.operators[o].allocated_to(a);
            if allocated <= 0.0 {
                continue;
            }
            let veto = self.restaking.protocols[self.restaking.operators[o].protocol].veto_window_seconds;
            if veto > 0.0 {
                let amount = allocated * fraction;
                let vetoed = ctx.uniform(entity::AVS + ((a as u64) << 16) + o as u64, purpose::VETO)
                    < self.restaking.avss[a].veto_probability;
                let mut e = Event::new(EventKind::SlashRequest, Entity::Operator(o as u32));
                e.amount_eth = amount;
                e.cause = Some(avs_event);
                let id = self.obs.events.push(e);
                let execute_step = ctx.step + (veto / ctx.dt_seconds).ceil().max(1.0) as u64;
                self.restaking.pending_slashes.push(PendingSlash {
                    avs: a,
                    operator: o,
                    amount_eth: amount,
                    execute_step,
                    vetoed,
                    cause: id,
                });
            } else {
                total += self.slash_operator(o, a, fraction, avs_event);
            }
        }
        if let Some(e) = self.obs.events.last_mut_by_id(avs_event) {
            e.amount_eth = total;
        }
    }

    /// Slashes `fraction` of operator `o`'s allocation to AVS `a` now and propagates it.
    /// Returns the ETH slashed.
    pub(super) fn slash_operator(&mut self, o: usize, a: usize, fraction: f64, cause: u64) -> f64 {
        let Some(r) = self.restaking.operators[o].slash(a, fraction) else { return 0.0 };
        self.restaking.avss[a].slashed_eth += r.eth_slashed;
        let mut oe = Event::new(EventKind::OperatorSlash, Entity::Operator(o as u32));
        oe.amount_eth = r.eth_slashed;
        oe.cause = Some(cause);
        let op_event = self.obs.events.push(oe);
        self.propagate_loss(o, r, op_event, true);
        r.eth_slashed
    }

    /// Books a fall in operator `o`'s share value and tells every delegator: slashed stake
    /// (burned) or, with `slashed` false, stolen stake (it leaves to the attacker).
    pub(super) fn propagate_loss(&mut self, o: usize, r: SlashResult, op_event: u64, slashed: bool) {
        if slashed {
            self.book_slashed(r.eth_slashed);
        } else {
            self.book_stolen(r.eth_slashed);
        }
        let loss_per_share = r.share_value_before - r.share_value_after;
        for l in 0..self.liquidity.lrts.len() {
            let shares = self.liquidity.lrts[l].shares[o] + self.liquidity.lrts[l].withdrawing[o];
            if shares <= 0.0 {
                continue;
            }
            let mut ne = Event::new(EventKind::NavLoss, Entity::Lrt(l as u32));
            ne.amount_eth = shares * loss_per_share;
            ne.nav = self.nav(l);
            ne.price_pool = self.liquidity.pools.get(self.liquidity.lrt_pool[l]).map_or(f64::NAN, |p| p.price());
            ne.cause = Some(op_event);
            let id = self.obs.events.push(ne);
            self.obs.nav_cause[l] = CauseRef { event: Some(id), depth: 0 };
            if slashed {
                self.liquidity.lrts[l].slashed_eth += shares * loss_per_share;
            }
        }
        for n in 0..self.restaking.natives.len() {
            let shares = self.restaking.natives[n].shares[o];
            if shares <= 0.0 {
                continue;
            }
            let mut ne = Event::new(EventKind::NativeLoss, Entity::Native(n as u32));
            ne.amount_eth = shares * loss_per_share;
            ne.cause = Some(op_event);
            self.obs.events.push(ne);
            if slashed {
                self.restaking.natives[n].slashed_eth += shares * loss_per_share;
            }
        }
    }

    /// Executes or drops the pending slashes whose veto window ends now, in request order.
    pub(super) fn execute_pending_slashes(&mut self, ctx: &StepContext) {
        if self.restaking.pending_slashes.is_empty() {
            return;
        }
        let due: Vec<PendingSlash> =
            self.restaking.pending_slashes.iter().filter(|p| p.execute_step <= ctx.step).cloned().collect();
        self.restaking.pending_slashes.retain(|p| p.execute_step > ctx.step);
        for p in due {
            if p.vetoed {
                let mut e = Event::new(EventKind::SlashVetoed, Entity::Operator(p.operator as u32));
                e.amount_eth = p.amount_eth;
                e.cause = Some(p.cause);
                self.obs.events.push(e);
                continue;
            }
            // Take the captured amount from what is still allocated (stake may have left).
            let allocated = self.restaking.operators[p.operator].allocated_to(p.avs);
            if allocated > 0.0 {
                self.slash_operator(p.operator, p.avs, (p.amount_eth / allocated).min(1.0), p.cause);
            }
        }
    }

    /// Beacon-chain slashing of `validators` (fraction) of operator `o`'s validators, with the
    /// spec's initial and correlation penalties (32 ETH validators).
    pub fn beacon_slash(&mut self, o: usize, validators: f64, cause: u64) {
        let stake = self.restaking.operators[o].stake();
        let slashed_now = stake * validators;
        self.restaking.beacon.slashed_in_window_eth += slashed_now;
        let per_validator = crate::beacon::slashed_fraction(
            32.0,
            self.restaking.beacon.slashed_in_window_eth,
            self.restaking.beacon.total_active_eth,
            self.restaking.beacon.fork,
        );
        let r = self.restaking.operators[o].beacon_slash(validators * per_validator);
        let mut e = Event::new(EventKind::BeaconSlash, Entity::Operator(o as u32));
        e.amount_eth = r.eth_slashed;
        e.cause = Some(cause);
        let id = self.obs.events.push(e);
        self.propagate_loss(o, r, id, true);
    }

    /// Random faults: each AVS and operator has a Poisson hazard; common fault events hit
    /// each AVS with its loading, so faults are correlated.
    pub(super) fn random_faults(&mut self, ctx: &StepContext) {
        let dt_y = ctx.dt_years();
        let p_of = |hazard: f64| 1.0 - (-hazard * dt_y).exp();
        let common = self.restaking.common_fault_events_per_year > 0.0
            && ctx.uniform(entity::WORLD, purpose::COMMON_FAULT) < p_of(self.restaking.common_fault_events_per_year);
        let mut common_event = None;
        if common {
            let mut e = Event::new(EventKind::Shock, Entity::World);
            e.label = Some("common fault event".into());
            common_event = Some(self.obs.events.push(e));
        }
        for a in 0..self.restaking.avss.len() {
            let own = self.restaking.avss[a].fault_hazard_per_year > 0.0
                && ctx.uniform(entity::AVS + a as u64, purpose::AVS_FAULT)
                    < p_of(self.restaking.avss[a].fault_hazard_per_year);
            let hit = common_event.is_some()
                && ctx.uniform(entity::AVS + a as u64, purpose::COMMON_LOADING)
                    < self.restaking.avss[a].common_fault_loading;
            if !(own || hit) {
                continue;
            }
            let fraction = self.restaking.avss[a].slash_fraction;
            let cause = match (hit, common_event) {
                (true, Some(c)) => c,
                _ => {
                    let mut e = Event::new(EventKind::Shock, Entity::Avs(a as u32));
                    e.label =
                        Some(format!("random fault of {} ({:.0}% slash)", self.restaking.avss[a].id, fraction * 100.0));
                    self.obs.events.push(e)
                }
            };
            self.slash_avs(ctx, a, fraction, cause);
        }
        for o in 0..self.restaking.operators.len() {
            let hazard = self.restaking.operators[o].fault_hazard_per_year;
            if hazard <= 0.0 || ctx.uniform(entity::OPERATOR + o as u64, purpose::OPERATOR_FAULT) >= p_of(hazard) {
                continue;
            }
            let mut e = Event::new(EventKind::Shock, Entity::Operator(o as u32));
            e.label = Some(format!("fault of operator {}", self.restaking.operators[o].id));
            let cause = self.obs.events.push(e);
            let avss: Vec<usize> =
                self.restaking.operators[o].allocations.iter().filter(|x| x.magnitude > 0.0).map(|x| x.avs).collect();
            for a in avss {
                let f = self.restaking.avss[a].slash_fraction;
                self.slash_operator(o, a, f, cause);
            }
        }
    }

    /// The restaking graph now: operators with stake are validators, AVSs with their profit from
    /// corruption and attack threshold are services. Also the operator index of each validator
    /// and the AVS index of each service, in the graph's order.
    pub fn restaking_graph(&self) -> Option<(restake_security::RestakingGraph, Vec<usize>, Vec<usize>)> {
        use restake_security::{RestakingGraph, Service, Validator};
        let ops = &self.restaking.operators;
        let staked: Vec<usize> = (0..ops.len()).filter(|&o| ops[o].stake() > 1e-9).collect();
        let validators: Vec<Validator> =
            staked.iter().map(|&o| Validator { id: ops[o].id.clone(), stake: ops[o].stake() }).collect();
        let mut services = Vec::new();
        let mut service_avs = Vec::new();
        for (a, avs) in self.restaking.avss.iter().enumerate() {
            let (pi, alpha) = (avs.profit_from_corruption?, avs.attack_threshold?);
            let on: Vec<String> =
                staked.iter().filter(|&&o| ops[o].allocated_to(a) > 0.0).map(|&o| ops[o].id.clone()).collect();
            if !on.is_empty() && !avs.corrupted {
                services.push(Service {
                    id: avs.id.clone(),
                    profit_from_corruption: pi,
                    attack_threshold: alpha,
                    validators: on,
                });
                service_avs.push(a);
            }
        }
        Some((RestakingGraph { validators, services }, staked, service_avs))
    }

    /// When enabled, operators look for a valid attack (profit from corruption above the stake
    /// they would lose) every `check_every`, and carry it out: the attacked AVSs are corrupted
    /// and the attackers lose their whole stake (Durvasula & Roughgarden's model).
    pub(super) fn operator_attacks(&mut self, ctx: &StepContext) {
        let Some(every) = self.restaking.attack_check_steps else { return };
        if ctx.step % every != 0 {
            return;
        }
        let Some((graph, validator_op, service_avs)) = self.restaking_graph() else { return };
        if graph.services.is_empty() || graph.validators.is_empty() {
            return;
        }
        let opts = restake_security::SearchOptions::default();
        let Ok(search) = restake_security::find_valid_attack_with(&graph, &opts) else { return };
        let Some(attack) = search.attack else { return };
        let mut e = Event::new(EventKind::Attack, Entity::World);
        e.amount_eth = attack.profit;
        e.label = Some(format!(
            "{} attack {} (profit {:.1} ETH > stake {:.1} ETH)",
            attack.validators.join("+"),
            attack.services.join("+"),
            attack.profit,
            attack.stake
        ));
        let id = self.obs.events.push(e);
        for &k in &attack.service_positions {
            self.restaking.avss[service_avs[k]].corrupted = true;
        }
        for &k in &attack.validator_positions {
            let o = validator_op[k];
            // The attackers' whole stake is slashed: every allocation fully, then what is left.
            let allocs: Vec<usize> =
                self.restaking.operators[o].allocations.iter().filter(|x| x.magnitude > 0.0).map(|x| x.avs).collect();
            for a in allocs {
                self.slash_operator(o, a, 1.0, id);
            }
            if self.restaking.operators[o].stake() > 0.0 {
                let r = self.restaking.operators[o].beacon_slash(1.0);
                let mut be = Event::new(EventKind::OperatorSlash, Entity::Operator(o as u32));
                be.amount_eth = r.eth_slashed;
                be.cause = Some(id);
                let bid = self.obs.events.push(be);
                self.propagate_loss(o, r, bid, true);
            }
        }
        self.obs.tally.attacks += 1;
        self.obs.tally.profit_from_corruption += attack.profit;
    }
}
