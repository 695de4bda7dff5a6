//! Which files a repository has, and reading them with a size cap.
//!
//! Inside a git checkout git's own file list is used (tracked files plus untracked ones that
//! are not ignored), so `.gitignore` is honoured for free and nothing is walked twice.
//! Elsewhere a directory walk skips `.git`, `node_modules`, `target` and `vendor`.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use upkeep_manager::FileSource;

/// Directory names never descended into by the walk.
const SKIPPED_DIRECTORIES: &[&str] = &[".git", "node_modules", "target", "vendor"];

/// Every file under `root`, as sorted `/`-separated relative paths.
pub fn list_files(root: &Path) -> io::Result<Vec<String>> {
    let mut paths = match git_files(root) {
        Some(paths) => paths,
        None => {
            let mut paths = Vec::new();
            walk(root, "", &mut paths)?;
            paths
        }
    };
    paths.sort_unstable();
    paths.dedup();
    Ok(paths)
}

/// git's file list when `root` is the top of a git work tree, else `None`.
fn git_files(root: &Path) -> Option<Vec<String>> {
    if !root.join(".git").exists() {
        return None;
    }
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let paths = output
        .stdout
        .split(|byte| *byte == 0)
        .filter(|path| !path.is_empty())
        .filter_map(|path| std::str::from_utf8(path).ok())
        // git lists tracked files that were deleted in the work tree too
        .filter(|path| root.join(path).is_file())
        .filter(|path| {
            !path
                .split('/')
                .any(|part| SKIPPED_DIRECTORIES.contains(&part))
        })
        .map(str::to_owned)
        .collect();
    Some(paths)
}

fn walk(root: &Path, relative: &str, paths: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(root.join(relative))? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let path = if relative.is_empty() {
            name.clone()
        } else {
            format!("{relative}/{name}")
        };
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if !SKIPPED_DIRECTORIES.contains(&name.as_str()) {
                walk(root, &path, paths)?;
            }
        } else if file_type.is_file() {
            paths.push(path);
        }
    }
    Ok(())
}

/// Files of a checkout on disk.
#[derive(Debug, Clone)]
pub struct DiskFiles {
    root: PathBuf,
}

impl DiskFiles {
    /// Files under `root`.
    pub fn new(root: impl Into<PathBuf>) -> DiskFiles {
        DiskFiles { root: root.into() }
    }
}

impl FileSource for DiskFiles {
    fn read(&self, path: &str, limit: u64) -> io::Result<Option<Vec<u8>>> {
        let file = match fs::File::open(self.root.join(path)) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        let size = file.metadata()?.len();
        if size > limit {
            return Err(upkeep_manager::extract::too_large(limit));
        }
        let mut content = Vec::with_capacity(size as usize);
        // `take` guards against a file that grows while it is read
        file.take(limit + 1).read_to_end(&mut content)?;
        if content.len() as u64 > limit {
            return Err(upkeep_manager::extract::too_large(limit));
        }
        Ok(Some(content))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_skips_vendored_and_build_directories() {
        let root = tempfile::tempdir().unwrap();
        for path in [
            "Cargo.toml",
            "a/package.json",
            "node_modules/x/package.json",
            "target/debug/Cargo.toml",
            "vendor/y/Cargo.toml",
        ] {
            let full = root.path().join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, "").unwrap();
        }
        assert_eq!(
            list_files(root.path()).unwrap(),
            vec!["Cargo.toml", "a/package.json"]
        );
    }

    #[test]
    fn reading_refuses_files_over_the_limit() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("big"), vec![b'x'; 100]).unwrap();
        let files = DiskFiles::new(root.path());
        let error = files.read("big", 10).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(files.read("big", 100).unwrap().unwrap().len(), 100);
        assert!(files.read("missing", 100).unwrap().is_none());
    }
}
