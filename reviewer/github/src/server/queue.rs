//! The review queue as plain state: which pull requests wait for a review, which are being
//! reviewed, and the recent deliveries and heads that let the server drop redeliveries and
//! stale events. The server wraps it in a mutex, saves it after every change and wakes
//! its workers; everything here is synchronous and quick.
//!
//! Invariants:
//! - `waiting` and `queued` hold the same pull requests, each once: one queued job, the
//!   newest head, per pull request.
//! - `running` holds at most one job per pull request, and [`Queue::take`] never hands
//!   out a pull request that is running.
//! - Every accepted event (or job resumed from the state file) ends up counted exactly
//!   once: reviewed, failed or superseded, or it is still queued or running.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::job::{PullRequestKey, ReviewJob};

/// What became of a job offered to the queue.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Offer {
    /// The pull request had nothing waiting; the job now waits.
    Queued,
    /// The job replaced the pull request's waiting job, which is superseded.
    Replaced(ReviewJob),
    /// A newer head of the pull request was already accepted; the job is superseded.
    Stale,
    /// The delivery was accepted before (a redelivery); nothing changed.
    Duplicate,
    /// The queue holds as many pull requests as it may; nothing changed.
    Full,
}

/// How many events and reviews went which way since the server started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Pull request events accepted for review (queued, or superseded on arrival).
    pub accepted: u64,
    /// Accepted events whose head was replaced by a newer one before it was reviewed.
    pub superseded: u64,
    /// Redeliveries of events already accepted.
    pub duplicates: u64,
    /// Events refused with 503 because the queue was full.
    pub refused_queue_full: u64,
    /// Deliveries answered without a review (pings, other events and actions, drafts).
    pub ignored: u64,
    /// Reviews that finished.
    pub reviewed: u64,
    /// Reviews that failed.
    pub failed: u64,
    /// Jobs loaded from the state file at start.
    pub resumed: u64,
}

/// What the server saves, so that a restart resumes where it stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Saved {
    /// Jobs not finished: the running ones first (they run again), then the waiting ones
    /// in queue order.
    pub jobs: Vec<ReviewJob>,
    /// Recently accepted delivery ids, oldest first.
    pub deliveries: Vec<String>,
    /// The newest `updated_at` accepted per pull request, least recently accepted first.
    pub newest: Vec<(PullRequestKey, Option<DateTime<Utc>>)>,
}

pub(crate) struct Queue {
    capacity: usize,
    waiting: VecDeque<PullRequestKey>,
    queued: HashMap<PullRequestKey, ReviewJob>,
    running: HashMap<PullRequestKey, ReviewJob>,
    deliveries: Recent<String, ()>,
    newest: Recent<PullRequestKey, Option<DateTime<Utc>>>,
    pub counts: Counts,
}

impl Queue {
    /// An empty queue holding at most `capacity` waiting pull requests and remembering
    /// `memory` deliveries and pull requests.
    pub fn new(capacity: usize, memory: usize) -> Queue {
        Queue {
            capacity,
            waiting: VecDeque::new(),
            queued: HashMap::new(),
            running: HashMap::new(),
            deliveries: Recent::new(memory),
            newest: Recent::new(memory),
            counts: Counts::default(),
        }
    }

    /// Pull requests waiting for a review.
    pub fn queued(&self) -> usize {
        self.queued.len()
    }

    /// Reviews running.
    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// Offers the job an event asked for.
    pub fn offer(&mut self, job: ReviewJob) -> Offer {
        if self.deliveries.contains(&job.delivery) {
            self.counts.duplicates += 1;
            return Offer::Duplicate;
        }
        let key = job.pull_request();
        // The newest accepted head, looked up everywhere in case `newest` forgot it.
        let latest = [
            self.newest.get(&key).copied().flatten(),
            self.queued.get(&key).and_then(|j| j.updated_at),
            self.running.get(&key).and_then(|j| j.updated_at),
        ]
        .into_iter()
        .flatten()
        .max();
        let offer = if job.is_older_than(latest) {
            Offer::Stale
        } else if let Some(waiting) = self.queued.get_mut(&key) {
            Offer::Replaced(std::mem::replace(waiting, job.clone()))
        } else if self.queued.len() >= self.capacity {
            self.counts.refused_queue_full += 1;
            return Offer::Full;
        } else {
            self.waiting.push_back(key.clone());
            self.queued.insert(key.clone(), job.clone());
            Offer::Queued
        };
        self.counts.accepted += 1;
        if offer != Offer::Queued {
            self.counts.superseded += 1;
        }
        if offer != Offer::Stale {
            self.newest.insert(key, job.updated_at);
        }
        self.deliveries.insert(job.delivery, ());
        offer
    }

    /// Forgets an accepted delivery, so that its redelivery is accepted again.
    pub fn forget(&mut self, delivery: &str) {
        self.deliveries.remove(delivery);
    }

    /// The longest-waiting job whose pull request is not being reviewed, now running.
    pub fn take(&mut self) -> Option<ReviewJob> {
        let index = self
            .waiting
            .iter()
            .position(|key| !self.running.contains_key(key))?;
        let key = self.waiting.remove(index)?;
        let job = self.queued.remove(&key)?;
        self.running.insert(key, job.clone());
        Some(job)
    }

    /// Records the end of a running job. A failed job's delivery is forgotten, so that
    /// redelivering the event from the App's settings runs the review again.
    pub fn finish(&mut self, job: &ReviewJob, succeeded: bool) {
        self.running.remove(&job.pull_request());
        if succeeded {
            self.counts.reviewed += 1;
        } else {
            self.counts.failed += 1;
            self.forget(&job.delivery);
        }
    }

    /// The state to save.
    pub fn save(&self) -> Saved {
        let mut running: Vec<&ReviewJob> = self.running.values().collect();
        running.sort_by_key(|job| job.pull_request());
        let waiting = self.waiting.iter().filter_map(|key| self.queued.get(key));
        Saved {
            jobs: running.into_iter().chain(waiting).cloned().collect(),
            deliveries: self.deliveries.entries().map(|(k, ())| k.clone()).collect(),
            newest: self
                .newest
                .entries()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
        }
    }

    /// Puts saved state back. Every saved job waits again, whatever the capacity: they
    /// were accepted. Of two jobs for one pull request the newer head is kept.
    pub fn restore(&mut self, saved: Saved) {
        for delivery in saved.deliveries {
            self.deliveries.insert(delivery, ());
        }
        for (key, updated_at) in saved.newest {
            self.newest.insert(key, updated_at);
        }
        for job in saved.jobs {
            self.counts.resumed += 1;
            let key = job.pull_request();
            if let Some(waiting) = self.queued.get_mut(&key) {
                self.counts.superseded += 1;
                if !job.is_older_than(waiting.updated_at) {
                    *waiting = job;
                }
            } else {
                self.waiting.push_back(key.clone());
                self.queued.insert(key, job);
            }
        }
    }
}

/// A map that remembers its most recent `capacity` insertions.
struct Recent<K, V> {
    capacity: usize,
    next: u64,
    map: HashMap<K, (V, u64)>,
    // Insertion order, with entries whose key was inserted again since (their number no
    // longer matches the map's) skipped when read and dropped when compacted.
    order: VecDeque<(K, u64)>,
}

impl<K: Clone + Eq + Hash, V> Recent<K, V> {
    fn new(capacity: usize) -> Recent<K, V> {
        Recent {
            capacity: capacity.max(1),
            next: 0,
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn contains<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map.contains_key(key)
    }

    fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key).map(|(v, _)| v)
    }

    fn remove<Q: Eq + Hash + ?Sized>(&mut self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map.remove(key);
    }

    fn insert(&mut self, key: K, value: V) {
        self.next += 1;
        self.map.insert(key.clone(), (value, self.next));
        self.order.push_back((key, self.next));
        while self.map.len() > self.capacity {
            let Some((old, number)) = self.order.pop_front() else {
                break;
            };
            if self.map.get(&old).is_some_and(|(_, n)| *n == number) {
                self.map.remove(&old);
            }
        }
        if self.order.len() > 2 * self.capacity + 16 {
            let map = &self.map;
            self.order
                .retain(|(k, n)| map.get(k).is_some_and(|(_, current)| current == n));
        }
    }

    /// The entries, least recently inserted first.
    fn entries(&self) -> impl Iterator<Item = (&K, &V)> {
        self.order.iter().filter_map(|(k, n)| {
            self.map
                .get_key_value(k)
                .filter(|(_, (_, current))| current == n)
                .map(|(k, (v, _))| (k, v))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(number: u64, head: &str, second: i64, delivery: &str) -> ReviewJob {
        ReviewJob {
            installation_id: 1,
            repository: "o/r".to_string(),
            number,
            head_sha: head.to_string(),
            updated_at: DateTime::from_timestamp(1_700_000_000 + second, 0),
            delivery: delivery.to_string(),
        }
    }

    fn balanced(queue: &Queue) -> bool {
        let c = queue.counts;
        c.accepted + c.resumed
            == c.reviewed + c.failed + c.superseded + queue.queued() as u64 + queue.running() as u64
    }

    #[test]
    fn a_newer_head_replaces_the_waiting_one_and_an_older_is_stale() {
        let mut queue = Queue::new(10, 100);
        assert_eq!(queue.offer(job(1, "a", 1, "d1")), Offer::Queued);
        assert_eq!(
            queue.offer(job(1, "b", 2, "d2")),
            Offer::Replaced(job(1, "a", 1, "d1"))
        );
        assert_eq!(queue.offer(job(1, "z", 0, "d3")), Offer::Stale);
        assert_eq!(queue.take().map(|j| j.head_sha), Some("b".to_string()));
        assert!(balanced(&queue));
    }

    #[test]
    fn a_pull_request_under_review_is_not_handed_out_again() {
        let mut queue = Queue::new(10, 100);
        queue.offer(job(1, "a", 1, "d1"));
        queue.offer(job(2, "x", 1, "d2"));
        let first = queue.take().unwrap();
        queue.offer(job(1, "b", 2, "d3"));
        assert_eq!(queue.take().map(|j| j.number), Some(2));
        assert_eq!(queue.take(), None, "1 is running; its newer head waits");
        queue.finish(&first, true);
        assert_eq!(queue.take().map(|j| j.head_sha), Some("b".to_string()));
        assert!(balanced(&queue));
    }

    #[test]
    fn a_late_older_head_is_stale_after_the_newer_was_reviewed() {
        let mut queue = Queue::new(10, 100);
        queue.offer(job(1, "b", 2, "d2"));
        let running = queue.take().unwrap();
        queue.finish(&running, true);
        assert_eq!(queue.offer(job(1, "a", 1, "d1")), Offer::Stale);
        assert!(balanced(&queue));
    }

    #[test]
    fn redeliveries_are_duplicates_until_the_review_fails() {
        let mut queue = Queue::new(10, 100);
        queue.offer(job(1, "a", 1, "d1"));
        assert_eq!(queue.offer(job(1, "a", 1, "d1")), Offer::Duplicate);
        let running = queue.take().unwrap();
        queue.finish(&running, false);
        assert_eq!(queue.offer(job(1, "a", 1, "d1")), Offer::Queued);
        assert!(balanced(&queue));
    }

    #[test]
    fn a_full_queue_refuses_new_pull_requests_but_takes_newer_heads() {
        let mut queue = Queue::new(1, 100);
        queue.offer(job(1, "a", 1, "d1"));
        assert_eq!(queue.offer(job(2, "x", 1, "d2")), Offer::Full);
        assert!(matches!(
            queue.offer(job(1, "b", 2, "d3")),
            Offer::Replaced(_)
        ));
        // A refused delivery is not remembered: its redelivery can be accepted.
        queue.take();
        assert_eq!(queue.offer(job(2, "x", 1, "d2")), Offer::Queued);
        assert!(balanced(&queue));
    }

    #[test]
    fn saved_state_restores_running_and_waiting_jobs_keeping_the_newest_head() {
        let mut queue = Queue::new(10, 100);
        queue.offer(job(1, "a", 1, "d1"));
        queue.offer(job(2, "x", 1, "d2"));
        queue.take();
        queue.offer(job(1, "b", 2, "d3"));
        let saved = queue.save();
        assert_eq!(saved.jobs.len(), 3);

        let mut restored = Queue::new(1, 100);
        restored.restore(saved);
        assert_eq!(restored.queued(), 2, "restored jobs ignore the capacity");
        let heads: Vec<String> = std::iter::from_fn(|| restored.take())
            .map(|j| j.head_sha)
            .collect();
        assert_eq!(heads, ["b", "x"]);
        assert_eq!(restored.offer(job(1, "a", 1, "d1")), Offer::Duplicate);
        assert_eq!(restored.offer(job(1, "a", 1, "d9")), Offer::Stale);
        assert_eq!(restored.counts.resumed, 3);
        assert_eq!(restored.counts.superseded, 2);
    }

    #[test]
    fn recent_forgets_the_oldest_entries_beyond_its_capacity() {
        let mut recent = Recent::new(2);
        recent.insert("a", 1);
        recent.insert("b", 2);
        recent.insert("a", 3);
        recent.insert("c", 4);
        let entries: Vec<(&str, i32)> = recent.entries().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(entries, [("a", 3), ("c", 4)]);
        for n in 0..100 {
            recent.insert("a", n);
        }
        assert!(recent.order.len() <= 2 * 2 + 16);
    }
}
