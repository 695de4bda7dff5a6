//! Waiting for a child process with a deadline while draining its output: shared by git
//! and by the lock file tools (cargo, npm), which must never hang a run.
//!
//! Both pipes are read on their own threads, so a child that fills one pipe while we
//! wait on the other cannot deadlock; past the deadline the child is killed.

use std::io::{self, Read};
use std::process::{Child, ExitStatus};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What a finished child printed, and how it exited.
#[derive(Debug)]
pub struct Captured {
    /// The exit status.
    pub status: ExitStatus,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
}

/// Why a child's output could not be collected.
#[derive(Debug)]
pub enum WaitError {
    /// The deadline passed; the child was killed.
    TimedOut,
    /// Waiting for the child failed.
    Wait(io::Error),
}

/// Collects `child`'s stdout and stderr (both must be piped) and waits for it, killing it
/// once `timeout` has passed since `started`.
pub fn wait_with_timeout(
    child: &mut Child,
    started: Instant,
    timeout: Duration,
) -> Result<Captured, WaitError> {
    let (sender, receiver) = mpsc::channel();
    let pipes: [(bool, Option<Box<dyn Read + Send>>); 2] = [
        (true, child.stdout.take().map(|pipe| Box::new(pipe) as _)),
        (false, child.stderr.take().map(|pipe| Box::new(pipe) as _)),
    ];
    let mut expected = 0;
    for (is_stdout, pipe) in pipes {
        let Some(mut pipe) = pipe else { continue };
        expected += 1;
        let sender = sender.clone();
        std::thread::spawn(move || {
            let mut buffer = Vec::new();
            let _ = pipe.read_to_end(&mut buffer);
            let _ = sender.send((is_stdout, buffer));
        });
    }
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    for _ in 0..expected {
        let remaining = timeout.saturating_sub(started.elapsed());
        match receiver.recv_timeout(remaining) {
            Ok((true, buffer)) => stdout = buffer,
            Ok((false, buffer)) => stderr = buffer,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(WaitError::TimedOut);
            }
        }
    }
    let status = child.wait().map_err(WaitError::Wait)?;
    Ok(Captured {
        status,
        stdout,
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use std::process::{Command, Stdio};

    use super::*;

    #[test]
    fn output_of_both_pipes_is_collected() {
        let mut child = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let captured =
            wait_with_timeout(&mut child, Instant::now(), Duration::from_secs(60)).unwrap();
        assert_eq!(captured.stdout, b"out\n");
        assert_eq!(captured.stderr, b"err\n");
        assert_eq!(captured.status.code(), Some(3));
    }

    #[test]
    fn a_child_past_its_deadline_is_killed() {
        let mut child = Command::new("sleep")
            .arg("600")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let result = wait_with_timeout(&mut child, Instant::now(), Duration::from_millis(50));
        assert!(matches!(result, Err(WaitError::TimedOut)));
        assert!(child.try_wait().unwrap().is_some(), "the child was reaped");
    }
}
