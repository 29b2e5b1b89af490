//! Events: every slash, liquidation, redemption, exploit and shock, with the event it follows.
//!
//! The world appends the events of the current step to a buffer that is cleared at the start
//! of the next step (capacity reused); recorders read it after the step. Event ids are
//! sequential within a run, so `cause` always points to an earlier event.

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A scheduled or random shock fired (the root of a chain).
    Shock,
    /// An AVS slashed its allocated stake (`amount_eth` = ETH slashed in total).
    AvsSlash,
    /// One operator lost stake to a slash.
    OperatorSlash,
    /// An LRT's NAV fell because its operators were slashed (`amount_eth` = assets lost).
    NavLoss,
    /// A native restaker lost stake to a slash (`amount_eth`).
    NativeLoss,
    /// A slash was requested and waits out the protocol's veto window (`amount_eth` = ETH it
    /// would take from this operator).
    SlashRequest,
    /// A requested slash was vetoed by the resolver.
    SlashVetoed,
    /// Beacon-chain slashing of an operator's validators (`amount_eth` = ETH lost).
    BeaconSlash,
    /// Operators attacked an AVS because it paid (`amount_eth` = profit from corruption).
    Attack,
    /// A smart-contract exploit of an LRT (`amount_eth` = assets stolen, `amount_token` =
    /// unbacked tokens minted).
    Exploit,
    /// Holders of an LRT sold into its pool this step (aggregated batch).
    RetailSell,
    /// Loopers sold collateral to deleverage or unwind (aggregated batch).
    Deleverage,
    /// Holders requested redemption (aggregated).
    RedemptionRequest,
    /// Instant withdrawals from the LRT buffer (aggregated).
    InstantWithdrawal,
    /// A redemption-queue payment.
    RedemptionPaid,
    /// A liquidation: `amount_eth` = debt repaid, `amount_token` = collateral seized.
    Liquidation,
    /// Bad debt booked on a market (`bad_debt`).
    BadDebt,
    /// Lenders withdrew from a market this step (aggregated per loan reserve): `amount_token` in
    /// the reserve's asset, `amount_eth` its ETH value; `label` names the asset and what waits.
    SupplierWithdrawal,
    /// An outside seller dumped LRT into a pool.
    PoolSell,
    /// Arbitrage against the redemption queue or mint.
    Arbitrage,
    /// Value an exploit took came back (the attacker returned it, or a bail-out): `amount_eth`.
    Recovery,
    /// Liquidity left a pool (a delisting, an exploit): `amount_eth` at the pool price.
    LiquidityRemoved,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Shock => "shock",
            EventKind::AvsSlash => "avs_slash",
            EventKind::OperatorSlash => "operator_slash",
            EventKind::NavLoss => "nav_loss",
            EventKind::NativeLoss => "native_loss",
            EventKind::SlashRequest => "slash_request",
            EventKind::SlashVetoed => "slash_vetoed",
            EventKind::BeaconSlash => "beacon_slash",
            EventKind::Attack => "attack",
            EventKind::Exploit => "exploit",
            EventKind::RetailSell => "retail_sell",
            EventKind::Deleverage => "deleverage",
            EventKind::RedemptionRequest => "redemption_request",
            EventKind::InstantWithdrawal => "instant_withdrawal",
            EventKind::RedemptionPaid => "redemption_paid",
            EventKind::Liquidation => "liquidation",
            EventKind::BadDebt => "bad_debt",
            EventKind::SupplierWithdrawal => "supplier_withdrawal",
            EventKind::PoolSell => "pool_sell",
            EventKind::Arbitrage => "arbitrage",
            EventKind::Recovery => "recovery",
            EventKind::LiquidityRemoved => "liquidity_removed",
        }
    }
}

/// Which entity an event is about, as an index into the world's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    World,
    Avs(u32),
    Operator(u32),
    Lrt(u32),
    Pool(u32),
    Market(u32),
    Liquidator(u32),
    Arbitrageur(u32),
    Native(u32),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: u64,
    pub step: u64,
    /// Liquidation round inside the step (0 outside liquidation rounds).
    pub round: u32,
    pub kind: EventKind,
    pub entity: Entity,
    /// The retail agent concerned (a liquidated position), if any.
    pub agent: Option<u32>,
    /// Free text for shocks ("slash avs-bridge 30%").
    pub label: Option<String>,
    /// ETH amount (debt repaid, ETH slashed, ETH received, ...).
    pub amount_eth: f64,
    /// Token amount (collateral seized, LRT sold, ...).
    pub amount_token: f64,
    pub bad_debt: f64,
    /// Oracle price the market used (liquidations), else NaN.
    pub price_oracle: f64,
    /// Pool price after the event (LRT in ETH), else NaN.
    pub price_pool: f64,
    /// NAV per token of the LRT concerned after the event, else NaN.
    pub nav: f64,
    /// The event this one follows from.
    pub cause: Option<u64>,
    /// Length of the chain of liquidations ending here (1 for a liquidation caused by a
    /// non-liquidation), 0 for other events.
    pub depth: u32,
}

impl Event {
    pub fn new(kind: EventKind, entity: Entity) -> Self {
        Event {
            id: 0,
            step: 0,
            round: 0,
            kind,
            entity,
            agent: None,
            label: None,
            amount_eth: 0.0,
            amount_token: 0.0,
            bad_debt: 0.0,
            price_oracle: f64::NAN,
            price_pool: f64::NAN,
            nav: f64::NAN,
            cause: None,
            depth: 0,
        }
    }
}

/// The events of the current step, with run-wide sequential ids.
#[derive(Debug, Default)]
pub struct EventLog {
    next_id: u64,
    step: u64,
    events: Vec<Event>,
}

impl EventLog {
    pub fn begin_step(&mut self, step: u64) {
        self.step = step;
        self.events.clear();
    }

    /// Appends `e` (id and step filled in) and returns its id.
    pub fn push(&mut self, mut e: Event) -> u64 {
        e.id = self.next_id;
        e.step = self.step;
        self.next_id += 1;
        self.events.push(e);
        self.next_id - 1
    }

    /// The event with `id` if it belongs to the current step.
    pub fn last_mut_by_id(&mut self, id: u64) -> Option<&mut Event> {
        self.events.iter_mut().rev().find(|e| e.id == id)
    }

    pub fn current(&self) -> &[Event] {
        &self.events
    }

    pub fn total(&self) -> u64 {
        self.next_id
    }
}
