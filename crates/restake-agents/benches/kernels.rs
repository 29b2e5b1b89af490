//! The hot kernels of a step, so regressions show: retail decisions over a population, the
//! batch auction of a pool, a liquidation round after the baseline's slash, and StableSwap
//! solves. `cargo bench -p restake-agents` (criterion; timings never live in tests).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use restake_agents::pool::LrtPool;
use restake_agents::population::Intent;
use restake_agents::world::batch::{Order, clear};
use restake_agents::{Scenario, World, resolve};
use restake_amm::{Pool, StableSwap};
use restake_engine::{Model, StepContext};
use std::hint::black_box;

/// The baseline with `agents` retail agents and its slash at the first step.
fn baseline(agents: u32, slash_now: bool) -> (restake_agents::Resolved, StepContext) {
    // Cargo names the package folder when it runs the bench: a binary built in another
    // checkout sharing the target dir must not read that checkout's files.
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let path = format!("{dir}/../../configs/baseline.toml");
    let mut s: Scenario = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    s.retail[0].agents = agents;
    if slash_now {
        s.shocks[0] =
            toml::from_str::<toml::Table>("kind = \"slash\"\nat = \"0h\"\navs = \"avs-bridge\"\nfraction = 0.3")
                .unwrap()
                .try_into()
                .unwrap();
    }
    let r = resolve(&s).unwrap();
    let ctx = StepContext { step: 0, steps: r.steps, dt_seconds: r.dt_seconds, seed: r.seed };
    (r, ctx)
}

fn decide(c: &mut Criterion) {
    for n in [100_000u32, 1_000_000] {
        let (r, ctx) = baseline(n, false);
        let mut w = World::new(&r, r.seed);
        w.exogenous(&ctx).unwrap();
        let mut intents = w.new_intents();
        c.bench_function(&format!("decide {n} agents"), |b| b.iter(|| w.decide(black_box(&ctx), &mut intents)));
    }
}

fn batch_clearing(c: &mut Criterion) {
    let pool =
        LrtPool::new("p".into(), 0, Pool::from(StableSwap::new(100.0, 0.0004, vec![40_000.0, 40_000.0]).unwrap()));
    // 10,000 sell orders with limits from 0.5% to 5% below spot, as a panic step sends them.
    let orders: Vec<Order> = (0..10_000u32)
        .map(|k| Order {
            agent: k,
            intent: Intent::Sell,
            tokens: 1.0 + (k % 97) as f64,
            limit: 0.995 - 0.045 * ((k * 7919) % 10_000) as f64 / 1e4,
        })
        .collect();
    c.bench_function("batch clearing 10000 orders", |b| {
        b.iter_batched(|| orders.clone(), |mut o| clear(black_box(&pool), &mut o), BatchSize::SmallInput)
    });
}

fn liquidation_round(c: &mut Criterion) {
    let (r, ctx) = baseline(100_000, true);
    c.bench_function("liquidation round 1 after the slash, 100000 agents", |b| {
        b.iter_batched(
            || {
                let mut w = World::new(&r, r.seed);
                w.exogenous(&ctx).unwrap();
                let mut intents = w.new_intents();
                w.decide(&ctx, &mut intents);
                w.apply(&ctx, &intents).unwrap();
                w
            },
            |mut w| w.resolve_round(&ctx, 1).unwrap(),
            BatchSize::LargeInput,
        )
    });
}

fn stableswap(c: &mut Criterion) {
    let p = StableSwap::new(100.0, 0.0004, vec![40_000.0, 48_000.0]).unwrap();
    c.bench_function("stableswap get_dy", |b| b.iter(|| p.get_dy(1, 0, black_box(1_000.0)).unwrap()));
    c.bench_function("stableswap dx_for_target_price", |b| {
        b.iter(|| p.dx_for_target_price(1, 0, black_box(0.97)).unwrap())
    });
}

criterion_group!(benches, decide, batch_clearing, liquidation_round, stableswap);
criterion_main!(benches);
