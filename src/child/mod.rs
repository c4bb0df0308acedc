//! Child processes of the `corpusbench` executable: extraction workers ([`worker`]), which give
//! each page a time budget, and the cost worker ([`cost`]), which runs one cell under callgrind.
//!
//! This module owns the contract between a parent and its children: the hidden subcommand
//! names, their arguments, and the wire formats. The CLI declares the subcommands from these
//! names and the spawners build their command lines with them, so the two cannot drift. A child
//! rebuilds its strategy from the spec through the same kind of [`Registry`] as its parent
//! ([`registry`]); the worker's handshake proves it built the same one.

pub mod cost;
pub mod worker;

use std::path::Path;
use std::process::Command;

use crate::strategy::Registry;

/// The subcommand that serves extraction requests ([`worker::serve`]).
pub const WORKER: &str = "worker";
/// The subcommand that runs one cell once for callgrind ([`cost::run_once`]).
pub const COST_WORKER: &str = "cost-worker";
/// The option that tells a child to install the testing aids in its registry.
pub const TESTING_AIDS: &str = "testing-aids";

/// The registry a child builds: the built-ins, plus the testing aids when its parent had them.
pub fn registry(testing_aids: bool) -> Registry {
    if testing_aids { Registry::with_testing_aids() } else { Registry::builtin() }
}

/// How often a child looks whether its parent is still there.
const PARENT_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Makes this child process exit when its parent dies, even while its main thread is stuck in
/// a strategy that never returns: a watchdog thread polls the parent's pid and exits the process
/// once the child has been re-parented. (The kernel's parent-death signal would fire when the
/// parent's spawning *thread* ends, which for a pool's replacement workers is too early.)
pub fn exit_with_parent() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(PARENT_POLL);
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(EXIT_ORPHANED);
                }
            }
        });
    }
}

/// The exit status of a child whose parent died.
pub const EXIT_ORPHANED: i32 = 3;

/// A command running `exe SUBCOMMAND [--testing-aids] ARGS...`.
pub fn command(exe: &Path, subcommand: &str, testing_aids: bool) -> Command {
    let mut cmd = Command::new(exe);
    cmd.arg(subcommand);
    if testing_aids {
        cmd.arg(format!("--{TESTING_AIDS}"));
    }
    cmd
}
