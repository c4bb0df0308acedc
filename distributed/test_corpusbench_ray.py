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
    RoundLimit,
    StageCrashed,
    StageFailed,
    attempt,
    attempts_of,
    drive,
    extract_waves,
    round_changed,
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


def write_meta(work: str, r: int, q: int, changed: bool) -> None:
    folder = Path(work) / "propagate" / f"round-{r:05}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"meta-{q:05}.json").write_text(json.dumps({"round": r, "changed": changed}))


class Rounds(unittest.TestCase):
    """``--components propagate``: rounds as waves until one changes nothing."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.work = str(Path(self.tmp.name) / "w")

    def tearDown(self):
        self.tmp.cleanup()

    def fake(self, settles_at: int | None):
        """A wave runner that records the waves and writes each round's metas: range 1 changes
        edges until round `settles_at` (never when None)."""
        ran = []

        def run_wave(wave):
            ran.append(wave)
            for c in wave:
                if c.stage.startswith("propagate-"):
                    r = int(c.stage.split("-")[1])
                    write_meta(self.work, r, c.index, c.index == 1 and (settles_at is None or r < settles_at))
        return ran, run_wave

    def test_rounds_run_until_one_changes_nothing_then_labels_replace_union_find(self):
        o = options(self.work, components="propagate", max_rounds=10)
        ran, run_wave = self.fake(settles_at=4)
        drive(o, run_wave)
        stages = [w[0].stage for w in ran]
        self.assertEqual(stages, ["plan", "sign", "bucket", "propagate-00000", "propagate-00001",
                                  "propagate-00002", "propagate-00003", "propagate-00004", "labels",
                                  "components", "apply", "score"])
        self.assertTrue(all(len(w) == 2 for w in ran[3:9]))  # one task a range (2 partitions)
        r3 = ran[6][1].argv
        self.assertEqual(r3[1:3], ("stage", "propagate"))
        self.assertEqual((r3[r3.index("--round") + 1], r3[r3.index("--part") + 1]), ("3", "1/2"))
        self.assertNotIn("--labels", r3)
        labels = ran[8][0].argv
        self.assertIn("--labels", labels)
        self.assertEqual(labels[labels.index("--round") + 1], "4")
        self.assertIn("--propagated", ran[9][0].argv)

    def test_a_round_limit_fails_clearly_before_components(self):
        o = options(self.work, components="propagate", max_rounds=3)
        ran, run_wave = self.fake(settles_at=None)
        with self.assertRaisesRegex(RoundLimit, "after 3 rounds"):
            drive(o, run_wave)
        self.assertEqual(ran[-1][0].stage, "propagate-00003")

    def test_union_find_runs_the_fixed_waves_and_a_missing_meta_is_refused(self):
        ran, run_wave = self.fake(settles_at=1)
        drive(options(self.work), run_wave)
        self.assertEqual([w[0].stage for w in ran], [w[0].stage for w in waves(options(self.work))])
        self.assertNotIn("--propagated", ran[3][0].argv)
        write_meta(self.work, 7, 0, False)
        with self.assertRaisesRegex(StageFailed, "meta-00001.json"):
            round_changed(self.work, 7, 2)
        with self.assertRaises(ValueError):
            waves(options(self.work, components="label-propagation"))

    def test_run_here_loops_over_a_fake_binary(self):
        # Writes each round's meta as corpusbench would: changed until round 2.
        fake = script(Path(self.tmp.name), r'''
if [ "$2" = propagate ] && [ "$7" = --part ]; then
  d="$4/propagate/round-$(printf %05d "$6")"; mkdir -p "$d"; q="${8%/*}"
  if [ "$6" -lt 2 ]; then c=true; else c=false; fi
  echo "{\"round\": $6, \"changed\": $c}" > "$d/meta-$(printf %05d "$q").json"
fi
exit 0''')
        o = options(self.work, binary=fake, parts=2, partitions=3, components="propagate")
        stages = run_here(o, log=io.StringIO())
        self.assertEqual([s.stage for s in stages][3:7], ["propagate-00000", "propagate-00001",
                                                          "propagate-00002", "labels"])
        self.assertEqual([s.commands for s in stages][3:7], [3, 3, 3, 3])


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
