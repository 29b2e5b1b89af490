//! The restaking world: agents and mechanisms, scenario types, their resolution, and what is
//! observed of a run.
//!
//! No file or terminal I/O happens here: the CLI reads scenarios and writes results. Layers, each
//! using only those before it: `scenario` (the file's serde types) → `vocab` and `sampler` (the
//! shared words) → the entities (`restaking`, `beacon`, `native`, `lrt`, `pool`, `lp`, `market`,
//! `population`, `traders`, `eth`, `events`, `shock`: plain parameters, never the scenario or the
//! world) → `resolve` (the only reader of scenario types) → `world` (state and phases; `build`
//! reads a [`resolve::Resolved`]) → `observe` (step columns and run metrics) → `run`.

pub mod beacon;
pub mod eth;
pub mod events;
pub mod incentives;
pub mod lp;
pub mod lrt;
pub mod market;
pub mod native;
pub mod observe;
pub mod pool;
pub mod population;
pub mod resolve;
pub mod restaking;
pub mod run;
pub mod sampler;
pub mod scenario;
pub mod shock;
pub mod strategy;
pub mod traders;
pub mod vocab;
pub mod world;

pub use resolve::{Resolved, resolve};
pub use run::{Finished, run_once};
pub use scenario::Scenario;
pub use world::World;
