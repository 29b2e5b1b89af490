//! Random hazards: each layer that carries one fails at random (a Poisson process, one draw per
//! correlation group and step, so layers that share code, operators or an oracle fail together),
//! with a loss drawn from its distribution, and the failure fires as the shock of its layer.

use super::*;
use crate::shock::{HazardTarget, OracleFault, ScheduledShock, Shock};
use crate::vocab::{entity, purpose};

impl World {
    pub(super) fn random_hazards(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        if self.hazards.is_empty() {
            return Ok(());
        }
        let groups = self.hazards.iter().map(|h| h.group).max().map_or(0, |g| g + 1);
        let mut fired = vec![false; groups];
        for (g, f) in fired.iter_mut().enumerate() {
            let Some(h) = self.hazards.iter().find(|h| h.group == g) else { continue };
            *f = ctx.uniform(entity::HAZARD + g as u64, purpose::HAZARD) < h.per_step;
        }
        for k in 0..self.hazards.len() {
            let h = &self.hazards[k];
            if !fired[h.group] {
                continue;
            }
            let mut rng = ctx.rng(entity::HAZARD + (1 << 32) + k as u64, purpose::HAZARD_LOSS);
            let loss = h.loss.sample(&mut rng);
            let label = format!("{} ({:.1}% loss)", h.label, loss * 100.0);
            let shock = match h.target {
                HazardTarget::Lrt(lrt) => Shock::Exploit {
                    lrt,
                    stolen_fraction: loss.clamp(0.0, 1.0),
                    minted: 0.0,
                    dump: false,
                    freeze: false,
                    recovery: None,
                },
                HazardTarget::Protocol(protocol) => {
                    Shock::VaultExploit { protocol, fraction: loss.clamp(0.0, 1.0), recovery: None }
                }
                HazardTarget::Avs(avs) => Shock::Slash { avs, fraction: loss.clamp(0.0, 1.0) },
                HazardTarget::Market(market) => {
                    Shock::MarketExploit { market, fraction: loss.clamp(0.0, 1.0), recovery: None }
                }
                HazardTarget::Bridge { lrt, market } => Shock::BridgeExploit {
                    lrt,
                    minted: loss.max(0.0) * self.liquidity.lrts[lrt].supply,
                    market,
                    deposited: loss.max(0.0) * self.liquidity.lrts[lrt].supply,
                    ring_fenced: false,
                    freeze: false,
                    recovery: None,
                },
                HazardTarget::Pool(pool) => {
                    Shock::PoolExploit { pool, fraction: loss.clamp(0.0, 0.99), recovery: None }
                }
                HazardTarget::Oracle { market, feed } => {
                    // Misreports for an hour (at least a step), then recovers.
                    let back = ctx.step + (3600.0 / ctx.dt_seconds).ceil().max(1.0) as u64;
                    self.shocks.push(ScheduledShock {
                        step: back,
                        shock: Shock::Oracle { market, feed, fault: OracleFault::Restore },
                        label: "oracle restored".into(),
                    });
                    Shock::Oracle { market, feed, fault: OracleFault::Offset(-loss.clamp(0.0, 0.99)) }
                }
            };
            self.obs.tally.hazards += 1;
            self.fire_shock(ctx, &shock, label)?;
        }
        Ok(())
    }
}
