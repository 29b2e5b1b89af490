//! Swap math against Curve's reference model, to the last integer (integer mode) and to 1e-12
//! relative (`f64` mode).
//!
//! Source of every number below: `curvefi/curve-contract`, `tests/simulation.py` (class
//! `Curve`, commit 05a758db7ae55bb24fa4f9b1c303234c1145ee4e), run unmodified with python3
//! (exact integers). For each pool: `c = Curve(A, D, n, p)` with the inputs in the comment
//! above it, then `c.fee = <fee>`. `xp`, `d` are `c.xp()`, `c.D()`. Each quote is on a fresh
//! copy of the pool: `y = c.y(i, j, c.xp()[i] + dx)`, `dy = c.dy(i, j, dx)`,
//! `out = c.exchange(i, j, dx)` and `x_after = c.x` after it. Each sequence step is a successive
//! `c.exchange(i, j, dx)` on one copy, then `c.x` and `c.D()`. Amounts are in the reference's
//! units: `dx`, `dy`, `y`, `out`, `xp`, `d` are 18-decimal underlying units; `x` are each coin's
//! own units (`x = xp * 10**18 / p`).

use num_bigint::BigUint;
use num_traits::ToPrimitive;
use restake_amm::{StableSwap, StableSwapInt};

struct Quote {
    i: usize,
    j: usize,
    dx: &'static str,
    y: &'static str,
    dy: &'static str,
    out: &'static str,
    x_after: &'static [&'static str],
}

struct Step {
    i: usize,
    j: usize,
    dx: &'static str,
    out: &'static str,
    x_after: &'static [&'static str],
    d_after: &'static str,
}

struct RefPool {
    name: &'static str,
    a: u64,
    fee: u64,
    /// `Some(D)` when the pool was built from a scalar deposit, `Curve(A, D, n, p)`.
    total_deposit: Option<&'static str>,
    p: &'static [&'static str],
    x: &'static [&'static str],
    xp: &'static [&'static str],
    d: &'static str,
    quotes: &'static [Quote],
    sequence: &'static [Step],
}

fn big(s: &str) -> BigUint {
    s.parse().expect("reference numbers are decimal integers")
}

fn bigs(v: &[&str]) -> Vec<BigUint> {
    v.iter().map(|s| big(s)).collect()
}

fn float(s: &str) -> f64 {
    big(s).to_f64().unwrap()
}

fn build(pool: &RefPool) -> StableSwapInt {
    let mut c = match pool.total_deposit {
        Some(d) => {
            let c = StableSwapInt::from_total_deposit(pool.a, &big(d), pool.x.len(), Some(bigs(pool.p))).unwrap();
            assert_eq!(c.balances(), bigs(pool.x), "{}: constructor", pool.name);
            c
        }
        None => StableSwapInt::with_rates(pool.a, bigs(pool.x), bigs(pool.p)).unwrap(),
    };
    c.set_fee(pool.fee).unwrap();
    c
}

/// Asserts `actual` (an `f64` in reference units) is within `tol` relative of `expected`, or
/// within one integer unit of it: the reference floors every result to an integer, so it is
/// itself no closer than one unit to the exact value. That matters only for balances of the
/// 6-decimal coins (e.g. 52_778_130_552 USDT units after a drain is resolved to 1.9e-11); every
/// 18-decimal quantity here is checked at 1e-12 relative.
fn assert_rel(actual: f64, expected: &str, tol: f64, what: &str) {
    let e = float(expected);
    let (abs, rel) = ((actual - e).abs(), ((actual - e) / e).abs());
    assert!(rel <= tol || abs <= 1.0, "{what}: f64 {actual:e} vs reference {expected} (relative error {rel:e})");
}

const TOL: f64 = 1e-12;

#[test]
fn integer_mode_matches_reference_exactly() {
    for pool in POOLS {
        let c = build(pool);
        assert_eq!(c.xp(), bigs(pool.xp), "{}: xp", pool.name);
        assert_eq!(c.d().unwrap(), big(pool.d), "{}: D", pool.name);
        for q in pool.quotes {
            let ctx = format!("{} {}->{} dx={}", pool.name, q.i, q.j, q.dx);
            let x_new = big(pool.xp[q.i]) + big(q.dx);
            assert_eq!(c.y(q.i, q.j, &x_new).unwrap(), big(q.y), "{ctx}: y");
            assert_eq!(c.dy(q.i, q.j, &big(q.dx)).unwrap(), big(q.dy).into(), "{ctx}: dy");
            let mut fresh = c.clone();
            assert_eq!(fresh.exchange(q.i, q.j, &big(q.dx)).unwrap(), big(q.out), "{ctx}: out");
            assert_eq!(fresh.balances(), bigs(q.x_after), "{ctx}: x after");
        }
        let mut c = c;
        for (k, s) in pool.sequence.iter().enumerate() {
            let ctx = format!("{} step {k}", pool.name);
            assert_eq!(c.exchange(s.i, s.j, &big(s.dx)).unwrap(), big(s.out), "{ctx}: out");
            assert_eq!(c.balances(), bigs(s.x_after), "{ctx}: x after");
            assert_eq!(c.d().unwrap(), big(s.d_after), "{ctx}: D after");
        }
    }
}

/// The `f64` pool built from the same inputs: balances `x / 1e18`, rates `p / 1e18`, so its
/// invariant units are underlying units / 1e18 and a token amount `t` of coin `k` is
/// `t * p_k` underlying units.
fn f64_pool(pool: &RefPool) -> StableSwap {
    let f = build(pool).to_f64().unwrap();
    assert_eq!(f.amp(), pool.a as f64);
    f
}

#[test]
fn f64_mode_matches_reference_to_1e12() {
    for pool in POOLS {
        let f = f64_pool(pool);
        let p: Vec<f64> = pool.p.iter().map(|s| float(s)).collect();
        assert_rel(f.invariant_d() * 1e18, pool.d, TOL, &format!("{}: D", pool.name));
        for q in pool.quotes {
            let ctx = format!("{} {}->{} dx={}", pool.name, q.i, q.j, q.dx);
            let dx = float(q.dx) / p[q.i];
            let x_new = (float(pool.xp[q.i]) + float(q.dx)) / p[q.i];
            assert_rel(f.get_y(q.i, q.j, x_new).unwrap() * p[q.j], q.y, TOL, &format!("{ctx}: y"));
            assert_rel(f.get_dy(q.i, q.j, dx).unwrap() * p[q.j], q.out, TOL, &format!("{ctx}: get_dy"));
            let mut fresh = f.clone();
            let swap = fresh.exchange(q.i, q.j, dx).unwrap();
            assert_eq!(swap.fee_coin, q.j);
            assert_rel(swap.dy * p[q.j], q.out, TOL, &format!("{ctx}: exchange dy"));
            assert_rel((swap.dy + swap.fee) * p[q.j], q.dy, TOL, &format!("{ctx}: dy before fee"));
            for (k, x) in q.x_after.iter().enumerate() {
                assert_rel(fresh.balances()[k] * 1e18, x, TOL, &format!("{ctx}: x[{k}] after"));
            }
        }
        let mut f = f;
        for (k, s) in pool.sequence.iter().enumerate() {
            let ctx = format!("{} step {k}", pool.name);
            let swap = f.exchange(s.i, s.j, float(s.dx) / p[s.i]).unwrap();
            assert_rel(swap.dy * p[s.j], s.out, TOL, &format!("{ctx}: out"));
            for (m, x) in s.x_after.iter().enumerate() {
                assert_rel(f.balances()[m] * 1e18, x, TOL, &format!("{ctx}: x[{m}] after"));
            }
            assert_rel(f.invariant_d() * 1e18, s.d_after, TOL, &format!("{ctx}: D after"));
        }
    }
}

const POOLS: &[RefPool] = &[
    // Curve(A=100, D=2_000_000e18, n=2), fee left at the reference default 10**7
    RefPool {
        name: "balanced2",
        a: 100,
        fee: 10000000,
        total_deposit: Some("2000000000000000000000000"),
        p: &["1000000000000000000", "1000000000000000000"],
        x: &["1000000000000000000000000", "1000000000000000000000000"],
        xp: &["1000000000000000000000000", "1000000000000000000000000"],
        d: "2000000000000000000000000",
        quotes: &[
            Quote {
                i: 0,
                j: 1,
                dx: "1000000000000000000",
                y: "999999000000009900990000",
                dy: "999999990099010000",
                out: "998999990108910990",
                x_after: &["1000001000000000000000000", "999999001000009891089010"],
            },
            Quote {
                i: 0,
                j: 1,
                dx: "1000000000000000000000",
                y: "999000009900901775998150",
                dy: "999990099098224001850",
                out: "998990108999125777849",
                x_after: &["1001000000000000000000000", "999001009891000874222151"],
            },
            Quote {
                i: 1,
                j: 0,
                dx: "100000000000000000000000",
                y: "900099889135241485293792",
                dy: "99900110864758514706208",
                out: "99800210753893756191502",
                x_after: &["900199789246106243808498", "1100000000000000000000000"],
            },
            Quote {
                i: 0,
                j: 1,
                dx: "1000000000000000000000000",
                y: "65887234393789126014778",
                dy: "934112765606210873985222",
                out: "933178652840604663111237",
                x_after: &["2000000000000000000000000", "66821347159395336888763"],
            },
            Quote {
                i: 0,
                j: 1,
                dx: "5000000000000000000000000",
                y: "415584527722439995802",
                dy: "999584415472277560004198",
                out: "998584831056805282444194",
                x_after: &["6000000000000000000000000", "1415168943194717555806"],
            },
        ],
        sequence: &[
            Step {
                i: 0,
                j: 1,
                dx: "300000000000000000000000",
                out: "298727227955026452911996",
                x_after: &["1300000000000000000000000", "701272772044973547088004"],
                d_after: "2000300265650521102871597",
            },
            Step {
                i: 1,
                j: 0,
                dx: "500000000000000000000000",
                out: "500055887897872659297967",
                x_after: &["799944112102127340702033", "1201272772044973547088004"],
                d_after: "2000802013148295445215387",
            },
            Step {
                i: 0,
                j: 1,
                dx: "123456789000000000000",
                out: "123865187842775700011",
                x_after: &["800067568891127340702033", "1201148906857130771387993"],
                d_after: "2000802136898528378495421",
            },
        ],
    },
    // Curve(A=50, D=[111_300e18, 491_000e18], n=2), fee=4*10**6
    RefPool {
        name: "steth_june2022",
        a: 50,
        fee: 4000000,
        total_deposit: None,
        p: &["1000000000000000000", "1000000000000000000"],
        x: &["111300000000000000000000", "491000000000000000000000"],
        xp: &["111300000000000000000000", "491000000000000000000000"],
        d: "598478402198609675375793",
        quotes: &[
            Quote {
                i: 1,
                j: 0,
                dx: "1000000000000000000",
                y: "111299062618764641199404",
                dy: "937381235358800596",
                out: "937006282864657076",
                x_after: &["111299062993717135342924", "491001000000000000000000"],
            },
            Quote {
                i: 1,
                j: 0,
                dx: "100000000000000000000",
                y: "111206267048531926343757",
                dy: "93732951468073656243",
                out: "93695458287486426781",
                x_after: &["111206304541712513573219", "491100000000000000000000"],
            },
            Quote {
                i: 1,
                j: 0,
                dx: "10000000000000000000000",
                y: "101982344149654837817347",
                dy: "9317655850345162182653",
                out: "9313928788005024117780",
                x_after: &["101986071211994975882220", "501000000000000000000000"],
            },
            Quote {
                i: 1,
                j: 0,
                dx: "100000000000000000000000",
                y: "30868719046246298904298",
                dy: "80431280953753701095702",
                out: "80399108441372199615264",
                x_after: &["30900891558627800384736", "591000000000000000000000"],
            },
            Quote {
                i: 1,
                j: 0,
                dx: "400000000000000000000000",
                y: "2001483013780939467056",
                dy: "109298516986219060532944",
                out: "109254797579424572908731",
                x_after: &["2045202420575427091269", "891000000000000000000000"],
            },
            Quote {
                i: 0,
                j: 1,
                dx: "50000000000000000000000",
                y: "438765753476623030767678",
                dy: "52234246523376969232322",
                out: "52213352824767618444630",
                x_after: &["161300000000000000000000", "438786647175232381555370"],
            },
        ],
        sequence: &[
            Step {
                i: 1,
                j: 0,
                dx: "20000000000000000000000",
                out: "18497402496288687901644",
                x_after: &["92802597503711312098356", "511000000000000000000000"],
                d_after: "598486335463311370938408",
            },
            Step {
                i: 0,
                j: 1,
                dx: "80000000000000000000000",
                out: "84003732305127724515084",
                x_after: &["172802597503711312098356", "426996267694872275484916"],
                d_after: "598519642598977237764302",
            },
            Step {
                i: 1,
                j: 0,
                dx: "1000000000000000000000000",
                out: "172283760726177819743051",
                x_after: &["518836777533492355305", "1426996267694872275484916"],
                d_after: "621831117219177366878361",
            },
        ],
    },
    // Curve(A=2000, D=[50e24, 120e12, 300e12+123456], n=3, p=[1e18, 1e30, 1e30]), fee=10**6
    RefPool {
        name: "threepool_like",
        a: 2000,
        fee: 1000000,
        total_deposit: None,
        p: &["1000000000000000000", "1000000000000000000000000000000", "1000000000000000000000000000000"],
        x: &["50000000000000000000000000", "120000000000000", "300000000123456"],
        xp: &["50000000000000000000000000", "120000000000000000000000000", "300000000123456000000000000"],
        d: "469911103611596532643107410",
        quotes: &[
            Quote {
                i: 0,
                j: 1,
                dx: "1000000000000000000",
                y: "119999998998051872678848805",
                dy: "1001948127321151195",
                out: "1001847932508419080",
                x_after: &["50000001000000000000000000", "119999998998152", "300000000123456"],
            },
            Quote {
                i: 1,
                j: 2,
                dx: "1000000000000000000000000",
                y: "298999173266905376366209722",
                dy: "1000826856550623633790278",
                out: "1000726773864968571426899",
                x_after: &["50000000000000000000000000", "121000000000000", "298999273349591"],
            },
            Quote {
                i: 2,
                j: 0,
                dx: "50000000000000000000000000",
                y: "2594703260554443593342178",
                dy: "47405296739445556406657822",
                out: "47400556209771611851017157",
                x_after: &["2599443790228388148982843", "120000000000000", "350000000123456"],
            },
            Quote {
                i: 0,
                j: 2,
                dx: "500000000000000000000000000",
                y: "22780408581501724608341",
                dy: "299977219714874498275391659",
                out: "299947221992903010825564120",
                x_after: &["550000000000000000000000000", "120000000000000", "52778130552"],
            },
            Quote {
                i: 2,
                j: 1,
                dx: "2000000000000000000000000000",
                y: "1392044685714165969523",
                dy: "119998607955314285834030477",
                out: "119986608094518754405447074",
                x_after: &["50000000000000000000000000", "13391905481", "2300000000123456"],
            },
        ],
        sequence: &[
            Step {
                i: 2,
                j: 0,
                dx: "100000000000000000000000000",
                out: "49870329094036330754537322",
                x_after: &["129670905963669245462678", "120000000000000", "400000000123456"],
                d_after: "471283355952582101381848889",
            },
            Step {
                i: 0,
                j: 1,
                dx: "70000000000000000000000000",
                out: "116112477159524618408656535",
                x_after: &["70129670905963669245462678", "3887522840475", "400000000123456"],
                d_after: "471302875152880247033768987",
            },
            Step {
                i: 1,
                j: 2,
                dx: "1000000000000000000",
                out: "1706332789040844196",
                x_after: &["70129670905963669245462678", "3887523840475", "399999998417123"],
                d_after: "471302875153047929754396740",
            },
        ],
    },
    // Curve(A=10, D=[1000e18, 2000e18, 500e18+12345], n=3, p=[1e18, 1.05e18, 1123456789012345678]), fee=3*10**7
    RefPool {
        name: "rated3_lowA",
        a: 10,
        fee: 30000000,
        total_deposit: None,
        p: &["1000000000000000000", "1050000000000000000", "1123456789012345678"],
        x: &["1000000000000000000000", "2000000000000000000000", "500000000000000012345"],
        xp: &["1000000000000000000000", "2100000000000000000000", "561728394506172852869"],
        d: "3605113913564423598900",
        quotes: &[
            Quote {
                i: 0,
                j: 1,
                dx: "1000000000000000000",
                y: "2098914710818178238526",
                dy: "1085289181821761474",
                out: "1082033314276296190",
                x_after: &["1001000000000000000000", "1998969492081641622676", "500000000000000012345"],
            },
            Quote {
                i: 1,
                j: 2,
                dx: "250000000000000000000",
                y: "372911051152893492405",
                dy: "188817343353279360464",
                out: "188250891323219522383",
                x_after: &["1000000000000000000000", "2238095238095238095238", "332436019645477599612"],
            },
            Quote {
                i: 2,
                j: 0,
                dx: "1500000000000000000000",
                y: "64937942200234673234",
                dy: "935062057799765326766",
                out: "932256871626366030786",
                x_after: &["67743128373633969214", "2000000000000000000000", "1835164836485327873808"],
            },
            Quote {
                i: 0,
                j: 2,
                dx: "10000000000000000000000",
                y: "938825167648669333",
                dy: "560789569338524183536",
                out: "559107200630508610986",
                x_after: &["11000000000000000000000", "2000000000000000000000", "2333150594931726881"],
            },
        ],
        sequence: &[
            Step {
                i: 0,
                j: 2,
                dx: "400000000000000000000",
                out: "301910778791914322949",
                x_after: &["1400000000000000000000", "2000000000000000000000", "231266229600757160511"],
                d_after: "3606583781215036624541",
            },
            Step {
                i: 2,
                j: 1,
                dx: "300000000000000000000",
                out: "414013047957306418100",
                x_after: &["1400000000000000000000", "1605701859088279601809", "498299196897822732803"],
                d_after: "3607776931105254518177",
            },
            Step {
                i: 1,
                j: 0,
                dx: "5000000000000000000",
                out: "4897588791748336088",
                x_after: &["1395102411208251663912", "1610463763850184363713", "498299196897822732803"],
                d_after: "3607791297335978977428",
            },
        ],
    },
    // Curve(A=1, D=[10e18, 1000e18, 333e18+7, 5000e18], n=4), fee=0
    RefPool {
        name: "four_A1",
        a: 1,
        fee: 0,
        total_deposit: None,
        p: &["1000000000000000000", "1000000000000000000", "1000000000000000000", "1000000000000000000"],
        x: &["10000000000000000000", "1000000000000000000000", "333000000000000000007", "5000000000000000000000"],
        xp: &["10000000000000000000", "1000000000000000000000", "333000000000000000007", "5000000000000000000000"],
        d: "2387739875091791513488",
        quotes: &[
            Quote {
                i: 0,
                j: 3,
                dx: "1000000000000000000",
                y: "4777708606290383678460",
                dy: "222291393709616321540",
                out: "222291393709616321540",
                x_after: &[
                    "11000000000000000000",
                    "1000000000000000000000",
                    "333000000000000000007",
                    "4777708606290383678460",
                ],
            },
            Quote {
                i: 3,
                j: 0,
                dx: "100000000000000000000",
                y: "9594021259519179378",
                dy: "405978740480820622",
                out: "405978740480820622",
                x_after: &[
                    "9594021259519179378",
                    "1000000000000000000000",
                    "333000000000000000007",
                    "5100000000000000000000",
                ],
            },
            Quote {
                i: 1,
                j: 2,
                dx: "2000000000000000000000",
                y: "80212879927061277163",
                dy: "252787120072938722844",
                out: "252787120072938722844",
                x_after: &[
                    "10000000000000000000",
                    "3000000000000000000000",
                    "80212879927061277163",
                    "5000000000000000000000",
                ],
            },
        ],
        sequence: &[
            Step {
                i: 3,
                j: 0,
                dx: "1000000000000000000000",
                out: "3163679157641416766",
                x_after: &[
                    "6836320842358583234",
                    "1000000000000000000000",
                    "333000000000000000007",
                    "6000000000000000000000",
                ],
                d_after: "2387739875091791513430",
            },
            Step {
                i: 0,
                j: 1,
                dx: "50000000000000000000",
                out: "859184850687994322441",
                x_after: &[
                    "56836320842358583234",
                    "140815149312005677559",
                    "333000000000000000007",
                    "6000000000000000000000",
                ],
                d_after: "2387739875091791513427",
            },
        ],
    },
    // Curve(A=5000, D=[990_000e18, 10_000e18], n=2), fee=10**8 (1%)
    RefPool {
        name: "highA_extreme",
        a: 5000,
        fee: 100000000,
        total_deposit: None,
        p: &["1000000000000000000", "1000000000000000000"],
        x: &["990000000000000000000000", "10000000000000000000000"],
        xp: &["990000000000000000000000", "10000000000000000000000"],
        d: "997592699998973941460533",
        quotes: &[
            Quote {
                i: 0,
                j: 1,
                dx: "1000000000000000000",
                y: "9999198439495093508383",
                dy: "801560504906491617",
                out: "793544899857426701",
                x_after: &["990001000000000000000000", "9999206455100142573299"],
            },
            Quote {
                i: 0,
                j: 1,
                dx: "5000000000000000000000",
                y: "6394120139079594884407",
                dy: "3605879860920405115593",
                out: "3569821062311201064438",
                x_after: &["995000000000000000000000", "6430178937688798935562"],
            },
            Quote {
                i: 0,
                j: 1,
                dx: "100000000000000000000000",
                y: "245497688469282326616",
                dy: "9754502311530717673384",
                out: "9656957288415410496651",
                x_after: &["1090000000000000000000000", "343042711584589503349"],
            },
            Quote {
                i: 1,
                j: 0,
                dx: "2000000000000000000000000",
                y: "12195523513462250967",
                dy: "989987804476486537749033",
                out: "980087926431721672371543",
                x_after: &["9912073568278327628457", "2010000000000000000000000"],
            },
        ],
        sequence: &[
            Step {
                i: 1,
                j: 0,
                dx: "500000000000000000000000",
                out: "497383177159497701602130",
                x_after: &["492616822840502298397870", "510000000000000000000000"],
                d_after: "1002616792698853574167370",
            },
            Step {
                i: 0,
                j: 1,
                dx: "250000000000000000000000",
                out: "247470110007390308593446",
                x_after: &["742616822840502298397870", "262529889992609691406554"],
                d_after: "1005117013933849236783689",
            },
        ],
    },
];
