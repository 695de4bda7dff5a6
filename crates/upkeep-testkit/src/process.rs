//! Child processes: finding binaries, free ports, readiness polling, kill on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// How long a server may take to become ready before the harness gives up.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Finds `name` on `PATH`, or panics naming the setup script.
pub(crate) fn require_binary(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| missing(name))
}

/// Checks that a binary exists at `path`, or panics naming the setup script.
pub(crate) fn require_file(path: &Path) -> PathBuf {
    if path.is_file() {
        path.to_path_buf()
    } else {
        missing(&path.display().to_string())
    }
}

fn missing(what: &str) -> ! {
    panic!(
        "`{what}` is not installed; run `{}` from the repository root first",
        crate::SETUP_COMMAND
    )
}

/// Runs a command to completion and returns its stdout; panics with stderr on failure.
pub(crate) fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if !out.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out.stdout
}

/// A free TCP port on 127.0.0.1 (for a child process to bind).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A child process that is killed (and reaped) when dropped. Its output goes to a log
/// file that start-up failures quote.
pub(crate) struct ChildGuard {
    child: Child,
    log: PathBuf,
    what: String,
}

impl ChildGuard {
    /// Spawns `cmd` with stdout and stderr appended to `log`.
    pub(crate) fn spawn(what: &str, mut cmd: Command, log: &Path) -> ChildGuard {
        let file = std::fs::File::create(log).expect("log file");
        let child = cmd
            .stdin(std::process::Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what} ({cmd:?}): {e}"));
        ChildGuard {
            child,
            log: log.to_path_buf(),
            what: what.to_string(),
        }
    }

    /// Polls `ready` until it returns true. Returns false if the child exited first (so
    /// the caller may retry on another port); panics after [`START_TIMEOUT`].
    pub(crate) fn wait_ready(&mut self, mut ready: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut pause = Duration::from_millis(10);
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if ready() {
                return true;
            }
            if Instant::now() > deadline {
                panic!(
                    "{} did not become ready within {START_TIMEOUT:?}; its log:\n{}",
                    self.what,
                    self.log_text()
                );
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    /// The child's output so far.
    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True once something answers HTTP at `url` (any status).
pub(crate) fn http_answers(url: &str) -> bool {
    let url = url.to_string();
    crate::runtime::block_on(async move {
        crate::runtime::client()
            .get(url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    #[should_panic(expected = "run `bash scripts/setup-test-env.sh`")]
    fn missing_binaries_name_the_setup_script() {
        super::require_binary("upkeep-testkit-no-such-binary");
    }
}
