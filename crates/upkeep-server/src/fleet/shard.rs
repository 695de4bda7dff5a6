//! Splitting a fleet between pods: `--shard I/N`, or a Kubernetes Indexed Job.
//!
//! A repository belongs to one shard, chosen from its full name alone (lower-cased,
//! since GitHub names are case-insensitive): the first eight bytes of its SHA-256 are
//! the key of a jump consistent hash (Lamping and Veach, 2014). The answer is the same on
//! every pod, in every run and whatever the order of the list, and when N grows to N+1
//! only about 1/(N+1) of the repositories move to another shard (the others keep their
//! warm caches).
//!
//! `--shard I/N` counts from 1 (like `jest --shard` and `playwright --shard`). An Indexed
//! Job sets `JOB_COMPLETION_INDEX`, which counts from 0: index `k` is shard `k+1`; its
//! count comes from `--shard-count` or `UPKEEP_SHARD_COUNT` (the Job's `completions`).

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::Error;

/// One shard of a fleet: `index` (from 1) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` (from 1) of `count`; `None` unless `1 <= index <= count`.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (index >= 1 && index <= count).then_some(Shard { index, count })
    }

    /// The shard's number, from 1.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// How many shards there are.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether the repository `full_name` (`owner/name`) is this shard's.
    pub fn owns(&self, full_name: &str) -> bool {
        shard_of(full_name, self.count) == self.index
    }

    /// The repositories of `repositories` that are this shard's, in their order.
    pub fn select<T>(&self, repositories: Vec<T>, full_name: impl Fn(&T) -> &str) -> Vec<T> {
        repositories
            .into_iter()
            .filter(|repository| self.owns(full_name(repository)))
            .collect()
    }

    /// The shard to run: `--shard` wins; else an Indexed Job's `JOB_COMPLETION_INDEX`
    /// (from 0) with the count from `--shard-count` or `UPKEEP_SHARD_COUNT`; else `None`
    /// (the whole fleet). `completion_index` and `count_env` are the environment's values.
    pub fn resolve(
        flag: Option<Shard>,
        completion_index: Option<&str>,
        count_flag: Option<u32>,
        count_env: Option<&str>,
    ) -> Result<Option<Shard>, Error> {
        if flag.is_some() {
            return Ok(flag);
        }
        let Some(index_text) = completion_index.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let error = |reason: &str| Error::Shard {
            text: format!("JOB_COMPLETION_INDEX={index_text}"),
            reason: reason.to_owned(),
        };
        let index: u32 = index_text
            .parse()
            .map_err(|_| error("the index is not a number"))?;
        let count = match (count_flag, count_env.map(str::trim)) {
            (Some(count), _) => count,
            (None, Some(text)) if !text.is_empty() => text
                .parse()
                .map_err(|_| error(&format!("UPKEEP_SHARD_COUNT `{text}` is not a number")))?,
            _ => {
                return Err(error(
                    "an Indexed Job needs the shard count: `--shard-count N` or UPKEEP_SHARD_COUNT",
                ));
            }
        };
        index
            .checked_add(1)
            .and_then(|number| Shard::new(number, count))
            .map(Some)
            .ok_or_else(|| error(&format!("index {index} is not below the count {count}")))
    }
}

impl FromStr for Shard {
    type Err = Error;

    fn from_str(text: &str) -> Result<Shard, Error> {
        let error = |reason: &str| Error::Shard {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (index, count) = text.trim().split_once('/').ok_or_else(|| error("no `/`"))?;
        let index: u32 = index
            .trim()
            .parse()
            .map_err(|_| error("the index is not a number"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| error("the count is not a number"))?;
        Shard::new(index, count).ok_or_else(|| error("the index must be between 1 and the count"))
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard (from 1) of `count` that owns `full_name`.
pub fn shard_of(full_name: &str, count: u32) -> u32 {
    let digest = Sha256::digest(full_name.to_lowercase().as_bytes());
    let mut key_bytes = [0u8; 8];
    key_bytes.copy_from_slice(&digest[..8]);
    jump_consistent_hash(u64::from_be_bytes(key_bytes), count) + 1
}

/// Lamping and Veach's jump consistent hash: a bucket in `0..buckets`.
fn jump_consistent_hash(mut key: u64, buckets: u32) -> u32 {
    let mut bucket: i64 = -1;
    let mut next: i64 = 0;
    while next < i64::from(buckets) {
        bucket = next;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        let divisor = ((key >> 33) + 1) as f64;
        next = ((bucket + 1) as f64 * ((1u64 << 31) as f64 / divisor)) as i64;
    }
    bucket.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_based_shards() {
        assert_eq!("2/4".parse::<Shard>().unwrap(), Shard::new(2, 4).unwrap());
        assert_eq!(" 1 / 1 ".parse::<Shard>().unwrap().to_string(), "1/1");
        for bad in ["0/4", "5/4", "1/0", "a/2", "2", "1/b", "-1/3"] {
            let error = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(error.contains(&format!("`{bad}`")), "{error}");
        }
    }

    #[test]
    fn an_indexed_job_counts_from_zero() {
        let shard = Shard::resolve(None, Some("0"), None, Some("3")).unwrap();
        assert_eq!(shard, Shard::new(1, 3));
        let shard = Shard::resolve(None, Some("2"), Some(3), Some("9")).unwrap();
        assert_eq!(
            shard,
            Shard::new(3, 3),
            "the flag wins over the environment"
        );
    }

    #[test]
    fn the_shard_flag_wins_over_the_completion_index() {
        let flag = Shard::new(2, 2);
        assert_eq!(
            Shard::resolve(flag, Some("0"), None, Some("5")).unwrap(),
            flag
        );
        assert_eq!(Shard::resolve(None, None, Some(4), None).unwrap(), None);
    }

    #[test]
    fn an_indexed_job_without_a_count_or_out_of_range_is_an_error() {
        let missing = Shard::resolve(None, Some("1"), None, None).unwrap_err();
        assert!(
            missing.to_string().contains("UPKEEP_SHARD_COUNT"),
            "{missing}"
        );
        let beyond = Shard::resolve(None, Some("3"), Some(3), None).unwrap_err();
        assert!(
            beyond.to_string().contains("not below the count 3"),
            "{beyond}"
        );
        let garbage = Shard::resolve(None, Some("1"), None, Some("many")).unwrap_err();
        assert!(garbage.to_string().contains("`many`"), "{garbage}");
    }

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(shard_of("Acme/Widget", 7), shard_of("acme/widget", 7));
    }

    #[test]
    fn growing_the_count_moves_few_repositories() {
        let names: Vec<String> = (0..2000).map(|i| format!("org/repo-{i}")).collect();
        let moved = names
            .iter()
            .filter(|name| shard_of(name, 4) != shard_of(name, 5))
            .count();
        // Ideal is 1/5 of them (400); a modulo hash would move about 4/5.
        assert!(moved < 520, "{moved} of 2000 moved");
    }
}
