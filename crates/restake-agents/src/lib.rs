//! The restaking world: agents and mechanisms, scenario types and their validation.
//!
//! No file or terminal I/O happens here: the CLI reads scenarios and writes results; this
//! crate turns a [`scenario::Scenario`] into a [`world::World`] that the engine steps.

pub mod beacon;
pub mod eth;
pub mod events;
pub mod lrt;
pub mod market;
pub mod native;
pub mod pool;
pub mod population;
pub mod restaking;
pub mod scenario;
pub mod traders;
pub mod world;

pub use scenario::Scenario;
pub use world::World;
