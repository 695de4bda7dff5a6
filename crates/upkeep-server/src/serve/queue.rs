//! The service's queue: one entry per repository, however often it is asked for.
//!
//! A repository is waiting, running, or running with one more run owed. Queuing a
//! waiting repository changes nothing (its first reason is kept); queuing a running one
//! owes it exactly one more run, which is queued when the current run ends (the push
//! that arrived mid-run is then seen). Keys are full names lower-cased, since GitHub's
//! are case-insensitive. The dispatcher takes repositories in first-queued order.
//!
//! The queue also follows the scheduled full pass: once every repository of the pass
//! has finished (or was dropped), [`QueueState::finish`] says so, and the service sets
//! `upkeep_last_run_timestamp_seconds`.

use std::collections::{HashMap, HashSet, VecDeque};

use super::events::Job;

/// What queuing a job did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// It waits for a free slot.
    Queued,
    /// It was already waiting; nothing changed.
    AlreadyWaiting,
    /// It is running; one more run follows the current one.
    AfterCurrentRun,
}

#[derive(Debug)]
enum Slot {
    Waiting(Job),
    Running { again: Option<Job> },
}

/// The queue's state, without any locking or waiting (the service wraps it).
#[derive(Debug, Default)]
pub struct QueueState {
    order: VecDeque<String>,
    slots: HashMap<String, Slot>,
    pass: HashSet<String>,
}

/// What [`QueueState::finish`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    /// The repository was queued again for the run it was owed.
    pub requeued: bool,
    /// This was the last repository of the scheduled pass.
    pub pass_complete: bool,
}

fn key(full_name: &str) -> String {
    full_name.to_lowercase()
}

impl QueueState {
    /// Queues `job` unless it is already waiting.
    pub fn push(&mut self, job: Job) -> Enqueued {
        let key = key(&job.repo.full_name);
        match self.slots.get_mut(&key) {
            Some(Slot::Waiting(_)) => Enqueued::AlreadyWaiting,
            Some(Slot::Running { again }) => {
                if again.is_none() {
                    *again = Some(job);
                }
                Enqueued::AfterCurrentRun
            }
            None => {
                self.order.push_back(key.clone());
                self.slots.insert(key, Slot::Waiting(job));
                Enqueued::Queued
            }
        }
    }

    /// Queues the repositories of a scheduled full pass and follows them.
    pub fn push_pass(&mut self, jobs: Vec<Job>) {
        for job in jobs {
            self.pass.insert(key(&job.repo.full_name));
            self.push(job);
        }
    }

    /// The next waiting job, now marked running.
    pub fn take_next(&mut self) -> Option<Job> {
        while let Some(key) = self.order.pop_front() {
            if let Some(slot) = self.slots.get_mut(&key)
                && let Slot::Waiting(_) = slot
                && let Slot::Waiting(job) = std::mem::replace(slot, Slot::Running { again: None })
            {
                return Some(job);
            }
        }
        None
    }

    /// The run of `full_name` ended; an owed run is queued now.
    pub fn finish(&mut self, full_name: &str) -> Finished {
        let key = key(full_name);
        let again = match self.slots.remove(&key) {
            Some(Slot::Running { again }) => again,
            Some(waiting) => {
                self.slots.insert(key.clone(), waiting);
                None
            }
            None => None,
        };
        let requeued = again.is_some();
        if let Some(job) = again {
            self.order.push_back(key.clone());
            self.slots.insert(key.clone(), Slot::Waiting(job));
        }
        let pass_complete = !requeued && self.pass.remove(&key) && self.pass.is_empty();
        Finished {
            requeued,
            pass_complete,
        }
    }

    /// Drops waiting and owed runs of an installation's repositories (`None`: all of
    /// them); returns how many were dropped. Running jobs are left to end on their own.
    pub fn drop_repositories(
        &mut self,
        installation: u64,
        repositories: Option<&[String]>,
    ) -> usize {
        let names: Option<HashSet<String>> =
            repositories.map(|names| names.iter().map(|name| key(name)).collect());
        let concerned = |job: &Job| {
            job.repo.installation == Some(installation)
                && names
                    .as_ref()
                    .is_none_or(|names| names.contains(&key(&job.repo.full_name)))
        };
        let mut dropped = 0;
        let mut emptied = Vec::new();
        for (key, slot) in &mut self.slots {
            match slot {
                Slot::Waiting(job) if concerned(job) => {
                    emptied.push(key.clone());
                    dropped += 1;
                }
                Slot::Running { again } if again.as_ref().is_some_and(concerned) => {
                    *again = None;
                    dropped += 1;
                }
                _ => {}
            }
        }
        for key in emptied {
            self.slots.remove(&key);
            self.pass.remove(&key);
        }
        self.order.retain(|key| self.slots.contains_key(key));
        dropped
    }

    /// Repositories waiting, including owed runs.
    pub fn depth(&self) -> usize {
        self.slots
            .values()
            .filter(|slot| matches!(slot, Slot::Waiting(_) | Slot::Running { again: Some(_) }))
            .count()
    }

    /// Repositories running now.
    pub fn running(&self) -> usize {
        self.slots
            .values()
            .filter(|slot| matches!(slot, Slot::Running { .. }))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::RepoRef;
    use crate::serve::events::Reason;

    fn job(name: &str) -> Job {
        Job {
            repo: RepoRef::in_installation(1, name),
            reason: Reason::Schedule,
        }
    }

    #[test]
    fn a_repository_queued_twice_runs_once() {
        let mut queue = QueueState::default();
        assert_eq!(queue.push(job("acme/api")), Enqueued::Queued);
        assert_eq!(queue.push(job("Acme/API")), Enqueued::AlreadyWaiting);
        assert_eq!(queue.depth(), 1);
        assert_eq!(queue.take_next().unwrap().repo.full_name, "acme/api");
        assert!(queue.take_next().is_none());
    }

    #[test]
    fn a_repository_queued_while_running_runs_once_more_after() {
        let mut queue = QueueState::default();
        queue.push(job("acme/api"));
        queue.take_next().unwrap();
        assert_eq!(queue.push(job("acme/api")), Enqueued::AfterCurrentRun);
        assert_eq!(queue.push(job("acme/api")), Enqueued::AfterCurrentRun);
        assert!(queue.take_next().is_none(), "never twice at once");
        assert!(queue.finish("acme/api").requeued);
        assert!(queue.take_next().is_some());
        assert!(!queue.finish("acme/api").requeued);
        assert_eq!(queue.depth(), 0);
    }

    #[test]
    fn dropping_an_installation_forgets_its_waiting_and_owed_runs() {
        let mut queue = QueueState::default();
        queue.push(job("acme/api"));
        queue.push(job("acme/web"));
        queue.push(Job {
            repo: RepoRef::in_installation(2, "other/lib"),
            reason: Reason::Schedule,
        });
        queue.take_next().unwrap();
        queue.push(job("acme/api"));
        assert_eq!(queue.drop_repositories(1, None), 2);
        assert_eq!(queue.take_next().unwrap().repo.full_name, "other/lib");
        assert!(!queue.finish("acme/api").requeued);
    }

    #[test]
    fn the_pass_completes_when_its_last_repository_finishes() {
        let mut queue = QueueState::default();
        queue.push_pass(vec![job("a/one"), job("a/two")]);
        queue.take_next().unwrap();
        queue.take_next().unwrap();
        assert!(!queue.finish("a/one").pass_complete);
        assert!(queue.finish("a/two").pass_complete);
    }
}
