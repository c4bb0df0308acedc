"""CPU of a distributed run on a local Ray cluster against the single-machine streaming run.

Starts a head node with HEAD_CPUS CPUs (none by default) and WORKERS nodes of one CPU each (each
node its own process group), runs ``corpusbench_ray run`` on it, and counts every CPU-second: the driver's, and those
of every process of the cluster (raylet, GCS, object store, workers and the stage commands they
wait for) between just before and just after the run. The single-machine ``corpusbench run
--stream --bootstrap 0`` alternates with it, ROUNDS times, so both see the same machine. Where
the extra goes is split into the stage commands (their own CPU, from the attempt records), the
driver (with the children it waits for), and Ray's own processes on the nodes.

    .peers/ray/bin/python distributed/bench_cluster.py --bin target/release/corpusbench \\
        --corpus DS -s minhash@fineweb --parts 16 --partitions 8 --rounds 2 --scratch /tmp/b
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TICK = os.sysconf("SC_CLK_TCK")
COMMAND = "corpusbench stage"  # what process_name calls a stage command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_cpu(roots: set[int]) -> dict[int, float]:
    """Own CPU seconds (user + system, not its reaped children's) of each live process
    descending from `roots`, by pid."""
    stats = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        stats[int(d)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid; utime + stime
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = {}, [r for r in roots if r in stats]
    while todo:
        pid = todo.pop()
        out[pid] = stats[pid][1] / TICK
        todo.extend(children.get(pid, []))
    return out


def process_name(pid: int) -> str:
    """A process's name: Ray's title (``ray::IDLE``, ``ray::_task``) or its program and script."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [a.decode(errors="replace") for a in argv if a]
    if not words:
        return "?"
    if words[0].startswith("ray::"):
        return words[0].split()[0]
    names = [os.path.basename(w) for w in words[:3] if not w.startswith("-")]
    return " ".join(names[:2])


class Sampler(threading.Thread):
    """Own CPU of a cluster's processes over a run, sampled every 0.2 s: Ray's workers end with
    the job and nothing reaps them into a parent's counts, so each process counts up to its
    last sample (a process new since the start from zero). The stage commands are left to
    their attempt records, which have their exact CPU."""

    def __init__(self, roots: set[int]):
        super().__init__(daemon=True)
        self.roots, self.start_cpu, self.last, self.names = roots, tree_cpu(roots), {}, {}
        self.stop = threading.Event()

    def _sample(self) -> None:
        now = tree_cpu(self.roots)
        for pid in now.keys() - self.names.keys():
            self.names[pid] = process_name(pid)
        self.last.update(now)

    def run(self) -> None:
        while not self.stop.is_set():
            self._sample()
            self.stop.wait(0.2)

    def total(self) -> float:
        self.stop.set()
        self.join()
        self._sample()
        return sum(v - self.start_cpu.get(pid, 0.0) for pid, v in self.last.items()
                   if self.names.get(pid) != COMMAND)

    def by_name(self) -> dict[str, list]:
        """[processes, CPU seconds] by process name, largest first."""
        out: dict[str, list] = {}
        for pid, v in self.last.items():
            if self.names.get(pid) == COMMAND:
                continue
            entry = out.setdefault(self.names.get(pid, "?"), [0, 0.0])
            entry[0] += 1
            entry[1] = round(entry[1] + v - self.start_cpu.get(pid, 0.0), 2)
        return dict(sorted(out.items(), key=lambda kv: -kv[1][1]))


class Cluster:
    def __init__(self, ray_bin: Path, workers: int, scratch: Path, head_cpus: int = 0):
        self.ray = str(ray_bin / "ray")
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.nodes: list[subprocess.Popen] = []
        self.logs = scratch
        head = ["--head", "--port", str(self.port), "--num-cpus", str(head_cpus), "--include-dashboard", "false",
                "--disable-usage-stats", "--temp-dir", str(scratch / "ray")]
        self._start(head, "head")
        self._wait("Active:")
        for w in range(workers):
            # One log monitor a host, as Ray advises: the nodes of this cluster share one.
            self._start(["--address", self.address, "--num-cpus", "1", "--include-log-monitor", "false"],
                        f"worker-{w}")
            self._wait(f"/{head_cpus + w + 1}.0 CPU")

    def _start(self, args: list[str], name: str) -> None:
        log = open(self.logs / f"{name}.log", "w")
        cmd = [self.ray, "start", "--block", "--node-ip-address", "127.0.0.1",
               "--object-store-memory", "200000000"] + args
        self.nodes.append(subprocess.Popen(cmd, stdout=log, stderr=log, process_group=0,
                                           env=dict(os.environ, RAY_USAGE_STATS_ENABLED="0")))

    def _wait(self, want: str) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120:
            out = subprocess.run([self.ray, "status", "--address", self.address], capture_output=True, text=True)
            if out.returncode == 0 and want in out.stdout:
                return
            time.sleep(0.5)
        raise SystemExit(f"the cluster did not come up ({want}); logs in {self.logs}")

    def sampler(self) -> Sampler:
        return Sampler({n.pid for n in self.nodes})

    def stop(self) -> None:
        for n in self.nodes:
            os.killpg(n.pid, signal.SIGTERM)
        for n in self.nodes:
            try:
                n.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(n.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            n.wait()


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """(wall, CPU of the command and its children, exit code)."""
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    code = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.monotonic() - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), code


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("-s", "--strategy", default="minhash@fineweb")
    p.add_argument("--parts", type=int, default=16)
    p.add_argument("--partitions", type=int, default=8)
    p.add_argument("--workers", type=int, default=2, help="worker nodes of one CPU each")
    p.add_argument("--head-cpus", type=int, default=0, help="CPUs of the head node (none: it only schedules)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--scratch", required=True, help="a folder for work folders, reports and logs")
    a = p.parse_args()
    binary, corpus = os.path.abspath(a.bin), os.path.abspath(a.corpus)
    scratch = Path(a.scratch).resolve()
    ray_bin = Path(sys.executable).parent
    rows = []
    for r in range(a.rounds):
        single_out = scratch / f"single-{r}"
        shutil.rmtree(single_out, ignore_errors=True)
        wall, cpu, code = timed([binary, "run", "--stream", "--corpus", corpus, "-s", a.strategy,
                                 "--threads", str(a.workers + a.head_cpus), "--bootstrap", "0",
                                 "--out", str(single_out)])
        rows.append({"round": r, "what": "run --stream", "wall": wall, "cpu": cpu, "code": code})
        round_dir = scratch / f"ray-{r}"
        shutil.rmtree(round_dir, ignore_errors=True)
        round_dir.mkdir(parents=True)
        cluster = Cluster(ray_bin, a.workers, round_dir, a.head_cpus)
        try:
            sampler = cluster.sampler()
            sampler.start()
            work, out = round_dir / "work", round_dir / "out"
            env = dict(os.environ, PYTHONPATH=str(HERE), RAY_USAGE_STATS_ENABLED="0")
            wall, driver, code = timed([sys.executable, "-m", "corpusbench_ray", "run", "--address", cluster.address,
                                        "--bin", binary, "--corpus", corpus, "-s", a.strategy,
                                        "--parts", str(a.parts), "--partitions", str(a.partitions),
                                        "--work", str(work), "--out", str(out), "--bootstrap", "0"], env)
            ray_own = sampler.total()
        finally:
            cluster.stop()
        commands = 0.0
        for f in (work / "ray" / "attempts").glob("*.json"):
            commands += json.loads(f.read_text()).get("cpu", 0.0)
        rows.append({"round": r, "what": "ray", "wall": wall, "cpu": commands + driver + ray_own, "code": code,
                     "commands": commands, "driver": driver, "ray_processes": ray_own,
                     "cluster_by_process": sampler.by_name()})
        same = all((single_out / f).read_bytes() == (out / f).read_bytes()
                   for f in ("doc_stats.csv", "examples.jsonl"))
        rows[-1]["same_reports"] = same
    for row in rows:
        print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
