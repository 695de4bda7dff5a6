//! Plumbing on the bare repositories behind the fake's repositories: refs, trees,
//! blobs and commits, all with the `git` CLI and never a working tree.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A bare repository on disk.
#[derive(Clone, Debug)]
pub(crate) struct Bare {
    pub(crate) dir: PathBuf,
}

/// Who made a commit: name, email, Unix time.
#[derive(Clone, Debug)]
pub(crate) struct Signature {
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) time: u64,
}

/// A commit object read back.
#[derive(Clone, Debug)]
pub(crate) struct CommitInfo {
    pub(crate) tree: String,
    pub(crate) parents: Vec<String>,
    pub(crate) author: Signature,
    pub(crate) committer: Signature,
    pub(crate) message: String,
}

/// One entry of a tree listing.
#[derive(Clone, Debug)]
pub(crate) struct TreeEntry {
    pub(crate) mode: String,
    pub(crate) kind: String,
    pub(crate) sha: String,
    pub(crate) size: Option<u64>,
    pub(crate) path: String,
}

/// A change for [`Bare::write_tree`]: put a blob (by content or id) or delete a path.
pub(crate) enum TreeChange {
    Blob {
        path: String,
        mode: String,
        sha: String,
    },
    Delete {
        path: String,
    },
}

impl Bare {
    /// `git init --bare` with `default_branch` as HEAD.
    pub(crate) fn init(dir: &Path, default_branch: &str) -> Bare {
        std::fs::create_dir_all(dir).expect("repository directory");
        let bare = Bare {
            dir: dir.to_path_buf(),
        };
        bare.ok(&[
            "init",
            "--quiet",
            "--bare",
            &format!("--initial-branch={default_branch}"),
        ]);
        bare.ok(&["config", "http.receivepack", "true"]);
        bare
    }

    fn git(&self) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("--git-dir")
            .arg(&self.dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null());
        cmd
    }

    fn output(&self, args: &[&str], input: Option<&[u8]>, env: &[(&str, String)]) -> Output {
        let mut cmd = self.git();
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        match input {
            None => cmd.output().expect("git"),
            Some(bytes) => {
                let mut child = cmd
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("git");
                child
                    .stdin
                    .take()
                    .expect("stdin")
                    .write_all(bytes)
                    .expect("git stdin");
                child.wait_with_output().expect("git")
            }
        }
    }

    /// Runs git and returns trimmed stdout; panics on failure.
    fn ok(&self, args: &[&str]) -> String {
        self.ok_with(args, None, &[])
    }

    fn ok_with(&self, args: &[&str], input: Option<&[u8]>, env: &[(&str, String)]) -> String {
        let out = self.output(args, input, env);
        assert!(
            out.status.success(),
            "git {args:?} in {} failed: {}",
            self.dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// Runs git; `None` when it fails.
    fn try_ok(&self, args: &[&str]) -> Option<String> {
        let out = self.output(args, None, &[]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_string())
    }

    /// All refs as (full name, object id, object type), sorted by name.
    pub(crate) fn refs(&self, prefix: &str) -> Vec<(String, String, String)> {
        let out = self.ok(&[
            "for-each-ref",
            "--format=%(refname) %(objectname) %(objecttype)",
            prefix,
        ]);
        out.lines()
            .filter_map(|l| {
                let mut p = l.split(' ');
                Some((
                    p.next()?.to_string(),
                    p.next()?.to_string(),
                    p.next()?.to_string(),
                ))
            })
            .collect()
    }

    /// The object id of a full ref name, if it exists.
    pub(crate) fn ref_sha(&self, full: &str) -> Option<String> {
        self.try_ok(&["rev-parse", "--verify", "--quiet", full])
            .filter(|s| !s.is_empty())
    }

    /// Resolves a revision (branch, tag, sha) to a commit id.
    pub(crate) fn resolve_commit(&self, rev: &str) -> Option<String> {
        if rev.starts_with('-') {
            return None;
        }
        self.try_ok(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ])
        .filter(|s| !s.is_empty())
    }

    /// The type of an object (`commit`, `tree`, `blob`, `tag`), if it exists.
    pub(crate) fn object_type(&self, sha: &str) -> Option<String> {
        if sha.starts_with('-') {
            return None;
        }
        self.try_ok(&["cat-file", "-t", sha])
    }

    /// Sets `full` to `new`; with `old`, only if it still points there.
    pub(crate) fn update_ref(&self, full: &str, new: &str, old: Option<&str>) -> bool {
        let mut args = vec!["update-ref", full, new];
        if let Some(old) = old {
            args.push(old);
        }
        self.try_ok(&args).is_some()
    }

    /// Deletes a ref.
    pub(crate) fn delete_ref(&self, full: &str) -> bool {
        self.try_ok(&["update-ref", "-d", full]).is_some()
    }

    /// Whether `ancestor` is an ancestor of (or equal to) `descendant`.
    pub(crate) fn is_ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        self.try_ok(&["merge-base", "--is-ancestor", ancestor, descendant])
            .is_some()
    }

    /// The blob at `path` in `rev`: (blob id, content).
    pub(crate) fn read_file(&self, rev: &str, path: &str) -> Option<(String, Vec<u8>)> {
        let spec = format!("{rev}:{path}");
        if self.try_ok(&["cat-file", "-t", &spec])?.as_str() != "blob" {
            return None;
        }
        let sha = self.try_ok(&["rev-parse", &spec])?;
        let out = self.output(&["cat-file", "blob", &sha], None, &[]);
        out.status.success().then_some((sha, out.stdout))
    }

    /// The entries of the tree at `path` in `rev` (`""` for the root), or `None` when it
    /// is not a tree.
    pub(crate) fn list_dir(&self, rev: &str, path: &str) -> Option<Vec<TreeEntry>> {
        let spec = if path.is_empty() {
            format!("{rev}^{{tree}}")
        } else {
            format!("{rev}:{path}")
        };
        if self.try_ok(&["cat-file", "-t", &spec])?.as_str() != "tree" {
            return None;
        }
        Some(self.ls_tree(&spec, false, path))
    }

    /// `git ls-tree -l` of a tree-ish; paths prefixed with `prefix/`.
    pub(crate) fn ls_tree(&self, treeish: &str, recursive: bool, prefix: &str) -> Vec<TreeEntry> {
        let mut args = vec!["ls-tree", "-l", "-z"];
        if recursive {
            args.push("-r");
            args.push("-t");
        }
        args.push(treeish);
        let out = self.ok(&args);
        out.split('\0')
            .filter(|l| !l.is_empty())
            .filter_map(|l| {
                let (meta, name) = l.split_once('\t')?;
                let mut m = meta.split_whitespace();
                let (mode, kind, sha, size) = (m.next()?, m.next()?, m.next()?, m.next()?);
                Some(TreeEntry {
                    mode: mode.to_string(),
                    kind: kind.to_string(),
                    sha: sha.to_string(),
                    size: size.parse().ok(),
                    path: if prefix.is_empty() {
                        name.to_string()
                    } else {
                        format!("{prefix}/{name}")
                    },
                })
            })
            .collect()
    }

    /// Stores a blob; returns its id.
    pub(crate) fn write_blob(&self, content: &[u8]) -> String {
        self.ok_with(&["hash-object", "-w", "--stdin"], Some(content), &[])
    }

    /// A new tree: `base` (a tree-ish, or none) with `changes` applied.
    pub(crate) fn write_tree(
        &self,
        base: Option<&str>,
        changes: &[TreeChange],
    ) -> Result<String, String> {
        let index = tempfile::NamedTempFile::new().expect("temp index");
        let env = [("GIT_INDEX_FILE", index.path().display().to_string())];
        // An empty file is not a valid index; let git create it.
        std::fs::remove_file(index.path()).ok();
        match base {
            Some(base) => {
                let out = self.output(&["read-tree", base], None, &env);
                if !out.status.success() {
                    return Err(format!("base_tree {base} is not a tree"));
                }
            }
            None => {
                self.ok_with(&["read-tree", "--empty"], None, &env);
            }
        }
        let mut input = String::new();
        for change in changes {
            match change {
                TreeChange::Blob { path, mode, sha } => {
                    input.push_str(&format!("{mode} {sha}\t{path}\n"));
                }
                TreeChange::Delete { path } => {
                    input.push_str(&format!("0 {}\t{path}\n", "0".repeat(40)));
                }
            }
        }
        let out = self.output(
            &["update-index", "--index-info"],
            Some(input.as_bytes()),
            &env,
        );
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(self.ok_with(&["write-tree"], None, &env))
    }

    /// A new commit object.
    pub(crate) fn commit_tree(
        &self,
        tree: &str,
        parents: &[String],
        message: &str,
        author: &Signature,
        committer: &Signature,
    ) -> String {
        let mut args = vec!["commit-tree".to_string(), tree.to_string()];
        for p in parents {
            args.push("-p".to_string());
            args.push(p.clone());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env = [
            ("GIT_AUTHOR_NAME", author.name.clone()),
            ("GIT_AUTHOR_EMAIL", author.email.clone()),
            ("GIT_AUTHOR_DATE", format!("@{} +0000", author.time)),
            ("GIT_COMMITTER_NAME", committer.name.clone()),
            ("GIT_COMMITTER_EMAIL", committer.email.clone()),
            ("GIT_COMMITTER_DATE", format!("@{} +0000", committer.time)),
        ];
        self.ok_with(&args, Some(message.as_bytes()), &env)
    }

    /// Commits `files` (path, content or `None` to delete) on top of `branch` (created
    /// if missing) and moves the branch; returns the commit id.
    pub(crate) fn commit_files(
        &self,
        branch: &str,
        files: &[(&str, Option<&[u8]>)],
        message: &str,
        who: &Signature,
    ) -> String {
        let full = format!("refs/heads/{branch}");
        let parent = self.ref_sha(&full);
        let changes: Vec<TreeChange> = files
            .iter()
            .map(|(path, content)| match content {
                Some(bytes) => TreeChange::Blob {
                    path: path.to_string(),
                    mode: "100644".to_string(),
                    sha: self.write_blob(bytes),
                },
                None => TreeChange::Delete {
                    path: path.to_string(),
                },
            })
            .collect();
        let tree = self
            .write_tree(parent.as_deref(), &changes)
            .expect("tree for commit_files");
        let parents: Vec<String> = parent.iter().cloned().collect();
        let commit = self.commit_tree(&tree, &parents, message, who, who);
        assert!(
            self.update_ref(&full, &commit, parent.as_deref()),
            "update {full}"
        );
        commit
    }

    /// Reads a commit object.
    pub(crate) fn commit_info(&self, sha: &str) -> Option<CommitInfo> {
        if self.object_type(sha)?.as_str() != "commit" {
            return None;
        }
        let raw = self.try_ok(&["cat-file", "commit", sha])?;
        let (head, message) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
        let mut info = CommitInfo {
            tree: String::new(),
            parents: Vec::new(),
            author: parse_signature(""),
            committer: parse_signature(""),
            message: message.to_string(),
        };
        for line in head.lines() {
            match line.split_once(' ') {
                Some(("tree", t)) => info.tree = t.to_string(),
                Some(("parent", p)) => info.parents.push(p.to_string()),
                Some(("author", a)) => info.author = parse_signature(a),
                Some(("committer", c)) => info.committer = parse_signature(c),
                _ => {}
            }
        }
        Some(info)
    }

    /// Merges `theirs` into `ours` without a working tree: the merged tree, or `Err`
    /// on conflicts.
    pub(crate) fn merge_tree(&self, ours: &str, theirs: &str) -> Result<String, String> {
        let out = self.output(
            &["merge-tree", "--write-tree", "--no-messages", ours, theirs],
            None,
            &[],
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if out.status.success() {
            Ok(text.lines().next().unwrap_or_default().to_string())
        } else {
            Err(format!("merge conflict: {}", text.trim()))
        }
    }

    /// Cherry-picks `commit` onto `onto` without a working tree: the new tree.
    pub(crate) fn pick_tree(
        &self,
        onto: &str,
        commit: &str,
        parent: &str,
    ) -> Result<String, String> {
        let base = format!("--merge-base={parent}");
        let out = self.output(
            &[
                "merge-tree",
                "--write-tree",
                "--no-messages",
                &base,
                onto,
                commit,
            ],
            None,
            &[],
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if out.status.success() {
            Ok(text.lines().next().unwrap_or_default().to_string())
        } else {
            Err(format!("conflict picking {commit}"))
        }
    }

    /// Commits reachable from `head` but not from `base`, oldest first.
    pub(crate) fn commits_between(&self, base: &str, head: &str) -> Vec<String> {
        let out = self.ok(&[
            "rev-list",
            "--reverse",
            "--topo-order",
            &format!("{base}..{head}"),
        ]);
        out.lines().map(str::to_string).collect()
    }

    /// (additions, deletions, changed files) between two commits.
    pub(crate) fn diff_stat(&self, base: &str, head: &str) -> (u64, u64, u64) {
        let Some(out) = self.try_ok(&["diff", "--numstat", base, head]) else {
            return (0, 0, 0);
        };
        let (mut add, mut del, mut files) = (0, 0, 0);
        for line in out.lines() {
            let mut p = line.split('\t');
            add += p.next().and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
            del += p.next().and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
            files += 1;
        }
        (add, del, files)
    }
}

fn parse_signature(text: &str) -> Signature {
    // `Name <email> 1700000000 +0000`
    let (name, rest) = text.split_once(" <").unwrap_or((text, ""));
    let (email, rest) = rest.split_once("> ").unwrap_or((rest, ""));
    let time = rest
        .split(' ')
        .next()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    Signature {
        name: name.to_string(),
        email: email.to_string(),
        time,
    }
}
