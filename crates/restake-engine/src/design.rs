//! Designs of experiments: which points a sweep runs, in which order, and the run id and seed of
//! every replication (FLAME GPU's `RunPlanVector`). No files and no formats: values given as
//! lists are the caller's type `V`; values drawn from ranges are numbers.
//!
//! A design is the product of up to three factors, each absent factor counting as one point:
//! an explicit table of points, a grid (every combination of each parameter's listed values,
//! the last parameter fastest), and `samples` draws of the ranged parameters (independent uniform
//! draws or a Latin hypercube, keyed by the master seed). Point `p` is table row
//! `p / samples / grid`, grid cell `(p / samples) % grid`, draw `p % samples`. Run `p *
//! replications + r` is point `p`, replicate `r`; its seed is `derive_seed(master_seed, run_id)`
//! (or `derive_seed(master_seed, r)` with common random numbers), so any split of the runs —
//! shards, resumption — reproduces the same rows.

use crate::rng::{Purpose, derive_seed, uniform};

/// Purposes of the keyed draws that lay out sampled points (distinct from any model purpose:
/// they are keyed by the master seed, not a run seed).
const SAMPLE_DRAW: Purpose = Purpose(0x5EED_D351_0001);
const LHS_PERMUTATION: Purpose = Purpose(0x5EED_D351_0002);
const MORRIS_START: Purpose = Purpose(0x5EED_D351_0003);
const MORRIS_ORDER: Purpose = Purpose(0x5EED_D351_0004);

/// Levels of Morris's grid and the step between a trajectory's points (Morris 1991, p = 4,
/// Delta = p / (2 (p - 1)) = 2/3, as SALib's default).
pub const MORRIS_LEVELS: usize = 4;
pub const MORRIS_DELTA: f64 = 2.0 / 3.0;

/// How run seeds are derived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SeedScheme {
    /// Every run its own seed: `derive_seed(master_seed, run_id)`.
    #[default]
    PerRun,
    /// Common random numbers: replicate `r` has the same seed at every point, so differences
    /// between points are not sampling noise of the ETH path or the population.
    Common,
}

/// How ranged parameters are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sampling {
    /// Independent uniform draws.
    Random,
    /// A Latin hypercube: in every dimension each of the `n` equal strata holds one point.
    Lhs,
    /// Saltelli's design for Sobol indices: `n` base samples of two matrices A and B from an
    /// Owen-scrambled Sobol sequence, each followed by the `k` matrices AB_i (A with column i
    /// taken from B); `n (k + 2)` draws, see [`saltelli`].
    Saltelli,
    /// Morris's elementary effects: `n` one-at-a-time trajectories of `k + 1` points on a
    /// four-level grid, see [`morris`].
    Morris,
}

/// Most ranged parameters a Saltelli design takes (A and B use 2k of the sequence's 256
/// dimensions) and most base samples (the sequence's index range).
pub const SALTELLI_MAX_DIMS: usize = 128;
pub const SALTELLI_MAX_SAMPLES: usize = 1 << 16;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scale {
    #[default]
    Linear,
    Log,
}

/// A parameter drawn from `[lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub lo: f64,
    pub hi: f64,
    pub scale: Scale,
    /// Integers in `[ceil(lo), floor(hi)]`, each equally likely on a linear scale.
    pub integer: bool,
}

/// The value a point gives a parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Level<'a, V> {
    /// One of the listed values (grid or table).
    Listed(&'a V),
    Float(f64),
    Int(i64),
}

/// One run of the design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunSpec {
    pub run_id: u32,
    pub point: u32,
    pub replicate: u32,
    pub seed: u64,
}

/// A design: factors, replications and seeds.
#[derive(Clone, Debug)]
pub struct Design<V> {
    table_columns: Vec<String>,
    table: Vec<Vec<V>>,
    grid: Vec<(String, Vec<V>)>,
    ranges: Vec<(String, Range)>,
    /// samples x ranged parameters, in [0, 1) before scaling; one empty draw if none.
    draws: Vec<Vec<f64>>,
    pub replications: u32,
    pub master_seed: u64,
    pub seeds: SeedScheme,
}

impl<V> Design<V> {
    /// A design of one point, `replications` times.
    pub fn new(replications: u32, master_seed: u64, seeds: SeedScheme) -> Self {
        Design {
            table_columns: Vec::new(),
            table: Vec::new(),
            grid: Vec::new(),
            ranges: Vec::new(),
            draws: vec![Vec::new()],
            replications: replications.max(1),
            master_seed,
            seeds,
        }
    }

    /// Explicit points: a row per point, a value per column (the slowest factor).
    pub fn with_table(mut self, columns: Vec<String>, rows: Vec<Vec<V>>) -> Self {
        self.table_columns = columns;
        self.table = rows;
        self
    }

    /// A grid parameter: every listed value combines with every other grid parameter's.
    pub fn with_grid(mut self, path: impl Into<String>, values: Vec<V>) -> Self {
        self.grid.push((path.into(), values));
        self
    }

    /// `samples` draws of the ranged parameters (the fastest factor).
    pub fn with_sampled(mut self, ranges: Vec<(String, Range)>, samples: u32, sampling: Sampling) -> Self {
        let seed = self.master_seed;
        let dims = ranges.len();
        self.draws = match sampling {
            Sampling::Random => (0..samples)
                .map(|s| (0..dims).map(|d| uniform(seed, s as u64, d as u64, SAMPLE_DRAW)).collect())
                .collect(),
            Sampling::Lhs => latin_hypercube(seed, samples as usize, dims),
            Sampling::Saltelli => saltelli(seed, samples as usize, dims),
            Sampling::Morris => morris(seed, samples as usize, dims),
        };
        self.ranges = ranges;
        self
    }

    /// Parameter names in point order: table columns, grid parameters, ranged parameters.
    pub fn columns(&self) -> Vec<&str> {
        let t = self.table_columns.iter().map(String::as_str);
        let g = self.grid.iter().map(|(p, _)| p.as_str());
        let r = self.ranges.iter().map(|(p, _)| p.as_str());
        t.chain(g).chain(r).collect()
    }

    pub fn points(&self) -> u64 {
        let t = self.table.len().max(1) as u64;
        let g: u64 = self.grid.iter().map(|(_, v)| v.len() as u64).product();
        t * g * self.draws.len() as u64
    }

    pub fn runs(&self) -> u64 {
        self.points() * self.replications as u64
    }

    /// The run with id `run_id`.
    pub fn run(&self, run_id: u32) -> RunSpec {
        let point = run_id / self.replications;
        let replicate = run_id % self.replications;
        let key = match self.seeds {
            SeedScheme::PerRun => run_id as u64,
            SeedScheme::Common => replicate as u64,
        };
        RunSpec { run_id, point, replicate, seed: derive_seed(self.master_seed, key) }
    }

    /// The parameter values of point `p`, in column order.
    pub fn point(&self, p: u32) -> Vec<(&str, Level<'_, V>)> {
        let samples = self.draws.len() as u64;
        let grid_size: u64 = self.grid.iter().map(|(_, v)| v.len() as u64).product();
        let p = p as u64;
        let s = (p % samples) as usize;
        let mut g = (p / samples) % grid_size.max(1);
        let t = (p / samples / grid_size.max(1)) as usize;
        let mut out = Vec::with_capacity(self.table_columns.len() + self.grid.len() + self.ranges.len());
        if let Some(row) = self.table.get(t) {
            for (c, v) in self.table_columns.iter().zip(row) {
                out.push((c.as_str(), Level::Listed(v)));
            }
        }
        // Mixed radix, last grid parameter fastest.
        let mut picks = vec![0usize; self.grid.len()];
        for (k, (_, values)) in self.grid.iter().enumerate().rev() {
            let n = values.len() as u64;
            picks[k] = (g % n) as usize;
            g /= n;
        }
        for ((path, values), &k) in self.grid.iter().zip(&picks) {
            out.push((path.as_str(), Level::Listed(&values[k])));
        }
        for (d, (path, range)) in self.ranges.iter().enumerate() {
            out.push((path.as_str(), level(range, self.draws[s][d])));
        }
        out
    }
}

/// The value of a ranged parameter at unit draw `u` in [0, 1).
pub fn level<'a, V>(r: &Range, u: f64) -> Level<'a, V> {
    let x = match r.scale {
        Scale::Linear => r.lo + u * (r.hi - r.lo),
        Scale::Log => (r.lo.ln() + u * (r.hi.ln() - r.lo.ln())).exp(),
    };
    if r.integer {
        let lo = r.lo.ceil();
        let hi = r.hi.floor();
        let k = match r.scale {
            Scale::Linear => (lo + (u * (hi - lo + 1.0)).floor()).min(hi),
            Scale::Log => x.round().clamp(lo, hi),
        } as i64;
        Level::Int(k)
    } else {
        Level::Float(x)
    }
}

/// A Latin hypercube: in every dimension each of the `n` equal strata of [0, 1) holds exactly
/// one point; strata are matched across dimensions by keyed random permutations.
pub fn latin_hypercube(seed: u64, n: usize, dims: usize) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; dims]; n];
    for d in 0..dims {
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = ((uniform(seed, d as u64, i as u64, LHS_PERMUTATION) * (i + 1) as f64) as usize).min(i);
            perm.swap(i, j);
        }
        for (s, row) in out.iter_mut().enumerate() {
            row[d] = (perm[s] as f64 + uniform(seed, s as u64, d as u64, SAMPLE_DRAW)) / n as f64;
        }
    }
    out
}

/// Saltelli's design (Saltelli et al. 2010, "Variance based sensitivity analysis of model
/// output", as SALib's `saltelli.sample` without second order): for base sample `j`, rows
/// `j (k + 2) + 0` = A_j, `+ i + 1` = AB_j^i (A_j with column i of B_j), `+ k + 1` = B_j. A is
/// dimensions 0..k and B dimensions k..2k of an Owen-scrambled Sobol sequence (sobol_burley),
/// scrambled by the master seed. Needs `dims <= SALTELLI_MAX_DIMS`, `n <= SALTELLI_MAX_SAMPLES`.
pub fn saltelli(seed: u64, n: usize, dims: usize) -> Vec<Vec<f64>> {
    assert!(dims <= SALTELLI_MAX_DIMS && n <= SALTELLI_MAX_SAMPLES, "checked when the experiment is loaded");
    let scramble = (seed ^ (seed >> 32)) as u32;
    let mut out = Vec::with_capacity(n * (dims + 2));
    for j in 0..n {
        let draw = |d: usize| sobol_burley::sample(j as u32, d as u32, scramble) as f64;
        let a: Vec<f64> = (0..dims).map(draw).collect();
        let b: Vec<f64> = (0..dims).map(|d| draw(dims + d)).collect();
        out.push(a.clone());
        for i in 0..dims {
            let mut ab = a.clone();
            ab[i] = b[i];
            out.push(ab);
        }
        out.push(b);
    }
    out
}

/// Morris's one-at-a-time design (Morris 1991; Campolongo et al. 2007): trajectory `j` is `k + 1`
/// points, rows `j (k + 1) .. j (k + 1) + k`; its start has every coordinate on the grid
/// {0, 1/3, 2/3, 1} at least Delta from one end, and each next point moves one more coordinate, in
/// a random order, by Delta up (from 0 or 1/3) or down (from 2/3 or 1). Keyed by the master seed.
pub fn morris(seed: u64, n: usize, dims: usize) -> Vec<Vec<f64>> {
    let step = 1.0 / (MORRIS_LEVELS - 1) as f64;
    let mut out = Vec::with_capacity(n * (dims + 1));
    for j in 0..n {
        let mut x: Vec<f64> = (0..dims)
            .map(|d| {
                let level = (uniform(seed, j as u64, d as u64, MORRIS_START) * MORRIS_LEVELS as f64) as usize;
                level.min(MORRIS_LEVELS - 1) as f64 * step
            })
            .collect();
        let mut order: Vec<usize> = (0..dims).collect();
        for i in (1..dims).rev() {
            let r = ((uniform(seed, j as u64, i as u64, MORRIS_ORDER) * (i + 1) as f64) as usize).min(i);
            order.swap(i, r);
        }
        out.push(x.clone());
        for &d in &order {
            x[d] = if x[d] + MORRIS_DELTA <= 1.0 + 1e-12 { x[d] + MORRIS_DELTA } else { x[d] - MORRIS_DELTA };
            x[d] = x[d].clamp(0.0, 1.0);
            out.push(x.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morris_trajectories_move_one_coordinate_by_delta() {
        let d = morris(5, 6, 3);
        assert_eq!(d.len(), 6 * 4);
        for j in 0..6 {
            let mut moved = vec![];
            for s in 0..3 {
                let (a, b) = (&d[j * 4 + s], &d[j * 4 + s + 1]);
                let diff: Vec<usize> = (0..3).filter(|&c| (a[c] - b[c]).abs() > 1e-12).collect();
                assert_eq!(diff.len(), 1, "one coordinate per move");
                assert!(((a[diff[0]] - b[diff[0]]).abs() - MORRIS_DELTA).abs() < 1e-12);
                moved.push(diff[0]);
            }
            moved.sort();
            assert_eq!(moved, [0, 1, 2], "every coordinate moves once");
            assert!(d[j * 4..j * 4 + 4].iter().flatten().all(|&u| (0.0..=1.0).contains(&u)));
        }
    }

    #[test]
    fn saltelli_rows_take_one_column_from_b() {
        let d = saltelli(9, 4, 3);
        assert_eq!(d.len(), 4 * 5);
        for j in 0..4 {
            let (a, b) = (&d[j * 5], &d[j * 5 + 4]);
            for i in 0..3 {
                let ab = &d[j * 5 + 1 + i];
                for c in 0..3 {
                    assert_eq!(ab[c], if c == i { b[c] } else { a[c] });
                }
            }
            assert!(a.iter().chain(b).all(|&u| (0.0..1.0).contains(&u)));
        }
    }

    fn grid() -> Design<&'static str> {
        Design::new(3, 7, SeedScheme::PerRun).with_grid("a", vec!["a0", "a1"]).with_grid("b", vec!["b0", "b1", "b2"])
    }

    #[test]
    fn grid_points_run_the_last_parameter_fastest() {
        let d = grid();
        assert_eq!(d.points(), 6);
        assert_eq!(d.runs(), 18);
        let names =
            |p| d.point(p).into_iter().map(|(_, v)| if let Level::Listed(s) = v { *s } else { "" }).collect::<Vec<_>>();
        assert_eq!(names(0), ["a0", "b0"]);
        assert_eq!(names(1), ["a0", "b1"]);
        assert_eq!(names(3), ["a1", "b0"]);
        assert_eq!(names(5), ["a1", "b2"]);
        assert_eq!(d.columns(), ["a", "b"]);
    }

    #[test]
    fn run_ids_seeds_and_common_random_numbers() {
        let d = grid();
        let r = d.run(7);
        assert_eq!((r.point, r.replicate), (2, 1));
        assert_eq!(r.seed, derive_seed(7, 7));
        let c = Design::<&str>::new(3, 7, SeedScheme::Common).with_grid("a", vec!["x", "y"]);
        assert_eq!(c.run(1).seed, c.run(4).seed, "replicate 1 at points 0 and 1");
        assert_ne!(c.run(1).seed, c.run(2).seed);
    }

    #[test]
    fn the_table_is_the_slowest_factor_and_draws_the_fastest() {
        let d = Design::new(1, 1, SeedScheme::PerRun)
            .with_table(vec!["t".into()], vec![vec![10], vec![20]])
            .with_grid("g", vec![1, 2])
            .with_sampled(
                vec![("s".into(), Range { lo: 0.0, hi: 1.0, scale: Scale::Linear, integer: false })],
                3,
                Sampling::Random,
            );
        assert_eq!(d.points(), 12);
        let t = |p| match d.point(p)[0].1 {
            Level::Listed(v) => *v,
            _ => 0,
        };
        assert_eq!((t(0), t(5), t(6), t(11)), (10, 10, 20, 20));
        // Points 0, 1, 2 differ only in the draw; point 3 repeats point 0's draw.
        assert_ne!(d.point(0)[2].1, d.point(1)[2].1);
        assert_eq!(d.point(0)[2].1, d.point(3)[2].1);
    }

    #[test]
    fn a_latin_hypercube_puts_one_point_in_every_stratum() {
        let n = 50;
        let lhs = latin_hypercube(3, n, 4);
        for d in 0..4 {
            let mut strata: Vec<usize> = lhs.iter().map(|row| (row[d] * n as f64) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>(), "dimension {d}");
        }
    }

    #[test]
    fn levels_of_ranges() {
        let r = Range { lo: 1.0, hi: 100.0, scale: Scale::Log, integer: false };
        assert!(matches!(level::<()>(&r, 0.5), Level::Float(x) if (x - 10.0).abs() < 1e-12));
        let i = Range { lo: 0.5, hi: 3.5, scale: Scale::Linear, integer: true };
        let ks: Vec<i64> = [0.0, 0.3, 0.34, 0.99]
            .iter()
            .map(|&u| match level::<()>(&i, u) {
                Level::Int(k) => k,
                _ => -1,
            })
            .collect();
        assert_eq!(ks, [1, 1, 2, 3]);
    }
}
