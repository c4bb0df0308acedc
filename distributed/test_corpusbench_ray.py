"""The package's own logic without Ray: the waves of commands, what an attempt records and how
its exit code is read, and the local scheduler's retries. (The runs on a real Ray cluster are
tests/data/ray.rs.) Standard library only: ``python3 -m unittest discover -s distributed``."""

import io
import json
import os
import stat
import tempfile
import unittest
import unittest.mock
from pathlib import Path

from corpusbench_ray.__main__ import main
from corpusbench_ray.pipeline import (
    Command,
    ExtractOptions,
    Options,
    StageCrashed,
    StageFailed,
    attempt,
    attempts_of,
    extract_waves,
    waves,
    waves_of,
)
from corpusbench_ray.scheduler import run_here


def options(work: str, binary: str = "/bin/corpusbench", **kw) -> Options:
    base = dict(binary=binary, corpus="/data/ds", strategy="minhash@fineweb", parts=3, partitions=2,
                work=work, out="/out")
    base.update(kw)
    return Options(**base)


class Waves(unittest.TestCase):
    def test_stages_in_order_with_their_parts(self):
        w = waves(options("/w", bootstrap=50))
        self.assertEqual([c.stage for c in (wave[0] for wave in w)],
                         ["plan", "sign", "bucket", "components", "apply", "score"])
        self.assertEqual([len(wave) for wave in w], [1, 3, 2, 1, 3, 1])
        sign2 = w[1][2].argv
        self.assertEqual(sign2[:3], ("/bin/corpusbench", "stage", "sign"))
        self.assertIn("2/3", sign2)
        self.assertEqual(w[2][1].argv[w[2][1].argv.index("--part") + 1], "1/2")
        plan = w[0][0].argv
        self.assertEqual(plan[plan.index("--parts") + 1], "3")
        self.assertEqual(plan[plan.index("-s") + 1], "minhash@fineweb")
        score = w[5][0].argv
        self.assertEqual(score[score.index("--bootstrap") + 1], "50")
        self.assertNotIn("--bootstrap-seed", score)

    def test_refuses_empty_cuts(self):
        with self.assertRaises(ValueError):
            waves(options("/w", parts=0))


def extract_options(work: str, binary: str = "/bin/corpusbench", **kw) -> ExtractOptions:
    base = dict(binary=binary, corpus="/data/crawl", strategy="sift", parts=3, work=work, out="/out")
    base.update(kw)
    return ExtractOptions(**base)


class ExtractWaves(unittest.TestCase):
    def test_every_part_at_once_then_the_score(self):
        w = extract_waves(extract_options("/w", bootstrap=50, page_timeout=2.5))
        self.assertEqual([[c.stage for c in wave] for wave in w], [["extract"] * 3, ["score"]])
        self.assertEqual(waves_of(extract_options("/w")), extract_waves(extract_options("/w")))
        part1 = w[0][1].argv
        self.assertEqual(part1[:3], ("/bin/corpusbench", "stage", "extract"))
        for flag, value in [("--corpus", "/data/crawl"), ("-s", "sift"), ("--part", "1/3"), ("--work", "/w"),
                            ("--threads", "1"), ("--page-timeout", "2.5")]:
            self.assertEqual(part1[part1.index(flag) + 1], value, flag)
        self.assertEqual([c.index for c in w[0]], [0, 1, 2])
        score = w[1][0].argv
        self.assertEqual(score[:3], ("/bin/corpusbench", "stage", "score"))
        self.assertEqual(score[score.index("--bootstrap") + 1], "50")
        self.assertEqual(score[score.index("--work") + 1], "/w")
        # The dedup run's score command is built the same way.
        self.assertEqual(waves(options("/w", bootstrap=50))[5][0].argv, score)

    def test_without_a_page_timeout_corpusbench_s_default_holds(self):
        argv = extract_waves(extract_options("/w"))[0][0].argv
        self.assertNotIn("--page-timeout", argv)

    def test_refuses_empty_cuts(self):
        with self.assertRaises(ValueError):
            extract_waves(extract_options("/w", parts=0))


def script(folder: Path, body: str) -> str:
    """An executable shell script standing in for corpusbench."""
    path = folder / "fake"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


class Attempts(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_clean_and_partial_exits_complete_and_are_recorded(self):
        for code in (0, 2):
            c = Command("sign", code, (script(self.dir, f"echo out; echo err >&2; exit {code}"),))
            done = attempt(c, str(self.dir))
            self.assertEqual((done.code, done.stdout, done.stderr), (code, "out\n", "err\n"))
            [rec] = attempts_of(str(self.dir), c.name)
            self.assertEqual((rec["stage"], rec["index"], rec["code"], rec["pid"]), ("sign", code, code, os.getpid()))

    def test_a_refusal_is_not_worth_a_retry_and_a_crash_is(self):
        with self.assertRaisesRegex(StageFailed, "exited with 1:\nbad part"):
            attempt(Command("bucket", 0, (script(self.dir, "echo bad part >&2; exit 1"),)), str(self.dir))
        with self.assertRaises(StageCrashed):
            attempt(Command("bucket", 1, (script(self.dir, "kill -9 $$"),)), str(self.dir))
        with self.assertRaises(StageCrashed):
            attempt(Command("bucket", 2, (script(self.dir, "exit 101"),)), str(self.dir))

    def test_hold_waits_on_the_first_attempt_only(self):
        c = Command("apply", 4, (script(self.dir, "exit 0"),))
        hold = ("apply", 4, 0.3)
        first = attempt(c, str(self.dir), hold)
        again = attempt(c, str(self.dir), hold)
        records = attempts_of(str(self.dir), c.name)
        self.assertEqual(len(records), 2)
        waited = [r["seconds"] for r in records]
        self.assertTrue(all(s < 0.3 for s in waited), waited)  # the hold is before the command
        starts = sorted(r["started"] for r in records)
        self.assertGreaterEqual(starts[1] - starts[0], 0.3)
        self.assertEqual((first.code, again.code), (0, 0))


class RunHere(unittest.TestCase):
    def test_a_crashing_command_is_retried_then_given_up(self):
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            # Crashes the first time it is run for each stage (`$2`), then succeeds.
            fake = script(d, 'm="$0.$2"; if [ -e "$m" ]; then exit 0; fi; touch "$m"; exit 134')
            stages = run_here(options(str(d / "w"), binary=fake, parts=2, partitions=1), retries=1,
                              log=io.StringIO())
            self.assertEqual([s.commands for s in stages], [1, 2, 1, 1, 2, 1])
            sign = attempts_of(str(d / "w"), "sign-00000")
            self.assertEqual(sorted(json.dumps(r.get("code")) for r in sign), ["0", "134"])
            self.assertEqual(len(attempts_of(str(d / "w"), "sign-00001")), 1)
            always = script(d, "exit 134")
            with self.assertRaises(StageCrashed):
                run_here(options(str(d / "w2"), binary=always), retries=2, log=io.StringIO())
            self.assertEqual(len(attempts_of(str(d / "w2"), "plan-00000")), 3)

    def test_an_extraction_runs_its_parts_then_the_score_with_retries(self):
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            # Each command appends its stage and part to a log; part 1 crashes the first time.
            log = d / "log"
            fake = script(d, f'echo "$2 $8" >> {log}; '
                             'm="$0.$2.${8%%/*}"; '
                             'if [ "$8" = "1/2" ] && [ ! -e "$m" ]; then touch "$m"; exit 134; fi; exit 0')
            stages = run_here(extract_options(str(d / "w"), binary=fake, parts=2), retries=1, log=io.StringIO())
            self.assertEqual([(s.stage, s.commands) for s in stages], [("extract", 2), ("score", 1)])
            self.assertEqual(log.read_text().split("\n")[:4], ["extract 0/2", "extract 1/2", "extract 1/2", "score 1"])
            self.assertEqual(len(attempts_of(str(d / "w"), "extract-00001")), 2)
            self.assertEqual(len(attempts_of(str(d / "w"), "score-00000")), 1)


class Main(unittest.TestCase):
    def test_extract_needs_a_strategy(self):
        with self.assertRaises(SystemExit), unittest.mock.patch("sys.stderr", io.StringIO()):
            main(["extract", "--bin", "/bin/true", "--corpus", "c", "--work", "w", "--out", "o"])

    def test_extract_here_exits_as_corpusbench_and_refusals_fail(self):
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            # A part that left records out exits 2; so does the run.
            partial = script(d, 'if [ "$2" = "extract" ] && [ "$8" = "0/2" ]; then exit 2; fi; exit 0')
            args = ["extract", "--bin", partial, "--corpus", str(d), "-s", "sift", "--parts", "2",
                    "--work", str(d / "w"), "--out", str(d / "o")]
            with unittest.mock.patch("sys.stderr", io.StringIO()):
                self.assertEqual(main(args), 2)
                refused = script(d, "echo no such extractor >&2; exit 1")
                args[args.index("--bin") + 1] = refused
                args[args.index("--work") + 1] = str(d / "w2")
                self.assertEqual(main(args), 1)
                self.assertEqual(len(attempts_of(str(d / "w2"), "extract-00000")), 1)


if __name__ == "__main__":
    unittest.main()
