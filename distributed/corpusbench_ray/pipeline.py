"""The stage pipeline as waves of commands, and what one attempt of a command does.

Nothing here imports Ray: the scheduler (``scheduler.py``) only decides where and when each
command runs. Every command is a ``corpusbench stage`` invocation over a shared work folder; its
outputs are written to temporary names and renamed by corpusbench itself, so running a command
twice, even at once on two machines, leaves the same bytes (docs/distributed.md).
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

# corpusbench's exit codes (the README's table): 0 clean; 1 nothing could run (a usage or input
# error that a retry repeats); 2 completed with input records left out.
EXIT_CLEAN = 0
EXIT_FAILED = 1
EXIT_PARTIAL = 2

# Attempt records, one JSON file per attempt, beside the stages' outputs.
ATTEMPTS = "ray/attempts"


@dataclass(frozen=True)
class Common:
    """What every distributed run names: the executable, the dataset and strategy, the parts,
    the work and reports folders, and the score's and commands' settings."""

    binary: str
    corpus: str
    strategy: str
    parts: int
    work: str
    out: str
    bootstrap: int | None = None
    bootstrap_seed: int | None = None
    threads: int = 1


@dataclass(frozen=True, kw_only=True)
class Options(Common):
    """What a distributed run is: the stage pipeline's plan and score arguments."""

    partitions: int
    # `union-find` (one `components` task) or `propagate` (rounds of label propagation over
    # ordinal ranges, one task a range, until a round changes nothing; `minhash` only).
    components: str = "union-find"
    max_rounds: int = 100


@dataclass(frozen=True, kw_only=True)
class ExtractOptions(Common):
    """What a distributed extraction is: a WARC dataset's parts (runs of whole files), each
    extracted by ``corpusbench stage extract``, then ``stage score`` of the work folder."""

    page_timeout: float | None = None


@dataclass(frozen=True)
class Command:
    """One stage command: its stage, its part (0 for the single ones) and its argv."""

    stage: str
    index: int
    argv: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.stage}-{self.index:05}"


@dataclass
class Attempt:
    """How one attempt of a command ended, as the task returns it to the driver."""

    stage: str
    index: int
    code: int
    seconds: float
    cpu: float
    host: str
    pid: int
    stdout: str = ""
    stderr: str = ""
    record: str = field(default="")


class StageFailed(Exception):
    """corpusbench refused the command (exit 1): a usage or input error that a retry repeats."""


class StageCrashed(Exception):
    """The command died (a signal, a panic's exit code, a lost file system): worth a retry."""


class RoundLimit(Exception):
    """Label propagation still changed edges after the most rounds allowed."""


COMPONENTS = ("union-find", "propagate")


def waves(o: Options) -> list[list[Command]]:
    """The commands in the order the stages need them: every command of a wave may run at once,
    and a wave starts when the one before it has finished. With ``components="propagate"`` the
    single ``components`` wave is replaced by rounds whose number is known only as they run
    (``drive``); here it is ``components --propagated``, which follows them."""
    if o.parts < 1 or o.partitions < 1:
        raise ValueError("parts and partitions must be at least 1")
    if o.components not in COMPONENTS:
        raise ValueError(f"components must be one of {', '.join(COMPONENTS)}, not {o.components!r}")
    base = (o.binary, "stage")
    threads = ("--threads", str(o.threads))
    work = ("--work", o.work)

    def part(stage: str, i: int, n: int) -> Command:
        return Command(stage, i, base + (stage,) + work + ("--part", f"{i}/{n}") + threads)

    plan = base + ("plan", "--corpus", o.corpus, "-s", o.strategy)
    plan += ("--parts", str(o.parts), "--partitions", str(o.partitions)) + work + threads
    propagated = ("--propagated",) if o.components == "propagate" else ()
    return [
        [Command("plan", 0, plan)],
        [part("sign", i, o.parts) for i in range(o.parts)],
        [part("bucket", p, o.partitions) for p in range(o.partitions)],
        [Command("components", 0, base + ("components",) + work + threads + propagated)],
        [part("apply", i, o.parts) for i in range(o.parts)],
        [_score(o)],
    ]


def _score(o: Options | ExtractOptions) -> Command:
    score = (o.binary, "stage", "score", "--work", o.work, "--out", o.out, "--threads", str(o.threads))
    if o.bootstrap is not None:
        score += ("--bootstrap", str(o.bootstrap))
    if o.bootstrap_seed is not None:
        score += ("--bootstrap-seed", str(o.bootstrap_seed))
    return Command("score", 0, score)


def extract_waves(o: ExtractOptions) -> list[list[Command]]:
    """An extraction's commands: every part at once (each its own WARC files, extracted through
    corpusbench's workers under the page budget), then the score of them all."""
    if o.parts < 1:
        raise ValueError("parts must be at least 1")
    extract = []
    for i in range(o.parts):
        argv = (o.binary, "stage", "extract", "--corpus", o.corpus, "-s", o.strategy)
        argv += ("--part", f"{i}/{o.parts}", "--work", o.work, "--threads", str(o.threads))
        if o.page_timeout is not None:
            argv += ("--page-timeout", str(o.page_timeout))
        extract.append(Command("extract", i, argv))
    return [extract, [_score(o)]]


def waves_of(o: Options | ExtractOptions) -> list[list[Command]]:
    """The waves of a dedup run (``Options``) or of an extraction (``ExtractOptions``)."""
    return extract_waves(o) if isinstance(o, ExtractOptions) else waves(o)


def round_wave(o: Options, r: int, labels: bool = False) -> list[Command]:
    """Round `r` of label propagation (round 0 sends the bucket partitions' edges to their
    ranges), or with `labels` every range's labels from round `r`: one command a range."""
    stage = "labels" if labels else f"propagate-{r:05}"
    extra = ("--labels",) if labels else ()
    return [
        Command(stage, q, (o.binary, "stage", "propagate", "--work", o.work, "--round", str(r))
                + extra + ("--part", f"{q}/{o.partitions}", "--threads", str(o.threads)))
        for q in range(o.partitions)
    ]


def round_changed(work: str, r: int, ranges: int) -> bool:
    """Whether any range of round `r` changed the edges (``propagate/round-R/meta-Q.json``)."""
    changed = False
    for q in range(ranges):
        path = Path(work) / "propagate" / f"round-{r:05}" / f"meta-{q:05}.json"
        try:
            meta = json.loads(path.read_text())
            changed |= bool(meta["changed"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise StageFailed(f"{path}: not a round's meta ({e})") from None
    return changed


def drive(o: Options | ExtractOptions, run_wave) -> None:
    """Runs every wave through ``run_wave(wave)``, which returns when the wave is done: an
    extraction's waves, or a dedup run's fixed waves, and with ``components="propagate"`` round
    0, then rounds until one changes nothing (``RoundLimit`` past ``max_rounds``), then the
    labels, in place of union-find."""
    if isinstance(o, ExtractOptions):
        for wave in extract_waves(o):
            run_wave(wave)
        return
    fixed = waves(o)
    if o.components != "propagate":
        for wave in fixed:
            run_wave(wave)
        return
    for wave in fixed[:3]:
        run_wave(wave)
    run_wave(round_wave(o, 0))
    for r in range(1, o.max_rounds + 1):
        run_wave(round_wave(o, r))
        if not round_changed(o.work, r, o.partitions):
            run_wave(round_wave(o, r, labels=True))
            break
    else:
        raise RoundLimit(f"label propagation still changed edges after {o.max_rounds} rounds "
                         f"(--max-rounds); the rounds are in {o.work}/propagate")
    for wave in fixed[3:]:
        run_wave(wave)


def _write_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True) + "\n")
    os.replace(tmp, path)


def attempts_of(work: str, name: str) -> list[dict]:
    """The attempt records of one command (``stage-index``), in no particular order."""
    folder = Path(work) / ATTEMPTS
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.glob(f"{name}.*.json")):
        try:
            out.append(json.loads(p.read_text()))
        except (OSError, ValueError):
            continue  # being renamed into place
    return out


def attempt(command: Command, work: str, hold: tuple[str, int, float] | None = None) -> Attempt:
    """Runs one attempt of `command` in this process's host, recording it in the work folder
    (``ray/attempts/STAGE-INDEX.ID.json``: host, pid, start; on return the exit code, seconds and
    the command's CPU seconds).

    `hold` (stage, index, seconds) makes the first attempt of that one command wait before it
    starts: the test that kills a worker in the middle of a stage uses it to find one running.
    """
    first = not attempts_of(work, command.name)
    record = Path(work) / ATTEMPTS / f"{command.name}.{uuid.uuid4().hex}.json"
    info = {
        "stage": command.stage,
        "index": command.index,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": time.time(),
    }
    _write_atomic(record, info)
    if hold is not None and first and (hold[0], hold[1]) == (command.stage, command.index):
        time.sleep(hold[2])
    t0, r0 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(list(command.argv), capture_output=True, text=True, errors="replace")
    seconds, r1 = time.monotonic() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    # The command's own CPU (user + system): this process runs one command at a time.
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    info.update({"code": proc.returncode, "seconds": seconds, "cpu": cpu})
    _write_atomic(record, info)
    done = Attempt(
        command.stage,
        command.index,
        proc.returncode,
        seconds,
        cpu,
        info["host"],
        info["pid"],
        proc.stdout,
        proc.stderr,
        str(record),
    )
    if proc.returncode in (EXIT_CLEAN, EXIT_PARTIAL):
        return done
    what = f"`{' '.join(command.argv)}` exited with {proc.returncode}:\n{proc.stderr.strip()}"
    if proc.returncode == EXIT_FAILED:
        raise StageFailed(what)
    raise StageCrashed(what)
