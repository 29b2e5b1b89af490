//! The bounded (heuristic) coalition search used when exhaustive enumeration is too large.
//!
//! Why this shape: an attack needs, for every target service, a coalition holding an α_s
//! fraction of its stake, so single-validator moves from a random B rarely cross a threshold.
//! The search therefore works *service-first*: pick target services T, build a cheap coalition
//! covering all of T with a weighted greedy set-cover (stake per unit of missing threshold),
//! drop redundant validators, then evaluate the full A(B). A local search then moves whole
//! services in and out of T and single validators in and out of B, keeping the best coalition
//! under the objective. Seeds are every single service (by profit), the whole service set, the
//! services sharing validators with each service, and `restarts` random target sets with
//! randomly perturbed greedy scores from a seeded PRNG (so results are reproducible).
//!
//! Every coalition returned is evaluated exactly against Eq. 1–2 (see [`Arena::evaluate`]),
//! so an attack reported as valid is valid; only optimality is heuristic.

use crate::SearchOptions;
use crate::graph::Indexed;

/// SplitMix64: tiny, seedable, good enough for restarts (no dependency needed).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// A coalition B with its attackable services A(B) on the current (reduced) graph.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Coalition {
    /// B, sorted validator indices.
    pub validators: Vec<usize>,
    /// A(B), sorted service indices.
    pub services: Vec<usize>,
    pub profit: f64,
    pub stake: f64,
}

impl Coalition {
    /// Eq. 2: π(A) > σ(B), by more than the tolerance.
    pub fn is_valid(&self, tol: f64) -> bool {
        self.profit - self.stake > tol
    }
}

/// What the search optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Objective {
    /// Maximise π(A) − σ(B) (the most profitable attack; finds one if any is found).
    NetProfit,
    /// Minimise σ(B)/π(A) over π(A) > 0 (the binding coalition of γ-slack, Eq. 11).
    MinRatio,
    /// Maximise σ(B) among valid attacks (the worst next step of a cascade).
    MaxStakeValid,
}

impl Objective {
    /// A key to maximise lexicographically.
    fn key(self, c: &Coalition, tol: f64) -> (u8, f64) {
        match self {
            Objective::NetProfit => (0, c.profit - c.stake),
            Objective::MinRatio if c.profit > tol => (1, -c.stake / c.profit),
            Objective::MinRatio => (0, -c.stake),
            Objective::MaxStakeValid if c.is_valid(tol) => (1, c.stake),
            Objective::MaxStakeValid => (0, c.profit - c.stake),
        }
    }
    /// Whether `a` beats `b` by more than rounding noise (so local search cannot cycle).
    pub fn better(self, a: &Coalition, b: &Coalition, tol: f64) -> bool {
        let (ka, va) = self.key(a, tol);
        let (kb, vb) = self.key(b, tol);
        ka > kb || (ka == kb && va > vb + 1e-12 * (1.0 + vb.abs()))
    }
}

/// The current graph G↓(removed validators) minus already-corrupted services.
#[derive(Debug, Clone)]
pub(crate) struct Arena<'a> {
    pub ix: &'a Indexed<'a>,
    pub val_active: Vec<bool>,
    pub svc_active: Vec<bool>,
    /// α_s · σ(active N(s)) − tol: the stake B must hold in N(s) to corrupt s (Eq. 1).
    need: Vec<f64>,
    /// Active services with no active validator left: any coalition (even ∅) satisfies Eq. 1.
    free: Vec<usize>,
}

impl<'a> Arena<'a> {
    pub fn new(ix: &'a Indexed<'a>) -> Self {
        let mut a = Arena {
            ix,
            val_active: vec![true; ix.n()],
            svc_active: vec![true; ix.m()],
            need: vec![0.0; ix.m()],
            free: Vec::new(),
        };
        a.refresh();
        a
    }

    /// G↓D: removes validators (a shock, or slashed attackers) and corrupted services.
    pub fn remove(&mut self, validators: &[usize], services: &[usize]) {
        for &v in validators {
            self.val_active[v] = false;
        }
        for &s in services {
            self.svc_active[s] = false;
        }
        self.refresh();
    }

    fn refresh(&mut self) {
        let ix = self.ix;
        self.free.clear();
        for s in 0..ix.m() {
            let total: f64 = ix.svc_vals[s].iter().filter(|&&v| self.val_active[v]).map(|&v| ix.stakes[v]).sum();
            self.need[s] = ix.alphas[s] * total - ix.tol;
            if self.svc_active[s] && total <= 0.0 {
                self.free.push(s);
            }
        }
    }

    /// B with A(B) = every active service B can attack (Eq. 1) and π, σ. `b` must hold
    /// active validators; duplicates are ignored.
    pub fn evaluate(&self, b: &[usize]) -> Coalition {
        let ix = self.ix;
        let mut validators: Vec<usize> = b.iter().copied().filter(|&v| self.val_active[v]).collect();
        validators.sort_unstable();
        validators.dedup();
        let mut covered = vec![0.0; ix.m()];
        let mut touched: Vec<usize> = Vec::new();
        for &v in &validators {
            for &s in &ix.val_svcs[v] {
                if self.svc_active[s] {
                    if covered[s] == 0.0 {
                        touched.push(s);
                    }
                    covered[s] += ix.stakes[v];
                }
            }
        }
        let mut services: Vec<usize> = self.free.clone();
        services.extend(touched.into_iter().filter(|&s| covered[s] >= self.need[s]));
        services.sort_unstable();
        services.dedup();
        Coalition {
            profit: services.iter().map(|&s| ix.profits[s]).sum(),
            stake: validators.iter().map(|&v| ix.stakes[v]).sum(),
            validators,
            services,
        }
    }

    /// Extends `start` greedily until every target service satisfies Eq. 1, then drops
    /// validators (largest first) that the targets do not need. The greedy score of v is the
    /// threshold deficit it fills per unit of its stake; `noise` perturbs scores for restarts.
    /// Deficits are kept per service so each step costs O(Σ_{open s} |N(s)| · deg).
    pub fn cover(&self, targets: &[usize], start: &[usize], mut noise: Option<&mut Rng>) -> Vec<usize> {
        let ix = self.ix;
        let targets: Vec<usize> = targets.iter().copied().filter(|&s| self.svc_active[s]).collect();
        // deficit[s] = need − stake of B in N(s) for targets; −∞ marks non-targets.
        let mut deficit = vec![f64::NEG_INFINITY; ix.m()];
        for &s in &targets {
            deficit[s] = self.need[s];
        }
        let mut in_b = vec![false; ix.n()];
        let mut b: Vec<usize> = Vec::new();
        let add = |v: usize, in_b: &mut Vec<bool>, b: &mut Vec<usize>, deficit: &mut Vec<f64>| {
            in_b[v] = true;
            b.push(v);
            for &s in &ix.val_svcs[v] {
                deficit[s] -= ix.stakes[v];
            }
        };
        for &v in start {
            if self.val_active[v] && !in_b[v] {
                add(v, &mut in_b, &mut b, &mut deficit);
            }
        }
        let mut stamp = vec![usize::MAX; ix.n()];
        for round in 0.. {
            let mut best: Option<(usize, f64, f64)> = None; // (v, score, gain)
            for &s in targets.iter().filter(|&&s| deficit[s] > 0.0) {
                for &v in &ix.svc_vals[s] {
                    if in_b[v] || !self.val_active[v] || stamp[v] == round {
                        continue;
                    }
                    stamp[v] = round;
                    let gain: f64 = ix.val_svcs[v]
                        .iter()
                        .filter(|&&t| deficit[t] > 0.0)
                        .map(|&t| deficit[t].min(ix.stakes[v]))
                        .sum();
                    let mut score = gain / ix.stakes[v];
                    if let Some(rng) = noise.as_deref_mut() {
                        score *= 1.0 + 0.5 * rng.unit();
                    }
                    if best.is_none_or(|(_, bs, bg)| score > bs || (score == bs && gain > bg)) {
                        best = Some((v, score, gain));
                    }
                }
            }
            // None: every target is met (or, impossibly on a valid graph, cannot be).
            let Some((v, _, _)) = best else { break };
            add(v, &mut in_b, &mut b, &mut deficit);
        }
        // Drop redundant members, largest stake first (they cost most).
        let mut order = b.clone();
        order.sort_by(|&x, &y| ix.stakes[y].total_cmp(&ix.stakes[x]));
        for v in order {
            let needed = ix.val_svcs[v].iter().any(|&s| deficit[s] + ix.stakes[v] > 0.0);
            if !needed {
                in_b[v] = false;
                for &s in &ix.val_svcs[v] {
                    deficit[s] += ix.stakes[v];
                }
            }
        }
        b.retain(|&v| in_b[v]);
        b.sort_unstable();
        b
    }

    /// The best coalition found under `obj` (None only when nothing is active).
    pub fn search(&self, obj: Objective, opts: &SearchOptions, rng: &mut Rng) -> Option<Coalition> {
        let ix = self.ix;
        let active: Vec<usize> = (0..ix.m()).filter(|&s| self.svc_active[s]).collect();
        if active.is_empty() || !self.val_active.iter().any(|&a| a) {
            return None;
        }
        let mut seeds: Vec<Vec<usize>> = Vec::new();
        let mut by_profit = active.clone();
        by_profit.sort_by(|&x, &y| ix.profits[y].total_cmp(&ix.profits[x]));
        let singles = (8 + opts.restarts).min(by_profit.len());
        for (rank, &s) in by_profit.iter().take(singles).enumerate() {
            seeds.push(vec![s]);
            if rank < singles.div_ceil(2) {
                // s with every service sharing a validator with it.
                let mut hood: Vec<usize> = ix.svc_vals[s]
                    .iter()
                    .flat_map(|&v| ix.val_svcs[v].iter().copied())
                    .filter(|&t| self.svc_active[t])
                    .collect();
                hood.sort_unstable();
                hood.dedup();
                if hood.len() > 1 {
                    seeds.push(hood);
                }
            }
        }
        seeds.push(active.clone());
        seeds.sort();
        seeds.dedup();
        let mut optima: Vec<Coalition> = Vec::new();
        for t in &seeds {
            let start = self.evaluate(&self.cover(t, &[], None));
            optima.push(self.local_search(obj, start, opts, rng, false));
        }
        for _ in 0..opts.restarts {
            let mut t = active.clone();
            rng.shuffle(&mut t);
            let k = 1 + rng.below(t.len().min(6));
            t.truncate(k);
            let start = self.evaluate(&self.cover(&t, &[], Some(rng)));
            optima.push(self.local_search(obj, start, opts, rng, true));
        }
        if obj == Objective::MaxStakeValid {
            // A valid attack stays valid while σ(B) < π(A), and Eq. 1 does not forbid members
            // that no service needs, so the worst cascade step pads the coalition up to its
            // profit. The padding potential is π(A): pad the most profitable valid optima and
            // the largest ones.
            let mut valid: Vec<Coalition> = optima.iter().filter(|c| c.is_valid(ix.tol)).cloned().collect();
            valid.sort_by(|a, b| b.profit.total_cmp(&a.profit));
            valid.dedup_by(|a, b| a.validators == b.validators);
            let mut picks: Vec<Coalition> = valid.iter().take(3).cloned().collect();
            valid.sort_by(|a, b| b.stake.total_cmp(&a.stake));
            picks.extend(valid.into_iter().take(2));
            for c in picks {
                optima.push(self.pad(c));
            }
        }
        let mut best: Option<Coalition> = None;
        for c in optima {
            if best.as_ref().is_none_or(|b| obj.better(&c, b, ix.tol)) {
                best = Some(c);
            }
        }
        best
    }

    /// Grows a valid coalition as far as it stays valid: adds validators largest-first while
    /// σ(B) < π(A(B)), then tries single swaps (member out, larger non-member in).
    fn pad(&self, mut cur: Coalition) -> Coalition {
        let ix = self.ix;
        let mut order: Vec<usize> = (0..ix.n()).filter(|&v| self.val_active[v]).collect();
        order.sort_by(|&x, &y| ix.stakes[y].total_cmp(&ix.stakes[x]));
        for &v in &order {
            if cur.validators.contains(&v) || cur.stake + ix.stakes[v] >= ix.total_profit {
                continue;
            }
            let c = self.evaluate(&[cur.validators.as_slice(), &[v]].concat());
            if c.is_valid(ix.tol) && c.stake > cur.stake {
                cur = c;
            }
        }
        let mut budget = SWAP_EVALS;
        'outer: for &w in &order {
            for k in 0..cur.validators.len() {
                if cur.validators.contains(&w) || ix.stakes[w] <= ix.stakes[cur.validators[k]] {
                    continue;
                }
                if budget == 0 {
                    break 'outer;
                }
                budget -= 1;
                let mut b = cur.validators.clone();
                b[k] = w;
                let c = self.evaluate(&b);
                if c.is_valid(ix.tol) && c.stake > cur.stake {
                    cur = c;
                    break;
                }
            }
        }
        cur
    }

    /// Best-improvement local search. Cheap moves first: add/drop one target service
    /// (re-covering), add/drop one validator; only when none improves, single swaps (one
    /// member out, one nearby validator in). Stops at a local optimum or after
    /// `max_local_steps` rounds. Each neighbourhood is capped (sampled when `sample` is set,
    /// else truncated) so that a round costs O(caps) evaluations whatever the graph size.
    fn local_search(
        &self,
        obj: Objective,
        mut cur: Coalition,
        opts: &SearchOptions,
        rng: &mut Rng,
        sample: bool,
    ) -> Coalition {
        let ix = self.ix;
        for _ in 0..opts.max_local_steps {
            let mut best_move: Option<Coalition> = None;
            let try_move = |c: Coalition, best_move: &mut Option<Coalition>| {
                let beats_cur = obj.better(&c, &cur, ix.tol);
                if beats_cur && best_move.as_ref().is_none_or(|b| obj.better(&c, b, ix.tol)) {
                    *best_move = Some(c);
                }
            };
            // Services adjacent to the coalition (sharing a validator) are the candidates.
            let mut near: Vec<usize> = if cur.validators.is_empty() {
                (0..ix.m()).filter(|&s| self.svc_active[s]).collect()
            } else {
                cur.validators
                    .iter()
                    .flat_map(|&v| ix.val_svcs[v].iter().copied())
                    .filter(|&s| self.svc_active[s] && !cur.services.contains(&s))
                    .collect()
            };
            near.sort_unstable();
            near.dedup();
            cap(&mut near, NEAR_SERVICES, sample, rng);
            for &t in &near {
                let mut targets = cur.services.clone();
                targets.push(t);
                let b = self.cover(&targets, &cur.validators, None);
                try_move(self.evaluate(&b), &mut best_move);
            }
            for k in 0..cur.services.len().min(NEAR_SERVICES) {
                let mut targets = cur.services.clone();
                targets.remove(k);
                // Dropping a target = pruning the validators only it needed.
                let b = self.cover(&targets, &cur.validators, None);
                try_move(self.evaluate(&b), &mut best_move);
            }
            for k in 0..cur.validators.len() {
                let mut b = cur.validators.clone();
                b.remove(k);
                try_move(self.evaluate(&b), &mut best_move);
            }
            let mut adj: Vec<usize> = cur
                .services
                .iter()
                .chain(near.iter())
                .flat_map(|&s| ix.svc_vals[s].iter().copied())
                .filter(|&v| self.val_active[v] && !cur.validators.contains(&v))
                .collect();
            adj.sort_unstable();
            adj.dedup();
            cap(&mut adj, NEAR_VALIDATORS, sample, rng);
            for &v in &adj {
                let mut b = cur.validators.clone();
                b.push(v);
                try_move(self.evaluate(&b), &mut best_move);
            }
            if best_move.is_none() && !cur.validators.is_empty() {
                let mut pairs: Vec<(usize, usize)> =
                    adj.iter().flat_map(|&w| (0..cur.validators.len()).map(move |k| (w, k))).collect();
                cap(&mut pairs, SWAP_EVALS, sample, rng);
                for (w, k) in pairs {
                    let mut b = cur.validators.clone();
                    b[k] = w;
                    try_move(self.evaluate(&b), &mut best_move);
                }
            }
            match best_move {
                Some(c) => cur = c,
                None => break,
            }
        }
        cur
    }
}

/// Neighbourhood caps of one local-search round.
const NEAR_SERVICES: usize = 40;
const NEAR_VALIDATORS: usize = 96;
const SWAP_EVALS: usize = 600;

/// Keeps at most `k` items: a random sample when `sample`, else the first `k`.
fn cap<T>(v: &mut Vec<T>, k: usize, sample: bool, rng: &mut Rng) {
    if v.len() > k {
        if sample {
            rng.shuffle(v);
        }
        v.truncate(k);
    }
}
