//! The words every part of the world shares: assets, who holds value, and the keys of random
//! streams (purposes and entity namespaces), all in one place so that two draws can never share
//! a key by accident.

/// An asset a market holds or prices, a pool trades or a holder owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Asset {
    Eth,
    /// The USD stablecoin, worth `1 / ETH_USD` ETH.
    Usd,
    /// An LRT, by index.
    Lrt(usize),
}

/// Who owns a balance that moves: the parties of transactions, redemption queues and the
/// ledger's holdings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Holder {
    /// A retail agent (index into the population).
    Retail(u32),
    Liquidator(u32),
    Arbitrageur(u32),
    /// Someone outside the simulated population: passive holders, an attacker, a seller in a
    /// shock. ETH paid to them leaves the world's books through `Ledger::external_eth`.
    Outside,
}

/// Purposes of random draws (the fourth key of every stream, with seed, entity and step).
pub mod purpose {
    use restake_engine::Purpose;
    pub const ETH_PATH: Purpose = Purpose(1);
    pub const ATTENTION: Purpose = Purpose(2);
    pub const AVS_FAULT: Purpose = Purpose(3);
    /// Per liquidation round `r`, the stream is `LIQUIDATOR_ORDER + (r << 32)`.
    pub const LIQUIDATOR_ORDER: Purpose = Purpose(4);
    pub const VETO: Purpose = Purpose(5);
    pub const COMMON_FAULT: Purpose = Purpose(6);
    pub const COMMON_LOADING: Purpose = Purpose(7);
    pub const OPERATOR_FAULT: Purpose = Purpose(8);
    pub const SUPPLIER_ATTENTION: Purpose = Purpose(20);
    pub const LP_ATTENTION: Purpose = Purpose(21);
    pub const EXIT_WAVE: Purpose = Purpose(22);
    pub const LENDER_RUN: Purpose = Purpose(23);
    /// A hazard group's draw in a step, and the loss of each hazard that fires.
    pub const HAZARD: Purpose = Purpose(24);
    pub const HAZARD_LOSS: Purpose = Purpose(25);
    /// Drawn once, at step 0, while the world is built.
    pub const INIT_WEALTH: Purpose = Purpose(100);
    pub const INIT_PARAMS: Purpose = Purpose(101);
    pub const INIT_LENDERS: Purpose = Purpose(103);
    pub const INIT_LPS: Purpose = Purpose(104);
    pub const INIT_FLOWS: Purpose = Purpose(105);
    /// A reward token's price move in a step.
    pub const TOKEN_PRICE: Purpose = Purpose(26);

    /// The stream that orders liquidators in liquidation round `round`.
    pub fn liquidator_order(round: u32) -> Purpose {
        Purpose(LIQUIDATOR_ORDER.0 + ((round as u64) << 32))
    }
}

/// Entity-id namespaces of random streams: each kind of drawer has its own range of ids.
pub mod entity {
    pub const WORLD: u64 = 0;
    /// AVS `a` is `AVS + a`; a veto draw for AVS `a` and operator `o` is `AVS + (a << 16) + o`.
    pub const AVS: u64 = 1 << 32;
    pub const OPERATOR: u64 = 2 << 32;
    /// Retail agent `i` (and ETH-collateral borrowers, who share the population) is `RETAIL + i`.
    pub const RETAIL: u64 = 1 << 40;
    /// Supplier `j` of lender group `k` of market `m`: `LENDER + (m << 24) + (k << 16) + j`.
    pub const LENDER: u64 = 3 << 40;
    /// Liquidity provider `j` of pool `p`: `LP + (p << 24) + j`.
    pub const LP: u64 = 4 << 40;
    /// Hazard group `g` (its draw) and hazard `h` (its loss): `HAZARD + g`, `HAZARD + (1 << 32) + h`.
    pub const HAZARD: u64 = 5 << 40;
    /// Reward token `k` is `TOKEN + k`.
    pub const TOKEN: u64 = 6 << 40;

    pub fn retail(i: usize) -> u64 {
        RETAIL + i as u64
    }

    pub fn lender(market: usize, group: usize, member: usize) -> u64 {
        LENDER + ((market as u64) << 24) + ((group as u64) << 16) + member as u64
    }

    pub fn lp(pool: usize, member: usize) -> u64 {
        LP + ((pool as u64) << 24) + member as u64
    }
}
