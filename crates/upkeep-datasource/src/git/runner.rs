//! Running git: a small trait so that tests (or a future sandbox) can swap the process
//! runner, and [`GitCli`], the real one.
//!
//! The child gets an argument vector, never a shell line, so nothing in a repository
//! URL is ever interpreted by a shell. It runs with no standard input, with prompts
//! disabled (`GIT_TERMINAL_PROMPT=0`, an SSH in batch mode), in the C locale so that
//! its error text can be classified, outside any repository (the system temp
//! directory, so a checkout's `.git/config` cannot change what it does), under a
//! timeout after which it is killed.

use std::borrow::Cow;
use std::fmt;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::BoxFuture;

/// Why a git command produced no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitFailure {
    /// git could not be started (not installed, not executable).
    Spawn(String),
    /// git ran longer than the timeout and was killed.
    Timeout(Duration),
    /// git exited unsuccessfully.
    Exit {
        /// The exit status as text.
        status: String,
        /// What git wrote to standard error.
        stderr: String,
    },
}

impl fmt::Display for GitFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GitFailure::Spawn(reason) => write!(f, "could not run git: {reason}"),
            GitFailure::Timeout(timeout) => write!(f, "git timed out after {timeout:?}"),
            GitFailure::Exit { status, stderr } => {
                write!(f, "git failed ({status}): {}", stderr.trim())
            }
        }
    }
}

/// Runs git with an argument vector and returns its standard output.
pub trait GitRunner: Send + Sync + fmt::Debug {
    /// Runs `git <args…>`.
    fn run<'a>(&'a self, args: &'a [&'a str]) -> BoxFuture<'a, Result<String, GitFailure>>;
}

/// The git CLI as a child process.
#[derive(Debug, Clone)]
pub struct GitCli {
    program: Cow<'static, str>,
    timeout: Duration,
}

impl GitCli {
    /// `git` from `PATH`, killed after 60 seconds (a large repository's tags over a
    /// slow link take seconds; a hung connection must not hold the run).
    pub const DEFAULT: GitCli = GitCli {
        program: Cow::Borrowed("git"),
        timeout: Duration::from_secs(60),
    };

    /// Another program (a path to git) and timeout.
    pub fn new(program: impl Into<String>, timeout: Duration) -> Self {
        Self {
            program: Cow::Owned(program.into()),
            timeout,
        }
    }
}

impl GitRunner for GitCli {
    fn run<'a>(&'a self, args: &'a [&'a str]) -> BoxFuture<'a, Result<String, GitFailure>> {
        Box::pin(async move {
            let mut command = Command::new(self.program.as_ref());
            command
                .args(args)
                .current_dir(std::env::temp_dir())
                .env("GIT_TERMINAL_PROMPT", "0")
                .env("GCM_INTERACTIVE", "never")
                .env("LC_ALL", "C")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true);
            if std::env::var_os("GIT_SSH_COMMAND").is_none() {
                command.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
            }
            let child = command
                .spawn()
                .map_err(|error| GitFailure::Spawn(format!("`{}`: {error}", self.program)))?;
            let output = tokio::time::timeout(self.timeout, child.wait_with_output())
                .await
                .map_err(|_| GitFailure::Timeout(self.timeout))?
                .map_err(|error| GitFailure::Spawn(error.to_string()))?;
            if output.status.success() {
                Ok(String::from_utf8_lossy(&output.stdout).into_owned())
            } else {
                Err(GitFailure::Exit {
                    status: output.status.to_string(),
                    stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                })
            }
        })
    }
}
