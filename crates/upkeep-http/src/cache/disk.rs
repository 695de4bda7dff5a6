//! The disk backend: one file per entry in a directory, which workers on one machine
//! (or on a shared volume) may share.
//!
//! Writes go to a temporary file in the same directory, then `rename` over the entry,
//! which is atomic on POSIX file systems: concurrent workers see either the old or the
//! new entry, never half of one. Last writer wins, which is fine for entries that both
//! describe the same resource. Entries are never deleted here: the directory is the
//! operator's (an `emptyDir` in Kubernetes dies with the pod).

use std::path::PathBuf;

use super::CacheFailure;

/// A cache directory.
#[derive(Debug, Clone)]
pub(crate) struct DiskCache {
    directory: PathBuf,
}

impl DiskCache {
    /// Creates the directory if needed.
    pub(crate) fn open(directory: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&directory)?;
        Ok(Self { directory })
    }

    /// What the warnings call this cache.
    pub(crate) fn describe(&self) -> String {
        format!("directory `{}`", self.directory.display())
    }

    fn path(&self, id: &str) -> PathBuf {
        self.directory.join(format!("{id}.entry"))
    }

    /// The bytes stored under `id`; `None` when there is no such entry.
    pub(crate) async fn get(&self, id: &str) -> Result<Option<Vec<u8>>, CacheFailure> {
        match tokio::fs::read(self.path(id)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(CacheFailure(format!("cannot read an entry: {error}"))),
        }
    }

    /// Stores `bytes` under `id`, atomically.
    pub(crate) async fn set(&self, id: &str, bytes: Vec<u8>) -> Result<(), CacheFailure> {
        let directory = self.directory.clone();
        let path = self.path(id);
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write as _;
            let mut file = tempfile::NamedTempFile::new_in(&directory)?;
            file.write_all(&bytes)?;
            file.persist(&path).map_err(|error| error.error)?;
            Ok(())
        })
        .await;
        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(CacheFailure(format!("cannot write an entry: {error}"))),
            Err(error) => Err(CacheFailure(format!("the writer task failed: {error}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_round_trip_and_missing_ones_are_none() {
        let directory = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(directory.path().join("nested")).unwrap();
        assert_eq!(cache.get("abc").await.unwrap(), None);
        cache.set("abc", b"bytes".to_vec()).await.unwrap();
        assert_eq!(cache.get("abc").await.unwrap(), Some(b"bytes".to_vec()));
        cache.set("abc", b"newer".to_vec()).await.unwrap();
        assert_eq!(cache.get("abc").await.unwrap(), Some(b"newer".to_vec()));
    }

    #[tokio::test]
    async fn a_vanished_directory_is_a_failure_not_a_miss() {
        let directory = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(directory.path().join("gone")).unwrap();
        std::fs::remove_dir(directory.path().join("gone")).unwrap();
        let failure = cache.set("abc", b"bytes".to_vec()).await.unwrap_err();
        assert!(failure.0.contains("cannot write"), "{failure:?}");
    }
}
