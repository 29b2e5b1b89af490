// Shared by the crate's unit tests (`src/world/tests.rs`) and the integration tests
// (`tests/lending.rs`), through `include!`: a small world for tests of single positions.

/// One LRT, one pool, one AVS and operator, ETH/USD fixed at $3,000, a day of hourly steps.
const UNIT: &str = include_str!("unit.toml");

/// An Aave-like market for the unit world: ETH, the LRT and USD reserves.
const UNIT_POOLED: &str = include_str!("unit-pooled.toml");
fn looper(market: &str, wealth: f64) -> String {
    format!(
        r#"
[[retail]]
id = "r"
agents = 1
lrt = "L"
market = "{market}"
wealth_total = {wealth}
wealth_sigma = 0.0
looper_share = 1.0
target_health_factor = {{ dist = "fixed", value = 1.2 }}
deleverage_at = {{ dist = "fixed", value = 0.5 }}
panic_loss = {{ dist = "fixed", value = 5.0 }}
herd_sensitivity = {{ dist = "fixed", value = 0.0 }}
queue_discount_rate = {{ dist = "fixed", value = 0.1 }}
slippage_tolerance = {{ dist = "fixed", value = 0.01 }}
attention_per_day = 1.0
"#
    )
}

fn isolated(lltv: f64) -> String {
    format!(
        r#"
[[markets]]
id = "m"
kind = "isolated"
collateral = "L"
lltv = {lltv}
oracle = {{ kind = "fixed", price = 1.0 }}
idle_supply = 1000.0
"#
    )
}


#[allow(dead_code)] // (not every including test uses it)
fn liquidator(capital: f64) -> String {
    format!("\n[[liquidators]]\nid = \"bot\"\ncount = 1\ncapital = {capital}\ngas_eth = 0.0\n")
}
