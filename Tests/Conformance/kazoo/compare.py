"""Verdict for run.sh: compare a kazoo run with apache-baseline.txt.

results file: lines "<passed|failed|skipped> <nodeid>" written by
corral_plugin.py. Baseline: one nodeid per line ('#' comments). Exclusions:
the "## Exclusions" section of Tests/Conformance/README.md, lines like
    - `kazoo/tests/test_x.py::TestY::test_z` — reason
(the id may be an fnmatch pattern, e.g. `kazoo/tests/test_x.py::TestY::*`;
a reason is required).

The last line printed is "kazoo: N passed, N failed, N skipped" (raw outcomes
of this run, errors counted as failed); the exit status is the verdict.
"""

import argparse
import fnmatch
import re
import sys


def read_results(path):
    results = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.strip().split(" ", 1)
                if len(parts) == 2:
                    results[parts[1]] = parts[0]
    except FileNotFoundError:
        pass
    return results


def read_baseline(path):
    try:
        with open(path) as f:
            return [
                line.strip()
                for line in f
                if line.strip() and not line.startswith("#")
            ]
    except FileNotFoundError:
        return None


EXCLUSION_RE = re.compile(r"^[-*]\s+`?([^`\s]+)`?\s*(?:—|–|:|-)\s*(\S.*)$")


def read_exclusions(path):
    exclusions = []
    try:
        lines = open(path).read().splitlines()
    except FileNotFoundError:
        return exclusions
    in_section = False
    for line in lines:
        if line.startswith("#"):
            in_section = line.lstrip("#").strip().lower().startswith(
                "exclusions"
            )
            continue
        if not in_section:
            continue
        m = EXCLUSION_RE.match(line.strip())
        if m and "kazoo/" in m.group(1):
            exclusions.append((m.group(1), m.group(2).strip()))
    return exclusions


def excluded(nodeid, exclusions):
    for pattern, reason in exclusions:
        if nodeid == pattern or fnmatch.fnmatchcase(nodeid, pattern):
            return reason
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["apache", "corral"], required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("--pytest-rc", type=int, default=0)
    ap.add_argument("--update-baseline", action="store_true")
    ap.add_argument("--partial", action="store_true",
                    help="a subset was selected: ignore baseline tests not run")
    args = ap.parse_args()

    results = read_results(args.results)
    n_pass = sum(1 for o in results.values() if o == "passed")
    n_fail = sum(1 for o in results.values() if o == "failed")
    n_skip = sum(1 for o in results.values() if o == "skipped")
    baseline = read_baseline(args.baseline)
    exclusions = read_exclusions(args.readme) if args.mode == "corral" else []
    ok = True

    def finish(code):
        print("kazoo: %d passed, %d failed, %d skipped" % (n_pass, n_fail, n_skip))
        sys.exit(code)

    if args.update_baseline:
        if args.partial or args.pytest_rc not in (0, 1) or not results:
            print("compare: not updating the baseline from a partial or "
                  "aborted run (pytest exit %d)" % args.pytest_rc)
            finish(1)
        passed = sorted(n for n, o in results.items() if o == "passed")
        with open(args.baseline, "w") as f:
            f.write(
                "# kazoo 2.11 tests that pass against Apache ZooKeeper 3.8.0 "
                "(Debian), standalone\n"
                "# (ZOOKEEPER_CLUSTER_SIZE=1). Regenerate with:\n"
                "#   Tests/Conformance/kazoo/run.sh --apache --update-baseline\n"
            )
            f.write("\n".join(passed) + "\n")
        print("compare: wrote %d tests to %s" % (len(passed), args.baseline))
        finish(0)

    if baseline is None:
        print("compare: no baseline file %s" % args.baseline)
        finish(1)

    regressions, excused = [], []
    for nodeid in baseline:
        outcome = results.get(nodeid)
        if outcome is None and args.partial:
            continue
        if outcome == "passed":
            continue
        reason = excluded(nodeid, exclusions)
        what = outcome or "not run"
        if reason:
            excused.append((nodeid, what, reason))
        else:
            regressions.append((nodeid, what))

    base = set(baseline)
    extra_pass = sorted(
        n for n, o in results.items() if o == "passed" and n not in base
    )
    stale_excl = sorted(
        n for n, o in results.items()
        if o == "passed" and n in base and excluded(n, exclusions)
    )

    label = "Corral" if args.mode == "corral" else "Apache (flaky baseline?)"
    if excused:
        print("\nexcluded (README.md), not counted: %d" % len(excused))
        for nodeid, what, reason in excused:
            print("  %s %s  [%s]" % (what, nodeid, reason))
    if stale_excl:
        print("\nexcluded but passing now (remove from README?):")
        for nodeid in stale_excl:
            print("  " + nodeid)
    if extra_pass:
        print("\npassing but not in the Apache baseline: %d" % len(extra_pass))
        for nodeid in extra_pass:
            print("  " + nodeid)
    if regressions:
        ok = False
        print("\nbaseline tests that did not pass on %s: %d" % (label, len(regressions)))
        for nodeid, what in regressions:
            print("  %s %s" % (what, nodeid))
    considered = len(baseline) if not args.partial else sum(
        1 for n in baseline if n in results
    )
    print("\ncompare: %d/%d baseline tests passed, %d regressions, %d excluded"
          % (considered - len(regressions) - len(excused), considered,
             len(regressions), len(excused)))
    if not results:
        ok = False
        print("compare: no test results at all (pytest exit %d)" % args.pytest_rc)
    finish(0 if ok else 1)


if __name__ == "__main__":
    main()
