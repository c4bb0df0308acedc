//! An engine's standard error, kept in the run folder up to a cap.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How much of one engine's standard error a run keeps.
pub const LOG_CAP: u64 = 1 << 20;

/// A log file shared by every process of one engine in one run; bytes past [`LOG_CAP`] are
/// counted, not written, so an engine that floods its standard error costs no disk and no time.
#[derive(Debug)]
pub struct Log {
    path: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    file: Option<std::fs::File>,
    written: u64,
    dropped: u64,
}

impl Log {
    /// A log at `path`, created (empty) on the first write.
    pub fn new(path: &Path) -> Log {
        Log { path: path.to_path_buf(), state: Mutex::new(State { file: None, written: 0, dropped: 0 }) }
    }

    /// Where the log is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `bytes`, within the cap; a log that cannot be written loses its bytes, never the run.
    pub fn write(&self, bytes: &[u8]) {
        let Ok(mut s) = self.state.lock() else { return };
        let room = LOG_CAP.saturating_sub(s.written);
        let keep = bytes.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        s.dropped += (bytes.len() - keep) as u64;
        if keep == 0 {
            return;
        }
        if s.file.is_none() {
            if let Some(dir) = self.path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            s.file = std::fs::File::create(&self.path).ok();
        }
        if let Some(f) = s.file.as_mut() {
            let _ = f.write_all(&bytes[..keep]);
        }
        s.written += keep as u64;
    }

    /// Bytes written and bytes dropped past the cap.
    pub fn sizes(&self) -> (u64, u64) {
        self.state.lock().map(|s| (s.written, s.dropped)).unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_cut_at_the_cap_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::new(&dir.path().join("engines/x.log"));
        let chunk = vec![b'e'; 300_000];
        for _ in 0..5 {
            log.write(&chunk);
        }
        assert_eq!(log.sizes(), (LOG_CAP, 5 * 300_000 - LOG_CAP));
        assert_eq!(std::fs::metadata(log.path()).unwrap().len(), LOG_CAP);
    }
}
