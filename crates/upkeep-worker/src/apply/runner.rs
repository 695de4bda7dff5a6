//! Running a lock file tool: an argument vector (never a shell), a working directory, a
//! timeout, a clean environment, and stderr captured and redacted.
//!
//! The environment is the process's own minus upkeep's secrets (`UPKEEP_*`,
//! `RENOVATE_*`, `GITHUB_TOKEN`, `GH_TOKEN`, `GITHUB_*_TOKEN`), plus fixed settings that
//! keep tools quiet, non-interactive and from running anything of the repository's, plus
//! [`Tools::env`]. Registries, `CARGO_HOME` and npm's own variables are inherited: they
//! are how an operator points tools at mirrors.
//!
//! Output is read on two threads; when the timeout expires first, the tool is killed and
//! the invocation fails. Messages keep the last lines of stderr (where tools put the
//! reason), with URL credentials, `_authToken=`-style values and [`Tools::secrets`]
//! replaced by `***`.

use std::ffi::OsStr;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

use regex::Regex;
use secrecy::ExposeSecret;

use super::Tools;

/// How many trailing lines of stderr a message keeps.
const STDERR_TAIL_LINES: usize = 30;

/// Variables set for every tool (before [`Tools::env`], which may override them).
const FIXED_ENV: &[(&str, &str)] = &[
    ("CI", "true"),
    ("NO_COLOR", "1"),
    ("CARGO_TERM_COLOR", "never"),
    ("CARGO_TERM_PROGRESS_WHEN", "never"),
    // `--offline` is never what a refresh wants; an inherited setting must not win.
    ("CARGO_NET_OFFLINE", "false"),
    // `cargo update` runs no build, but it may ask rustc for its version: a
    // repository's `.cargo/config.toml` must not put a wrapper of its own in between.
    ("RUSTC_WRAPPER", ""),
    ("CARGO_BUILD_RUSTC_WRAPPER", ""),
    ("RUSTC_WORKSPACE_WRAPPER", ""),
    ("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER", ""),
    ("npm_config_ignore_scripts", "true"),
    ("npm_config_update_notifier", "false"),
    ("npm_config_audit", "false"),
    ("npm_config_fund", "false"),
    ("npm_config_yes", "false"),
    ("YARN_ENABLE_SCRIPTS", "false"),
    ("YARN_ENABLE_TELEMETRY", "false"),
    ("YARN_ENABLE_GLOBAL_CACHE", "true"),
];

/// What a tool printed when it succeeded.
#[derive(Debug)]
pub struct ToolOutput {
    /// Everything on stdout.
    pub stdout: Vec<u8>,
}

/// Whether an inherited variable is one of upkeep's secrets and must not reach a tool.
pub fn is_secret_variable(name: &str) -> bool {
    name.starts_with("UPKEEP_")
        || name.starts_with("RENOVATE_")
        || name == "GITHUB_TOKEN"
        || name == "GH_TOKEN"
        || name == "GH_ENTERPRISE_TOKEN"
        || (name.starts_with("GITHUB_") && name.ends_with("_TOKEN"))
}

/// Runs `program args…` in `dir` and returns its stdout, or a message naming the
/// command, the exit status and the tail of its redacted stderr.
pub fn run<I, S>(tools: &Tools, program: &Path, args: I, dir: &Path) -> Result<ToolOutput, String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<String> = args
        .into_iter()
        .map(|arg| arg.as_ref().to_string_lossy().into_owned())
        .collect();
    let name = program.file_name().map_or_else(
        || program.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let described = redact(tools, &format!("{name} {}", args.join(" ")));
    let mut command = Command::new(program);
    command.args(&args).current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if is_secret_variable(&key.to_string_lossy()) {
            command.env_remove(&key);
        }
    }
    for (key, value) in FIXED_ENV {
        command.env(key, value);
    }
    for (key, value) in &tools.env {
        command.env(key, value);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot start `{described}`: {error}"))?;
    let captured = match upkeep_git::process::wait_with_timeout(&mut child, started, tools.timeout)
    {
        Ok(captured) => captured,
        Err(upkeep_git::process::WaitError::TimedOut) => {
            return Err(format!(
                "`{described}` did not finish within {} s and was stopped",
                tools.timeout.as_secs()
            ));
        }
        Err(upkeep_git::process::WaitError::Wait(error)) => {
            return Err(format!("`{described}` could not be waited for: {error}"));
        }
    };
    let (status, out, err) = (captured.status, captured.stdout, captured.stderr);
    if status.success() {
        return Ok(ToolOutput { stdout: out });
    }
    let stderr = String::from_utf8_lossy(&err);
    let stderr = if stderr.trim().is_empty() {
        String::from_utf8_lossy(&out).into_owned()
    } else {
        stderr.into_owned()
    };
    Err(format!(
        "`{described}` failed ({status}):\n{}",
        redact(tools, &tail(&stderr, STDERR_TAIL_LINES))
    ))
}

/// The last `lines` non-empty lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    kept[kept.len().saturating_sub(lines)..].join("\n")
}

/// `text` without credentials: URL user-info, `_authToken=`/`_password=`/`token:`-style
/// values, bearer tokens, and every secret of `tools`.
pub fn redact(tools: &Tools, text: &str) -> String {
    static ASSIGNED: OnceLock<Regex> = OnceLock::new();
    let assigned = ASSIGNED.get_or_init(|| {
        Regex::new(
            r#"(?i)(_authtoken|_auth|_password|password|token|authorization:\s*bearer|authorization:\s*basic)(\s*[=:]?\s*)("?)[^\s"',]+"#,
        )
        .expect("valid redaction pattern")
    });
    let secrets: Vec<&str> = tools
        .secrets
        .iter()
        .map(|secret| secret.expose_secret())
        .collect();
    let text = upkeep_git::redact_text(text, &secrets);
    assigned
        .replace_all(&text, |captures: &regex::Captures<'_>| {
            format!("{}{}{}***", &captures[1], &captures[2], &captures[3])
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn tools() -> Tools {
        let mut tools = Tools::from_path();
        tools.secrets = vec![SecretString::from("s3cr3t-value")];
        tools
    }

    #[test]
    fn credentials_in_urls_npmrc_lines_and_known_secrets_are_redacted() {
        let text = "GET https://user:pw@registry.example/x\n\
                    //registry.example/:_authToken=npm_abcdef\n\
                    header Authorization: Bearer eyJhbGci\n\
                    echo s3cr3t-value";
        let redacted = redact(&tools(), text);
        assert!(!redacted.contains("pw@"), "{redacted}");
        assert!(!redacted.contains("npm_abcdef"), "{redacted}");
        assert!(!redacted.contains("eyJhbGci"), "{redacted}");
        assert!(!redacted.contains("s3cr3t-value"), "{redacted}");
        assert!(redacted.contains("_authToken=***"), "{redacted}");
    }

    #[test]
    fn upkeeps_own_secrets_do_not_reach_tools() {
        for name in [
            "UPKEEP_TOKEN",
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "GITHUB_COM_TOKEN",
            "RENOVATE_TOKEN",
        ] {
            assert!(is_secret_variable(name), "{name}");
        }
        for name in [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "npm_config_registry",
            "GITHUB_ACTIONS",
        ] {
            assert!(!is_secret_variable(name), "{name}");
        }
    }

    #[test]
    fn a_failing_tool_reports_its_stderr_tail_and_a_slow_one_is_stopped() {
        let mut tools = tools();
        let sh = Path::new("/bin/sh");
        let dir = std::env::temp_dir();
        let error = run(
            &tools,
            sh,
            [
                "-c",
                "echo first >&2; echo 'token=abc123 broke' >&2; exit 3",
            ],
            &dir,
        )
        .unwrap_err();
        assert!(error.contains("exit status: 3"), "{error}");
        assert!(error.contains("token=*** broke"), "{error}");
        tools.timeout = std::time::Duration::from_millis(200);
        let error = run(&tools, sh, ["-c", "exec sleep 30"], &dir).unwrap_err();
        assert!(error.contains("did not finish"), "{error}");
    }
}
