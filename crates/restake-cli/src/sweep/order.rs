//! Finished runs back in the order they were started, so each part holds its runs in ascending
//! id, while runs on several threads finish in any order.

use super::store::Finished;
use std::collections::BTreeMap;

/// Hands finished runs on in the order of `todo` (ascending run ids, the order runs start in).
/// A run that finishes while an earlier one still runs waits here: its row and the path of its
/// recording (its outputs stay on disk). If more than `limit` wait (one run far slower than the
/// rest), they go on in ascending order without it, and the late run goes on when it finishes
/// (into a later part: see `ShardWriter::stage`).
pub struct InOrder<'a> {
    todo: &'a [u32],
    /// Index into `todo` of the run awaited next.
    next: usize,
    waiting: BTreeMap<u32, Finished>,
    limit: usize,
}

impl<'a> InOrder<'a> {
    pub fn new(todo: &'a [u32], limit: usize) -> Self {
        debug_assert!(todo.windows(2).all(|w| w[0] < w[1]), "runs start in ascending id");
        InOrder { todo, next: 0, waiting: BTreeMap::new(), limit: limit.max(1) }
    }

    /// Takes run `id` as finished; appends to `out` the runs that may go on now, in order.
    pub fn arrive(&mut self, id: u32, finished: Finished, out: &mut Vec<(u32, Finished)>) {
        // A late run (those after it went on without it) goes on at once.
        if self.todo.get(self.next).is_none_or(|&awaited| id < awaited) {
            out.push((id, finished));
            return;
        }
        self.waiting.insert(id, finished);
        while let Some(&awaited) = self.todo.get(self.next) {
            let Some(f) = self.waiting.remove(&awaited) else { break };
            out.push((awaited, f));
            self.next += 1;
        }
        if self.waiting.len() > self.limit {
            let last = *self.waiting.keys().next_back().expect("more than one waits");
            out.extend(std::mem::take(&mut self.waiting));
            // Awaited from now on: the first run after the last that went on.
            self.next = self.todo.partition_point(|&r| r <= last);
        }
    }

    /// Every run still waiting, in ascending id (the sweep stopped, or all runs are done).
    pub fn drain(&mut self, out: &mut Vec<(u32, Finished)>) {
        out.extend(std::mem::take(&mut self.waiting));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use restake_analysis::RunRow;

    fn done(id: u32) -> Finished {
        Finished { row: RunRow::default(), recording: None, log: serde_json::json!({ "run_id": id }) }
    }

    /// Feeds `arrivals` and returns the order in which runs went on, drained at the end.
    fn order(todo: &[u32], limit: usize, arrivals: &[u32]) -> Vec<u32> {
        let mut o = InOrder::new(todo, limit);
        let mut out = Vec::new();
        for &id in arrivals {
            o.arrive(id, done(id), &mut out);
        }
        o.drain(&mut out);
        out.iter().map(|(id, _)| *id).collect()
    }

    #[test]
    fn runs_go_on_in_start_order_whatever_order_they_finish_in() {
        let todo = [2, 3, 5, 8, 9];
        assert_eq!(order(&todo, 8, &[3, 2, 8, 5, 9]), vec![2, 3, 5, 8, 9]);
        assert_eq!(order(&todo, 8, &[9, 8, 5, 3, 2]), vec![2, 3, 5, 8, 9]);
    }

    #[test]
    fn runs_wait_only_for_earlier_ones() {
        let todo = [0, 1, 2, 3];
        let mut o = InOrder::new(&todo, 8);
        let mut out = Vec::new();
        o.arrive(1, done(1), &mut out);
        assert!(out.is_empty(), "run 1 waits for run 0");
        o.arrive(0, done(0), &mut out);
        assert_eq!(out.iter().map(|x| x.0).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn a_slow_run_does_not_hold_more_than_the_limit() {
        // Run 0 finishes last; with a limit of 2, runs 1-3 go on when a third waits, 4 and 5
        // as they come, and run 0 when it finishes.
        let todo = [0, 1, 2, 3, 4, 5];
        let mut o = InOrder::new(&todo, 2);
        let mut out = Vec::new();
        for id in [1, 2] {
            o.arrive(id, done(id), &mut out);
        }
        assert!(out.is_empty());
        o.arrive(3, done(3), &mut out);
        assert_eq!(out.iter().map(|x| x.0).collect::<Vec<_>>(), vec![1, 2, 3]);
        for id in [4, 5, 0] {
            o.arrive(id, done(id), &mut out);
        }
        assert_eq!(out.iter().map(|x| x.0).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 0]);
        o.drain(&mut out);
        assert_eq!(out.len(), 6);
    }
}
