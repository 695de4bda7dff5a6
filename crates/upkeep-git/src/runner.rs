//! The git runner: every git process upkeep starts goes through [`Git`].
//!
//! A [`Git`] holds the fixed context of a run — the author, the timeout, whether local
//! remotes are allowed, and the credential — and starts `git` with an argument vector
//! (never a shell) in an environment that does not depend on the machine:
//!
//! - inherited `GIT_*` variables are dropped (they could redirect the repository, the
//!   index or the config), except the SSH ones a laptop user may rely on;
//!   `GIT_CONFIG_NOSYSTEM=1` and `GIT_CONFIG_GLOBAL=/dev/null` keep the system and user
//!   config out; `GIT_TERMINAL_PROMPT=0` and an empty `core.askPass` make a missing
//!   credential an error instead of a hang; `LC_ALL=C` keeps messages parseable;
//! - `-c` options that no repository can override: hooks never run
//!   (`core.hooksPath=/dev/null`), no fsmonitor command, no `ext::` transport, local
//!   (`file://` and path) remotes only when allowed — a repository's config must not
//!   make upkeep read the server's disk — and no automatic gc;
//! - author and committer from `gitAuthor`.
//!
//! ## Credentials
//!
//! The token never appears in an argument vector, a URL, a file or a log. Only commands
//! that talk to a remote get it, and only in their environment (`UPKEEP_GIT_TOKEN`,
//! `UPKEEP_GIT_USERNAME`). The helper configured on the command line is a fixed string
//! that prints those variables when git asks (`credential.<url>.helper`, so it answers
//! only for the credential's own host; the helper list is reset first so no other helper
//! sees or stores the token). git runs that snippet, not upkeep.
//!
//! ## Timeouts
//!
//! Output is read on two threads; if they have not seen end-of-file when the timeout
//! expires, git is killed and the call fails with [`GitError::TimedOut`].

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::author::GitAuthor;
use crate::error::GitError;
use crate::redact::redact_text;

/// Environment variable through which a child git receives the token.
pub const TOKEN_ENV: &str = "UPKEEP_GIT_TOKEN";
/// Environment variable through which a child git receives the credential's user name.
pub const USERNAME_ENV: &str = "UPKEEP_GIT_USERNAME";

/// The credential helper git runs: a fixed snippet that reads the environment.
const CREDENTIAL_HELPER: &str = "!f() { test \"$1\" = get || return 0; \
printf '%s\\n' \"username=${UPKEEP_GIT_USERNAME}\" \"password=${UPKEEP_GIT_TOKEN}\"; }; f";

/// Inherited `GIT_*` variables that are kept: how to reach SSH remotes.
const KEPT_GIT_ENV: &[&str] = &[
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_SSH_VARIANT",
    "GIT_EXEC_PATH",
];

/// Default time a single git command may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// An HTTPS credential for one host: GitHub tokens use the user name
/// `x-access-token`.
#[derive(Clone)]
pub struct GitCredential {
    url: String,
    username: String,
    token: SecretString,
}

impl GitCredential {
    /// A credential for remotes under `url` (`https://github.com`, or an Enterprise
    /// host), sent with `username`.
    pub fn new(url: impl Into<String>, username: impl Into<String>, token: SecretString) -> Self {
        GitCredential {
            url: url.into().trim_end_matches('/').to_owned(),
            username: username.into(),
            token,
        }
    }

    /// A GitHub token (App installation token or personal access token) for `url`.
    pub fn github(url: impl Into<String>, token: SecretString) -> Self {
        GitCredential::new(url, "x-access-token", token)
    }

    /// The URL the credential is scoped to.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Debug for GitCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitCredential")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("token", &"***")
            .finish()
    }
}

/// The result of a git command that ran to the end.
#[derive(Debug)]
pub struct GitOutput {
    /// The exit status.
    pub status: ExitStatus,
    /// Everything git wrote to stdout.
    pub stdout: Vec<u8>,
    /// git's stderr, redacted.
    pub stderr: String,
}

impl GitOutput {
    /// stdout as text, trimmed of the final newline.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout)
            .trim_end_matches('\n')
            .to_owned()
    }
}

/// Runs git with upkeep's fixed environment; cheap to clone.
#[derive(Clone, Debug)]
pub struct Git {
    program: PathBuf,
    author: GitAuthor,
    timeout: Duration,
    allow_local_remotes: bool,
    credential: Option<GitCredential>,
    extra_env: Vec<(OsString, OsString)>,
}

/// One git invocation, described before it runs.
#[derive(Debug, Default)]
pub(crate) struct Invocation<'a> {
    /// Arguments after `git` and the `-c` options.
    pub args: Vec<OsString>,
    /// Working directory; `None` runs in the system temp directory, outside any
    /// repository.
    pub dir: Option<&'a Path>,
    /// How errors name the repository.
    pub repository: &'a str,
    /// Bytes written to git's stdin.
    pub stdin: Option<Vec<u8>>,
    /// Extra variables for this invocation (`GIT_INDEX_FILE`).
    pub env: Vec<(OsString, OsString)>,
    /// Whether git talks to a remote and may need the credential.
    pub network: bool,
}

impl<'a> Invocation<'a> {
    /// An invocation of `args` in `dir`, naming `repository` in errors.
    pub fn new<I, S>(dir: Option<&'a Path>, repository: &'a str, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Invocation {
            args: args.into_iter().map(|a| a.as_ref().to_owned()).collect(),
            dir,
            repository,
            ..Invocation::default()
        }
    }

    /// Marks the invocation as one that contacts a remote.
    pub fn network(mut self) -> Self {
        self.network = true;
        self
    }

    /// Feeds `bytes` to git's stdin.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Adds an environment variable for this invocation only.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }
}

impl Git {
    /// A runner committing as `author`, with the default timeout, no credential and
    /// local remotes refused.
    pub fn new(author: GitAuthor) -> Self {
        Git {
            program: PathBuf::from("git"),
            author,
            timeout: DEFAULT_TIMEOUT,
            allow_local_remotes: false,
            credential: None,
            extra_env: Vec::new(),
        }
    }

    /// Uses another git executable.
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }

    /// Limits the time one git command may take.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Allows `file://` URLs and plain paths as remotes (tests, `--platform local`).
    pub fn allow_local_remotes(mut self, allow: bool) -> Self {
        self.allow_local_remotes = allow;
        self
    }

    /// Supplies a credential to commands that contact its host.
    pub fn with_credential(mut self, credential: GitCredential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Adds a variable to every child's environment (diagnostics such as
    /// `GIT_TRACE`); it is applied after upkeep's own, so use with care.
    pub fn with_env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.extra_env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// The identity commits are made with.
    pub fn author(&self) -> &GitAuthor {
        &self.author
    }

    /// Runs `git ARGS` in `dir` and returns its output whatever the exit status.
    /// An escape hatch for callers; the arguments are an argument vector, never a shell.
    pub fn output<I, S>(&self, dir: &Path, args: I) -> Result<GitOutput, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let repository = dir.display().to_string();
        self.execute(Invocation::new(Some(dir), &repository, args))
    }

    /// Runs the invocation and fails unless git exits with success.
    pub(crate) fn run(&self, invocation: Invocation<'_>) -> Result<GitOutput, GitError> {
        let command = self.describe(&invocation.args);
        let repository = invocation.repository.to_owned();
        let output = self.execute(invocation)?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(GitError::Failed {
                command,
                repository,
                status: output.status.to_string(),
                stderr: output.stderr.trim().to_owned(),
            })
        }
    }

    /// Runs the invocation; a non-zero exit is returned, not an error.
    pub(crate) fn execute(&self, invocation: Invocation<'_>) -> Result<GitOutput, GitError> {
        let mut command = self.command(&invocation);
        let started = Instant::now();
        let mut child = command.spawn().map_err(|source| GitError::Spawn {
            program: self.program.display().to_string(),
            source,
        })?;
        if let Some(bytes) = invocation.stdin {
            let mut stdin = child.stdin.take().expect("stdin is piped");
            // A writer thread: git may fill its stdout pipe before reading all of stdin.
            std::thread::spawn(move || {
                let _ = stdin.write_all(&bytes);
            });
        }
        let captured = match crate::process::wait_with_timeout(&mut child, started, self.timeout) {
            Ok(captured) => captured,
            Err(crate::process::WaitError::TimedOut) => {
                return Err(GitError::TimedOut {
                    command: self.describe(&invocation.args),
                    repository: invocation.repository.to_owned(),
                    after: self.timeout,
                });
            }
            Err(crate::process::WaitError::Wait(source)) => {
                return Err(GitError::Spawn {
                    program: self.program.display().to_string(),
                    source,
                });
            }
        };
        let (status, out, err) = (captured.status, captured.stdout, captured.stderr);
        Ok(GitOutput {
            status,
            stdout: out,
            stderr: self.redact(&String::from_utf8_lossy(&err)),
        })
    }

    /// Redacts credentials and the token from text that came from git.
    pub(crate) fn redact(&self, text: &str) -> String {
        match &self.credential {
            Some(credential) => redact_text(text, &[credential.token.expose_secret()]),
            None => redact_text(text, &[]),
        }
    }

    /// The command for errors: the arguments, each redacted, joined by spaces.
    fn describe(&self, args: &[OsString]) -> String {
        let joined: Vec<String> = args
            .iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        self.redact(&joined.join(" "))
    }

    fn command(&self, invocation: &Invocation<'_>) -> Command {
        let mut command = Command::new(&self.program);
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            let drop = (name.starts_with("GIT_") && !KEPT_GIT_ENV.contains(&name.as_ref()))
                || name == "SSH_ASKPASS"
                || name == TOKEN_ENV
                || name == USERNAME_ENV;
            if drop {
                command.env_remove(&key);
            }
        }
        command
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("LC_ALL", "C")
            .env("GIT_AUTHOR_NAME", self.author.name())
            .env("GIT_AUTHOR_EMAIL", self.author.email())
            .env("GIT_COMMITTER_NAME", self.author.name())
            .env("GIT_COMMITTER_EMAIL", self.author.email());
        let file_allow = if self.allow_local_remotes {
            "always"
        } else {
            "never"
        };
        let mut config = vec![
            "core.hooksPath=/dev/null".to_owned(),
            "core.fsmonitor=false".to_owned(),
            "core.askPass=".to_owned(),
            "credential.interactive=false".to_owned(),
            "protocol.ext.allow=never".to_owned(),
            format!("protocol.file.allow={file_allow}"),
            "gc.auto=0".to_owned(),
            "maintenance.auto=false".to_owned(),
            "commit.gpgSign=false".to_owned(),
            // An empty value resets the helper list: no configured helper sees a token.
            "credential.helper=".to_owned(),
        ];
        if invocation.network
            && let Some(credential) = &self.credential
        {
            config.push(format!(
                "credential.{}.helper={CREDENTIAL_HELPER}",
                credential.url
            ));
            command
                .env(USERNAME_ENV, &credential.username)
                .env(TOKEN_ENV, credential.token.expose_secret());
        }
        for option in config {
            command.arg("-c").arg(option);
        }
        command.args(&invocation.args);
        for (key, value) in self.extra_env.iter().chain(&invocation.env) {
            command.env(key, value);
        }
        command.current_dir(
            invocation
                .dir
                .map_or_else(std::env::temp_dir, Path::to_path_buf),
        );
        command
            .stdin(if invocation.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git_with_token(token: &str) -> Git {
        Git::new(GitAuthor::parse("upkeep <bot@upkeep.test>").unwrap()).with_credential(
            GitCredential::github("https://git.example.test", SecretString::from(token)),
        )
    }

    fn credential_fill(git: &Git, host: &str) -> GitOutput {
        let request = format!("protocol=https\nhost={host}\npath=o/r.git\n\n");
        let invocation = Invocation::new(None, "test", ["credential", "fill"])
            .network()
            .stdin(request);
        git.execute(invocation).unwrap()
    }

    #[test]
    fn credential_helper_answers_with_the_token_from_the_environment() {
        let git = git_with_token("tok-123 with $pecial \\n chars");
        let output = credential_fill(&git, "git.example.test");
        assert!(output.status.success(), "{}", output.stderr);
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.contains("username=x-access-token\n"), "{text}");
        assert!(
            text.contains("password=tok-123 with $pecial \\n chars\n"),
            "{text}"
        );
    }

    #[test]
    fn credential_helper_stays_silent_for_other_hosts() {
        let git = git_with_token("tok-123");
        let output = credential_fill(&git, "elsewhere.example.test");
        // No helper answers and prompting is off, so git gives up without the token.
        assert!(!output.status.success());
        assert!(!String::from_utf8_lossy(&output.stdout).contains("tok-123"));
    }

    #[test]
    fn commands_without_network_get_no_credential() {
        let git = git_with_token("tok-123");
        let request = "protocol=https\nhost=git.example.test\n\n";
        let invocation = Invocation::new(None, "test", ["credential", "fill"]).stdin(request);
        let output = git.execute(invocation).unwrap();
        assert!(!String::from_utf8_lossy(&output.stdout).contains("tok-123"));
    }

    #[test]
    fn errors_never_show_the_token() {
        let git = git_with_token("tok-123");
        let error = git
            .run(Invocation::new(None, "test", ["tok-123-is-not-a-command"]))
            .unwrap_err();
        assert!(!error.to_string().contains("tok-123"), "{error}");
    }

    #[test]
    fn debug_output_hides_the_token() {
        let git = git_with_token("tok-123");
        assert!(!format!("{git:?}").contains("tok-123"));
    }

    #[test]
    fn slow_git_is_killed_after_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("slow-git");
        std::fs::write(&script, "#!/bin/sh\nsleep 5\n").unwrap();
        let mut permissions = std::fs::metadata(&script).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&script, permissions).unwrap();
        let git = Git::new(GitAuthor::parse("u <u@x.test>").unwrap())
            .with_program(&script)
            .with_timeout(Duration::from_millis(200));
        let started = Instant::now();
        let error = git
            .run(Invocation::new(None, "slow", ["status"]))
            .unwrap_err();
        assert!(matches!(error, GitError::TimedOut { .. }), "{error}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
