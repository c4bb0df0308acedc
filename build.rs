//! Records the git commit the binary was built from, for run records.
use std::process::Command;

/// The output of `git ARGS`, trimmed, when git runs and succeeds.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok().filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    // Rebuild when HEAD moves. The files are asked of git, so that a worktree (whose `.git` is a
    // file) and a plain clone both work; a path that does not exist would rerun this script on
    // every build, so only existing ones are named.
    println!("cargo:rerun-if-changed=build.rs");
    for name in ["HEAD", "refs", "packed-refs"] {
        if let Some(path) = git(&["rev-parse", "--git-path", name])
            && std::path::Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_default();
    println!("cargo:rustc-env=CORPUSBENCH_GIT_COMMIT={commit}");
}
