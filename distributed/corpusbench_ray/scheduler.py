"""Runs the waves of the stage pipeline: as Ray tasks with retries, or here one after another.

Ray moves no data: each task runs one ``corpusbench stage`` command on the shared work folder
and returns its exit code and output. A task whose worker or node dies, or whose command crashes,
is retried (``max_retries``); a command corpusbench refuses (exit 1) fails the run at once.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from .pipeline import (
    EXIT_PARTIAL,
    Attempt,
    Command,
    ExtractOptions,
    Options,
    StageCrashed,
    StageFailed,
    attempt,
    drive,
)


@dataclass
class StageSummary:
    """One stage of a finished run: its commands, their seconds and CPU seconds (the attempts
    that completed), and the stage's wall time."""

    stage: str
    commands: int
    seconds: float
    cpu: float
    wall: float
    partial: bool


def _summarise(stage: str, done: list[Attempt], wall: float) -> StageSummary:
    partial = any(a.code == EXIT_PARTIAL for a in done)
    seconds, cpu = sum(a.seconds for a in done), sum(a.cpu for a in done)
    return StageSummary(stage, len(done), seconds, cpu, wall, partial)


def run_here(o: Options | ExtractOptions, retries: int = 2, log=sys.stderr) -> list[StageSummary]:
    """Every wave (of a dedup run or an extraction) in this process, one command after another,
    each retried up to `retries` times when it crashes: the single-machine path of the same
    commands."""
    summaries = []

    def run_wave(wave: list[Command]) -> None:
        t0 = time.monotonic()
        done = []
        for command in wave:
            for left in range(retries, -1, -1):
                try:
                    done.append(attempt(command, o.work))
                    break
                except StageCrashed as e:
                    if left == 0:
                        raise
                    print(f"corpusbench-ray: retrying {command.name}: {e}", file=log)
        _echo(done, log)
        summaries.append(_summarise(wave[0].stage, done, time.monotonic() - t0))

    drive(o, run_wave)
    return summaries


def run_on_ray(
    o: Options | ExtractOptions,
    address: str,
    retries: int = 3,
    hold: tuple[str, int, float] | None = None,
    log=sys.stderr,
) -> list[StageSummary]:
    """Every wave as Ray tasks on the cluster at `address` (one CPU a task), waiting for each
    wave before the next. The package travels to the workers with the job (``py_modules``)."""
    import ray

    from . import pipeline

    ray.init(
        address=address,
        runtime_env={"py_modules": [_package_dir()]},
        log_to_driver=False,
        logging_level="WARNING",
    )
    try:
        task = ray.remote(num_cpus=1)(_task).options(
            max_retries=retries, retry_exceptions=[pipeline.StageCrashed]
        )
        summaries = []

        def run_wave(wave: list[Command]) -> None:
            t0 = time.monotonic()
            refs = [task.remote(c, o.work, hold) for c in wave]
            try:
                done = ray.get(refs)
            except ray.exceptions.RayTaskError as e:
                for r in refs:
                    ray.cancel(r, force=True)
                cause = e.cause if isinstance(e.cause, (StageFailed, StageCrashed)) else e
                raise StageFailed(f"stage {wave[0].stage}: {cause}") from None
            _echo(done, log)
            summaries.append(_summarise(wave[0].stage, done, time.monotonic() - t0))

        drive(o, run_wave)
        return summaries
    finally:
        ray.shutdown()


def _task(command: Command, work: str, hold):
    return attempt(command, work, hold)


def _package_dir() -> str:
    import os

    return os.path.dirname(os.path.abspath(__file__))


def _echo(done: list[Attempt], log) -> None:
    """Passes the commands' own messages on (the score's leaderboard, input errors)."""
    for a in done:
        if a.stdout.strip():
            print(a.stdout.rstrip())
        if a.stderr.strip():
            print(a.stderr.rstrip(), file=log)
