//! The stage pipeline on a real Ray cluster (docs/distributed.md): a head node without CPUs and
//! two worker nodes of one CPU each, started on loopback from the venv of `scripts/peers.sh`,
//! run the package in `distributed/` on a generated corpus of 16 shards (`minhash@fineweb`,
//! `exact`, `lines` and `paragraphs`). Its reports must be
//! byte for byte those of `corpusbench run` on one machine, and stay so when the node running a
//! task is killed in the middle of a stage; extraction over WARC files (a task per part of the
//! files) likewise. Reported as ignored where the Ray venv is missing.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::{bundled_corpus, corpusbench, describe, stable_result_lines};

/// One cluster at a time: two clusters of two nodes would not fit the machine's two cores, and
/// the nodes of one would be found by the checks of the other.
static ONE_CLUSTER: Mutex<()> = Mutex::new(());

const SHARDS: usize = 16;

/// The strategies run through Ray and compared with the single machine.
const SPECS: &[&str] = &["minhash@fineweb", "exact", "lines", "paragraphs"];

/// The Ray venv's bin folder.
pub fn ray_bin() -> PathBuf {
    crate::peers::peers_dir().join("ray/bin")
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A local Ray cluster whose nodes are process groups of their own, so that one can be killed
/// whole (raylet, object store and workers) as a machine dies, and all are stopped on drop.
struct Cluster {
    address: String,
    nodes: Vec<Child>,
    _temp: tempfile::TempDir,
}

fn ray_command() -> Command {
    let mut c = Command::new(ray_bin().join("ray"));
    c.env("RAY_USAGE_STATS_ENABLED", "0");
    c
}

fn start_node(args: &[&str], log: &Path) -> Child {
    use std::os::unix::process::CommandExt;
    let file = std::fs::File::create(log).expect("node log");
    ray_command()
        .args(["start", "--block", "--node-ip-address", "127.0.0.1", "--object-store-memory", "80000000"])
        .args(args)
        .stdout(file.try_clone().expect("node log"))
        .stderr(file)
        .process_group(0)
        .spawn()
        .expect("ray start runs")
}

fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill").args([signal, "--", &format!("-{pgid}")]).status();
}

impl Cluster {
    /// Head (no CPUs: it schedules, it runs no task) plus `workers` nodes of one CPU each.
    fn start(workers: usize) -> Cluster {
        let temp = tempfile::Builder::new().prefix("cbray").tempdir_in("/tmp").expect("temp dir");
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let address = format!("127.0.0.1:{port}");
        let ray_temp = temp.path().join("r");
        let head = start_node(
            &[
                "--head",
                "--port",
                &port.to_string(),
                "--num-cpus",
                "0",
                "--include-dashboard",
                "false",
                "--disable-usage-stats",
                "--temp-dir",
                ray_temp.to_str().expect("utf-8 temp dir"),
            ],
            &temp.path().join("head.log"),
        );
        // Owned by the cluster from the start, so that a failed start stops what it started.
        let mut cluster = Cluster { address, nodes: vec![head], _temp: temp };
        cluster.wait_for(0);
        // One node after another: nodes starting at once on a busy machine time out.
        for w in 0..workers {
            let log = cluster._temp.path().join(format!("worker-{w}.log"));
            // One log monitor a host, as Ray advises: the head's serves the nodes sharing it.
            let args = ["--address", &cluster.address, "--num-cpus", "1", "--include-log-monitor", "false"];
            let node = start_node(&args, &log);
            cluster.nodes.push(node);
            cluster.wait_for(w + 1);
        }
        cluster
    }

    /// Waits until the cluster answers (with `cpus` CPUs, when there are any), or panics with
    /// the nodes' logs.
    fn wait_for(&mut self, cpus: usize) {
        let want = if cpus == 0 { "Active:".to_string() } else { format!("/{cpus}.0 CPU") };
        let t0 = Instant::now();
        loop {
            let out = ray_command().args(["status", "--address", &self.address]).output().expect("ray status runs");
            if out.status.success() && String::from_utf8_lossy(&out.stdout).contains(&want) {
                return;
            }
            if t0.elapsed() > Duration::from_secs(120)
                || self.nodes.iter_mut().any(|n| matches!(n.try_wait(), Ok(Some(_))))
            {
                let logs: Vec<String> = std::fs::read_dir(self._temp.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
                    .map(|e| {
                        format!("--- {}\n{}", e.path().display(), std::fs::read_to_string(e.path()).unwrap_or_default())
                    })
                    .collect();
                panic!(
                    "the cluster did not come up with {cpus} CPUs:\n{}\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    logs.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Runs the package's driver on this cluster: the dedup stage pipeline.
    fn run(&self, ds: &Path, spec: &str, work: &Path, out: &Path, extra: &[&str]) -> Child {
        let parts = SHARDS.to_string();
        let cut = [&["--parts", parts.as_str(), "--partitions", "4"][..], extra].concat();
        self.driver("run", ds, spec, work, out, &cut)
    }

    /// Runs the package's driver `command` (`run`, `extract`) on this cluster.
    fn driver(&self, command: &str, ds: &Path, spec: &str, work: &Path, out: &Path, extra: &[&str]) -> Child {
        Command::new(ray_bin().join("python"))
            .args(["-m", "corpusbench_ray", command, "--address", &self.address])
            .args(["--bin", env!("CARGO_BIN_EXE_corpusbench")])
            .arg("--corpus")
            .arg(ds)
            .args(["-s", spec, "--bootstrap", "200"])
            .arg("--work")
            .arg(work)
            .arg("--out")
            .arg(out)
            .args(extra)
            .env("PYTHONPATH", repo().join("distributed"))
            .env("RAY_USAGE_STATS_ENABLED", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the Ray venv's python runs")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // `ray start --block` stops its node's processes on SIGTERM; what is left gets SIGKILL.
        for n in &self.nodes {
            signal_group(n.id(), "-TERM");
        }
        let t0 = Instant::now();
        for n in &mut self.nodes {
            while t0.elapsed() < Duration::from_secs(10) && matches!(n.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(100));
            }
            signal_group(n.id(), "-KILL");
            let _ = n.wait();
        }
    }
}

/// A generated dataset of `docs` documents in `SHARDS` JSON-lines shards, one malformed line in
/// the fifth (so ordinals follow the documents the load keeps), with a manifest globbing them.
fn sixteen_shards(root: &Path, docs: usize) -> PathBuf {
    let synth = root.join("synth");
    let seed = bundled_corpus().join("seed-news");
    let args = ["synth", seed.to_str().expect("utf-8"), "--docs", &docs.to_string(), "--doc-bytes", "500"];
    let out = corpusbench(root, &[&args[..], &["--fill-words", "--out", synth.to_str().expect("utf-8")]].concat());
    assert!(out.status.success(), "synth: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(synth.join("docs.jsonl")).expect("docs.jsonl");
    let lines: Vec<&str> = text.lines().collect();
    let ds = root.join("sixteen");
    std::fs::create_dir_all(ds.join("shards")).expect("shards folder");
    for (s, chunk) in lines.chunks(lines.len().div_ceil(SHARDS)).enumerate() {
        let mut body = chunk.join("\n") + "\n";
        if s == 4 {
            body.insert_str(0, "{\"id\": 7, \"text\": \"an id that is not a string\"}\n");
        }
        std::fs::write(ds.join("shards").join(format!("part-{s:03}.jsonl")), body).expect("shard");
    }
    std::fs::copy(synth.join("gold.jsonl"), ds.join("gold.jsonl")).expect("gold");
    let manifest = "name = \"sixteen\"\ntask = \"dedup\"\ndocs = [\"shards/part-*.jsonl\"]\n\
                    files = [\"shards/part-*.jsonl\", \"gold.jsonl\"]\n";
    std::fs::write(ds.join("dataset.toml"), manifest).expect("manifest");
    ds
}

const WARC_FILES: usize = 6;
const PAGES_PER_FILE: usize = 4;

/// One record as its own gzip member, as Common Crawl writes `.warc.gz`.
fn gz_member(record: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(record).expect("gzip in memory");
    gz.finish().expect("gzip in memory")
}

/// A `warc` extraction dataset of `WARC_FILES` files of `PAGES_PER_FILE` small generated pages
/// (navigation and footer around an article; gold the article's text), joined half by record
/// id and half by URL, with one malformed record in the third file.
fn warc_files(root: &Path) -> PathBuf {
    use corpusbench::io::warc::write_record;
    const WORDS: &[&str] = &[
        "river", "bridge", "market", "council", "harvest", "winter", "station", "library", "festival", "harbour",
        "garden", "museum", "school", "road", "mill", "tower", "valley", "forest", "storm", "ferry",
    ];
    let ds = root.join("crawl");
    std::fs::create_dir_all(ds.join("warc")).expect("dataset folder");
    let mut gold = String::new();
    let mut state = 7u64;
    let mut word = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        WORDS[(state >> 33) as usize % WORDS.len()]
    };
    for f in 0..WARC_FILES {
        let mut warc = Vec::new();
        for p in 0..PAGES_PER_FILE {
            let n = f * PAGES_PER_FILE + p;
            let paragraphs: Vec<String> = (0..3)
                .map(|_| {
                    let mut words: Vec<&str> = (0..24).map(|_| word()).collect();
                    words[0] = "The";
                    format!("{}.", words.join(" "))
                })
                .collect();
            let article: String = paragraphs.iter().map(|t| format!("<p>{t}</p>")).collect();
            let html = format!(
                "<html><head><title>Page {n}</title></head><body><nav><a href=\"/\">Home</a> | \
                 <a href=\"/about\">About</a></nav><article><h1>Report {n}</h1>{article}</article>\
                 <footer>Copyright the town paper</footer></body></html>"
            );
            let (url, record_id) = (format!("https://town{f}.example/{n}"), format!("<urn:uuid:crawl-{n:08}>"));
            let http = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}");
            let mut w = Vec::new();
            let headers = [("WARC-Type", "response"), ("WARC-Target-URI", &url), ("WARC-Record-ID", &record_id)];
            write_record(&mut w, &headers, http.as_bytes());
            warc.extend(gz_member(&w));
            let key = if n.is_multiple_of(2) { ("record_id", record_id) } else { ("url", url) };
            let g = serde_json::json!({"id": format!("page-{n}"), key.0: key.1, "text": paragraphs.join("\n")});
            gold.push_str(&format!("{g}\n"));
        }
        if f == 2 {
            warc.extend(gz_member(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: many\r\n\r\nxx\r\n\r\n"));
        }
        std::fs::write(ds.join(format!("warc/CC-{f:05}.warc.gz")), warc).expect("WARC file");
    }
    std::fs::write(ds.join("gold.jsonl"), gold).expect("gold");
    let manifest = "name = \"crawl\"\ntask = \"extract\"\nformat = \"warc\"\ndocs = [\"warc/*.warc.gz\"]\n\
                    files = [\"warc/*.warc.gz\", \"gold.jsonl\"]\n";
    std::fs::write(ds.join("dataset.toml"), manifest).expect("manifest");
    ds
}

/// The single machine's reports of `spec` on `ds`, in `root/single-SPEC`.
fn single(root: &Path, ds: &Path, spec: &str) -> PathBuf {
    let out_dir = root.join(format!("single-{}", spec.replace(['@', ':', ','], "_")));
    let args = ["run", "--corpus", ds.to_str().expect("utf-8"), "-s", spec, "--bootstrap", "200", "--out"];
    let out = corpusbench(root, &[&args[..], &[out_dir.to_str().expect("utf-8")]].concat());
    // Exit 2: the malformed line was reported and left out, as intended.
    assert_eq!(out.status.code(), Some(2), "run -s {spec}: {}", describe(&out));
    out_dir
}

/// The reports of the two runs are equal: results.csv but for its timing rows, and the other
/// files byte for byte.
fn assert_same_reports(single: &Path, ray: &Path, spec: &str) {
    assert_eq!(stable_result_lines(single), stable_result_lines(ray), "{spec}: results.csv differs");
    for f in ["doc_stats.csv", "examples.jsonl", "resamples.jsonl"] {
        let (a, b) = (std::fs::read(single.join(f)), std::fs::read(ray.join(f)));
        assert!(a.is_ok(), "{spec}: the single run wrote no {f}");
        assert!(a.ok() == b.ok(), "{spec}: {f} differs between the single-machine run and Ray's");
    }
}

/// The attempt records of one command, as `distributed/corpusbench_ray/pipeline.py` writes them.
fn attempts(work: &Path, name: &str) -> Vec<serde_json::Value> {
    let Ok(entries) = std::fs::read_dir(work.join("ray/attempts")) else { return Vec::new() };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{name}.")))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|b| serde_json::from_slice(&b).ok())
        .collect()
}

pub fn ray_run_gives_the_single_machine_answer() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().expect("temp dir");
    let ds = sixteen_shards(tmp.path(), 1600);
    let cluster = Cluster::start(2);
    for &spec in SPECS {
        let want = single(tmp.path(), &ds, spec);
        let name = spec.replace(['@', ':', ','], "_");
        let (work, out_dir) = (tmp.path().join(format!("work-{name}")), tmp.path().join(format!("ray-{name}")));
        let driver = cluster.run(&ds, spec, &work, &out_dir, &[]);
        let driver_pid = u64::from(driver.id());
        let out = driver.wait_with_output().expect("driver output");
        assert_eq!(out.status.code(), Some(2), "Ray run of {spec}: {}", describe(&out));
        assert_same_reports(&want, &out_dir, spec);
        // Every sign task ran, once, in a Ray worker process, not in the driver.
        let pids: Vec<u64> = (0..SHARDS)
            .flat_map(|i| attempts(&work, &format!("sign-{i:05}")))
            .filter_map(|a| a["pid"].as_u64())
            .collect();
        assert_eq!(pids.len(), SHARDS, "{spec}: sign attempts {pids:?}");
        assert!(!pids.contains(&driver_pid), "{spec}: a sign task ran in the driver");
    }

    // `minhash`'s components by rounds of label propagation, a Ray task a range: the same
    // reports, and the rounds ran until one changed nothing.
    let spec = SPECS[0];
    let want = single(tmp.path(), &ds, spec);
    let (work, out_dir) = (tmp.path().join("work-propagate"), tmp.path().join("ray-propagate"));
    let out = cluster.run(&ds, spec, &work, &out_dir, &["--components", "propagate"]);
    let out = out.wait_with_output().expect("driver output");
    assert_eq!(out.status.code(), Some(2), "Ray run of {spec}, propagated: {}", describe(&out));
    assert_same_reports(&want, &out_dir, &format!("{spec}, propagated"));
    assert!(!attempts(&work, "propagate-00001-00000").is_empty(), "no round 1 ran on the cluster");
    assert!(!attempts(&work, "labels-00000").is_empty(), "no labels task ran on the cluster");
}

pub fn ray_run_survives_a_node_killed_in_the_middle_of_a_stage() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().expect("temp dir");
    let ds = sixteen_shards(tmp.path(), 1600);
    let spec = "minhash@fineweb";
    let want = single(tmp.path(), &ds, spec);
    let cluster = Cluster::start(2);
    let (work, out_dir) = (tmp.path().join("work"), tmp.path().join("ray"));
    // The first attempt of sign part 5 waits 60 s before its command: long enough to find it
    // running and kill the node it runs on, raylet, object store, workers and all.
    let driver = cluster.run(&ds, spec, &work, &out_dir, &["--hold", "sign:5:60"]);
    let t0 = Instant::now();
    let held = loop {
        if let Some(pid) = attempts(&work, "sign-00005").first().and_then(|a| a["pid"].as_u64()) {
            break pid;
        }
        assert!(t0.elapsed() < Duration::from_secs(120), "sign part 5 never started");
        std::thread::sleep(Duration::from_millis(100));
    };
    // The worker's parent is its node's raylet, whose process group is the node.
    let ps = |pid: u64, field: &str| -> u32 {
        let out = Command::new("ps").args(["-o", &format!("{field}="), "-p", &pid.to_string()]).output().expect("ps");
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or_else(|_| panic!("no {field} of {pid}"))
    };
    let node = ps(u64::from(ps(held, "ppid")), "pgid");
    assert!(cluster.nodes[1..].iter().any(|n| n.id() == node), "the held task runs on no worker node ({node})");
    signal_group(node, "-KILL");
    let out = driver.wait_with_output().expect("driver output");
    assert_eq!(out.status.code(), Some(2), "Ray run with a killed node: {}", describe(&out));
    let tries = attempts(&work, "sign-00005");
    assert!(tries.len() >= 2, "sign part 5 was not tried again: {tries:?}");
    assert!(tries.iter().any(|a| a["code"].is_null()), "no attempt of sign part 5 was cut short: {tries:?}");
    assert!(tries.iter().any(|a| a["code"].as_i64() == Some(0)), "no attempt of sign part 5 finished: {tries:?}");
    assert!(t0.elapsed() < Duration::from_secs(60), "the retry waited for the hold instead of the node's death");
    assert_same_reports(&want, &out_dir, spec);
}

pub fn ray_extract_gives_the_single_machine_answer() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().expect("temp dir");
    let ds = warc_files(tmp.path());
    let spec = "sift";
    let want = single(tmp.path(), &ds, spec);
    let cluster = Cluster::start(2);
    let (work, out_dir) = (tmp.path().join("work"), tmp.path().join("ray"));
    let parts = 3;
    let driver = cluster.driver("extract", &ds, spec, &work, &out_dir, &["--parts", &parts.to_string()]);
    let driver_pid = u64::from(driver.id());
    let out = driver.wait_with_output().expect("driver output");
    // Exit 2: the malformed record was reported and left out, as `run` reports it.
    assert_eq!(out.status.code(), Some(2), "Ray extraction: {}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CC-00002.warc.gz"), "{}", describe(&out));
    assert_same_reports(&want, &out_dir, spec);
    // Every gold page was found (only the malformed record is reported).
    assert!(!String::from_utf8_lossy(&out.stderr).contains("no response record"), "{}", describe(&out));
    // Every part ran, once, in a Ray worker process, not in the driver.
    let pids: Vec<u64> = (0..parts)
        .flat_map(|i| attempts(&work, &format!("extract-{i:05}")))
        .filter_map(|a| a["pid"].as_u64())
        .collect();
    assert_eq!(pids.len(), parts, "extract attempts {pids:?}");
    assert!(!pids.contains(&driver_pid), "an extract task ran in the driver");
}
