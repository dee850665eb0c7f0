//! The DevTools pipe (`--remote-debugging-pipe`): the browser reads commands on its fd 3 and
//! writes answers and events on its fd 4, each a JSON message ended by a NUL byte. No port is
//! opened, so nothing else on the machine can reach a browser that holds a user's certificate.

use std::io::{BufRead, BufReader, PipeReader, PipeWriter, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Instant;

use serde_json::Value;

use super::terms::DriverError;

/// The driver's ends of the two pipes, and the browser's until it has started.
pub struct Pipes {
    commands: PipeWriter,
    events: PipeReader,
    browser_ends: (PipeReader, PipeWriter),
}

/// Two new pipes, which `command`'s child maps to its fds 3 and 4.
pub fn open(command: &mut Command) -> std::io::Result<Pipes> {
    let (their_commands, commands) = std::io::pipe()?;
    let (events, their_events) = std::io::pipe()?;
    let (read, write) = (their_commands.as_raw_fd(), their_events.as_raw_fd());
    // SAFETY: between fork and exec the closure only calls fcntl and dup2, which are
    // async-signal-safe, on descriptors the parent keeps open until the child has started.
    unsafe { command.pre_exec(move || map_fds(read, write)) };
    Ok(Pipes { commands, events, browser_ends: (their_commands, their_events) })
}

/// In the child: `read` becomes fd 3 and `write` fd 4, inherited by the browser. Each is first
/// copied above both (either may already sit where the other is to go); dup2 clears close-on-exec.
fn map_fds(read: RawFd, write: RawFd) -> std::io::Result<()> {
    let check = |fd: i32| if fd < 0 { Err(std::io::Error::last_os_error()) } else { Ok(fd) };
    // SAFETY: plain descriptor calls on descriptors this process owns.
    unsafe {
        let read = check(libc::fcntl(read, libc::F_DUPFD_CLOEXEC, 10))?;
        let write = check(libc::fcntl(write, libc::F_DUPFD_CLOEXEC, 10))?;
        check(libc::dup2(read, 3))?;
        check(libc::dup2(write, 4))?;
    }
    Ok(())
}

/// Messages to and from a started browser; a thread reads its pipe into `inbox`.
pub struct Channel {
    commands: PipeWriter,
    inbox: Receiver<Value>,
}

impl Channel {
    /// The channel of the browser just started with `pipes`.
    pub fn start(pipes: Pipes) -> Result<Self, DriverError> {
        let Pipes { commands, events, browser_ends } = pipes;
        // Closed here, so the browser's exit ends the events pipe (and the reading thread).
        drop(browser_ends);
        let (sender, inbox) = channel();
        let reader = move || {
            let mut events = BufReader::new(events);
            let mut message = Vec::new();
            while events.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                let text = message.strip_suffix(&[0]).unwrap_or(&message);
                // What does not parse is not a message: ignored.
                if let Ok(value) = serde_json::from_slice::<Value>(text)
                    && sender.send(value).is_err()
                {
                    break;
                }
                message.clear();
            }
        };
        std::thread::Builder::new()
            .name("devtools-pipe".into())
            .spawn(reader)
            .map_err(|e| DriverError::Start(format!("cannot start the DevTools reader: {e}")))?;
        Ok(Self { commands, inbox })
    }

    pub fn send(&mut self, message: &Value) -> Result<(), DriverError> {
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.commands
            .write_all(&bytes)
            .map_err(|e| DriverError::Crashed(format!("writing to the browser: {e}")))
    }

    /// The next message, waiting until `until` for `what`.
    pub fn receive(&mut self, until: Instant, what: &str) -> Result<Value, DriverError> {
        match self.inbox.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(message) => Ok(message),
            Err(RecvTimeoutError::Timeout) => Err(DriverError::TimedOut(what.to_owned())),
            Err(RecvTimeoutError::Disconnected) => {
                Err(DriverError::Crashed("the browser closed its pipe".into()))
            }
        }
    }
}
