//! The pipes to and from one engine, driven from the caller's thread with deadlines.
//!
//! Both ends are non-blocking and every wait is a `poll(2)` bounded by the caller's deadline, so
//! an engine that stops reading or never answers costs at most that deadline, and a request and
//! its answer cross no thread boundary in this process (a page round trip is two system calls
//! and one wake-up on each side). While a request is being written, whatever the engine writes
//! meanwhile is read into the answer buffer, so an engine that answers early cannot deadlock the
//! two of them.

use std::io::{ErrorKind, Read};
use std::os::fd::{AsRawFd, RawFd};
use std::process::{ChildStdin, ChildStdout};
use std::time::Instant;

use super::protocol::MAX_LINE;

/// Why no answer came, or a request could not be written.
#[derive(Debug)]
pub enum Miss {
    /// The deadline passed.
    Timeout,
    /// The engine closed its end, or broke the framing; the message says how.
    Closed(String),
}

/// The capacity asked of each pipe: most pages then pass in one write instead of one per 64 KiB
/// (Linux's default); the system may grant less, which only costs time.
#[cfg(target_os = "linux")]
const PIPE_BYTES: libc::c_int = 1 << 20;

/// Bytes read from the engine per system call.
const CHUNK: usize = 1 << 16;

/// The engine's standard input and output.
pub struct Pipes {
    to: Option<ChildStdin>,
    from: ChildStdout,
    /// Bytes read from the engine and not yet returned as lines; `start` is the first unread.
    buf: Vec<u8>,
    start: usize,
    eof: bool,
}

impl Pipes {
    /// Takes over both pipes, making them non-blocking (and wider, on Linux).
    pub fn new(to: ChildStdin, from: ChildStdout) -> std::io::Result<Pipes> {
        for fd in [to.as_raw_fd(), from.as_raw_fd()] {
            set_nonblocking(fd)?;
            widen(fd);
        }
        Ok(Pipes { to: Some(to), from, buf: Vec::new(), start: 0, eof: false })
    }

    /// Closes the engine's input (it sees end of input).
    pub fn close_input(&mut self) {
        self.to = None;
    }

    /// Writes `parts` in order by `deadline`, reading what the engine writes meanwhile. The
    /// parts go out in one gathered write when the pipe has room, so the engine wakes once.
    pub fn send(&mut self, parts: &[&[u8]], deadline: Instant) -> Result<(), Miss> {
        let mut parts: Vec<&[u8]> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
        let mut first = 0;
        while first < parts.len() {
            let Some(to) = self.to.as_ref() else { return Err(Miss::Closed("its input is closed".into())) };
            let fd = to.as_raw_fd();
            match write_gathered(fd, &parts[first..]) {
                Ok(mut n) => {
                    while n > 0 {
                        let take = n.min(parts[first].len());
                        parts[first] = &parts[first][take..];
                        n -= take;
                        if parts[first].is_empty() {
                            first += 1;
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    let out = (fd, libc::POLLOUT);
                    if self.eof {
                        wait([out], deadline)?;
                    } else if let [_, (_, true)] = wait([out, (self.from.as_raw_fd(), libc::POLLIN)], deadline)? {
                        self.fill()?;
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::BrokenPipe => {
                    return Err(Miss::Closed("it stopped reading its input".into()));
                }
                Err(e) => return Err(Miss::Closed(e.to_string())),
            }
        }
        Ok(())
    }

    /// The next line the engine writes (without its `\n` or `\r\n`), waiting until `deadline`.
    /// A last line without its newline is still a line; the end of output follows it.
    pub fn recv(&mut self, deadline: Instant) -> Result<Vec<u8>, Miss> {
        let mut searched = self.start;
        loop {
            if let Some(at) = self.buf[searched..].iter().position(|b| *b == b'\n') {
                let end = searched + at;
                let mut line = self.buf[self.start..end].to_vec();
                self.start = end + 1;
                self.compact();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            searched = self.buf.len();
            if self.buf.len() - self.start > MAX_LINE {
                return Err(Miss::Closed(format!("it wrote a line longer than {MAX_LINE} bytes")));
            }
            if self.eof {
                if self.start < self.buf.len() {
                    let line = self.buf[self.start..].to_vec();
                    self.start = self.buf.len();
                    self.compact();
                    return Ok(line);
                }
                return Err(Miss::Closed("its output closed".into()));
            }
            if !self.fill()? {
                wait([(self.from.as_raw_fd(), libc::POLLIN)], deadline)?;
            }
        }
    }

    /// Reads what the engine has written; false when nothing was there yet.
    fn fill(&mut self) -> Result<bool, Miss> {
        let len = self.buf.len();
        self.buf.resize(len + CHUNK, 0);
        let read = self.from.read(&mut self.buf[len..]);
        let n = match read {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                self.buf.truncate(len);
                return Ok(false);
            }
            Err(e) => {
                self.buf.truncate(len);
                return Err(Miss::Closed(e.to_string()));
            }
        };
        self.buf.truncate(len + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(true)
    }

    /// Drops the bytes already returned once they are most of the buffer.
    fn compact(&mut self) {
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > CHUNK && self.start * 2 > self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }
}

/// One `writev(2)` of (up to 64 of) `parts`; the count written.
fn write_gathered(fd: RawFd, parts: &[&[u8]]) -> std::io::Result<usize> {
    let iov: Vec<libc::iovec> = parts
        .iter()
        .take(64)
        .map(|p| libc::iovec { iov_base: p.as_ptr() as *mut libc::c_void, iov_len: p.len() })
        .collect();
    // SAFETY: every iovec points into a slice borrowed for the duration of the call, which
    // writev only reads.
    let n = unsafe { libc::writev(fd, iov.as_ptr(), iov.len() as libc::c_int) };
    if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
}

fn set_nonblocking(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: fcntl with integer arguments on a descriptor this process owns.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn widen(fd: RawFd) {
    // SAFETY: fcntl with an integer argument on a descriptor this process owns; a refusal
    // leaves the pipe as it was.
    unsafe {
        libc::fcntl(fd, libc::F_SETPIPE_SZ, PIPE_BYTES);
    }
}

#[cfg(not(target_os = "linux"))]
fn widen(_: RawFd) {}

/// Waits until one of `fds` (descriptor, poll events) is ready, or `deadline`; says which are.
/// Hang-up and errors count as ready, so the next read or write reports them.
fn wait<const N: usize>(fds: [(RawFd, libc::c_short); N], deadline: Instant) -> Result<[(RawFd, bool); N], Miss> {
    let mut polled = fds.map(|(fd, events)| libc::pollfd { fd, events, revents: 0 });
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Miss::Timeout);
        }
        // Round up, so a wait never ends just before its deadline and spins.
        let ms = left.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int;
        // SAFETY: `polled` is a live array of N pollfd structures for the duration of the call.
        let n = unsafe { libc::poll(polled.as_mut_ptr(), N as libc::nfds_t, ms) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(Miss::Closed(format!("poll: {e}")));
        }
        if n > 0 {
            return Ok(polled.map(|p| (p.fd, p.revents != 0)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};
    use std::time::Duration;

    fn cat() -> (std::process::Child, Pipes) {
        let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let pipes = Pipes::new(child.stdin.take().unwrap(), child.stdout.take().unwrap()).unwrap();
        (child, pipes)
    }

    #[test]
    fn lines_come_back_whole_across_many_reads() {
        let (mut child, mut pipes) = cat();
        let deadline = Instant::now() + Duration::from_secs(20);
        let big = vec![b'x'; 3 << 20];
        // Far more than the pipes hold: the writer must read the echo while it writes.
        pipes.send(&[b"one\r\n", &big, b"\n", b"tail"], deadline).unwrap();
        pipes.close_input();
        assert_eq!(pipes.recv(deadline).unwrap(), b"one");
        assert_eq!(pipes.recv(deadline).unwrap(), big);
        assert_eq!(pipes.recv(deadline).unwrap(), b"tail");
        assert!(matches!(pipes.recv(deadline), Err(Miss::Closed(_))));
        child.wait().unwrap();
    }

    #[test]
    fn a_silent_engine_costs_its_deadline_only() {
        let mut child = Command::new("sleep").arg("30").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let mut pipes = Pipes::new(child.stdin.take().unwrap(), child.stdout.take().unwrap()).unwrap();
        let t0 = Instant::now();
        assert!(matches!(pipes.recv(t0 + Duration::from_millis(100)), Err(Miss::Timeout)));
        // It never reads: writing more than the pipe holds times out too.
        let big = vec![b'x'; 4 << 20];
        assert!(matches!(pipes.send(&[&big], Instant::now() + Duration::from_millis(100)), Err(Miss::Timeout)));
        assert!(t0.elapsed() < Duration::from_secs(10));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
