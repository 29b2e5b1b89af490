//! Many runs on one rayon pool, results handed to a sink as they complete.

use rayon::prelude::*;
use std::sync::Mutex;

/// Runs `job(run)` for every run in `runs` in parallel and passes each result to `sink` as
/// soon as it is ready (in completion order; the sink is serialised by a mutex around the
/// sink only — never around simulation state). Memory is bounded by the runs in flight, not
/// by `runs.len()`: results are not collected.
///
/// Returns the first sink error, if any; a sink error stops further runs from starting.
pub fn for_each_run<J, T, E, F, S>(runs: &[J], job: F, sink: S) -> Result<(), E>
where
    J: Sync,
    T: Send,
    E: Send,
    F: Fn(&J) -> T + Sync,
    S: FnMut(&J, T) -> Result<(), E> + Send,
{
    let sink = Mutex::new((sink, None::<E>));
    runs.par_iter().with_max_len(1).for_each(|spec| {
        if sink.lock().map(|g| g.1.is_some()).unwrap_or(true) {
            return;
        }
        let result = job(spec);
        let mut guard = match sink.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if guard.1.is_none() {
            if let Err(e) = (guard.0)(spec, result) {
                guard.1 = Some(e);
            }
        }
    });
    let (_, err) = sink.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    err.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_reaches_the_sink_once() {
        let runs: Vec<u64> = (0..100).collect();
        let mut seen = Vec::new();
        for_each_run(&runs, |r| r * r, |r, sq| {
            assert_eq!(*r * *r, sq);
            seen.push(*r);
            Ok::<(), ()>(())
        })
        .unwrap();
        seen.sort();
        assert_eq!(seen, runs);
    }

    #[test]
    fn a_sink_error_is_returned() {
        let runs: Vec<u64> = (0..10).collect();
        let r = for_each_run(&runs, |r| *r, |_, v| if v == 3 { Err(v) } else { Ok(()) });
        assert_eq!(r, Err(3));
    }
}
