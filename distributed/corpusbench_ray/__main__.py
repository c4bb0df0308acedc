"""Command line: ``python -m corpusbench_ray run ...`` and ``... extract ...`` (see ``--help``)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from .pipeline import COMPONENTS, ExtractOptions, Options, RoundLimit, StageCrashed, StageFailed
from .scheduler import run_here, run_on_ray


def _hold(text: str) -> tuple[str, int, float]:
    try:
        stage, index, seconds = text.split(":")
        return stage, int(index), float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not STAGE:INDEX:SECONDS") from None


def _common(p: argparse.ArgumentParser, default_strategy: str | None) -> None:
    """The arguments every pipeline takes: where it runs, the dataset, the work and the reports."""
    p.add_argument("--address", help="the Ray cluster (HOST:PORT, or `auto`); without it, "
                   "every stage runs here, one after another")
    p.add_argument("--bin", default=shutil.which("corpusbench"),
                   help="the corpusbench executable, at the same path on every node "
                   "(default: the one on PATH)")
    p.add_argument("--corpus", required=True, help="the dataset folder, on the shared storage")
    if default_strategy is None:
        p.add_argument("-s", "--strategy", required=True)
    else:
        p.add_argument("-s", "--strategy", default=default_strategy)
    p.add_argument("--work", required=True, help="the work folder, on the shared storage")
    p.add_argument("--out", required=True, help="the reports' folder")
    p.add_argument("--bootstrap", type=int)
    p.add_argument("--bootstrap-seed", type=int)
    p.add_argument("--threads", type=int, default=1, help="threads of each stage command")
    p.add_argument("--retries", type=int, default=3,
                   help="retries of a task whose worker, node or command dies")
    p.add_argument("--hold", type=_hold, help=argparse.SUPPRESS)  # tests: STAGE:INDEX:SECONDS


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="corpusbench_ray", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the stage pipeline of one strategy on one dataset")
    _common(run, "minhash@fineweb")
    run.add_argument("--parts", type=int, default=1, help="sign and apply tasks")
    run.add_argument("--partitions", type=int, default=1, help="bucket tasks (key ranges)")
    run.add_argument("--components", choices=COMPONENTS, default="union-find",
                     help="`minhash` components: union-find in one task, or `propagate`, rounds "
                     "of label propagation over ordinal ranges, one task a range")
    run.add_argument("--max-rounds", type=int, default=100,
                     help="the most rounds of `--components propagate` before the run fails")
    ext = sub.add_parser("extract", help="one extractor over a WARC dataset, a task per part")
    _common(ext, None)
    ext.add_argument("--parts", type=int, default=1,
                     help="extract tasks, each a run of whole WARC files")
    ext.add_argument("--page-timeout", type=float,
                     help="time budget of one page, seconds (corpusbench's default: 10)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.bin:
        print("corpusbench_ray: no corpusbench on PATH; give --bin", file=sys.stderr)
        return 1
    # Absolute paths, so that every node resolves the same files.
    absolute = os.path.abspath
    common = dict(
        binary=absolute(args.bin),
        corpus=absolute(args.corpus),
        strategy=args.strategy,
        parts=args.parts,
        work=absolute(args.work),
        out=absolute(args.out),
        bootstrap=args.bootstrap,
        bootstrap_seed=args.bootstrap_seed,
        threads=args.threads,
    )
    if args.command == "extract":
        o = ExtractOptions(page_timeout=args.page_timeout, **common)
    else:
        o = Options(partitions=args.partitions, components=args.components, max_rounds=args.max_rounds, **common)
    try:
        if args.address:
            stages = run_on_ray(o, args.address, retries=args.retries, hold=args.hold)
        else:
            stages = run_here(o, retries=args.retries)
    except (StageFailed, StageCrashed, RoundLimit, ValueError) as e:
        print(f"corpusbench_ray: {e}", file=sys.stderr)
        return 1
    for s in stages:
        print(f"corpusbench_ray: {s.stage}: {s.commands} task(s), {s.seconds:.2f} s in commands "
              f"({s.cpu:.2f} CPU-s), {s.wall:.2f} s wall", file=sys.stderr)
    print(f"corpusbench_ray: reports in {o.out}", file=sys.stderr)
    # As corpusbench's own exit: 2 when input records were reported and left out.
    return 2 if any(s.partial for s in stages) else 0


if __name__ == "__main__":
    sys.exit(main())
