"""How the program's evaluation time grows with the number of workloads (a benchmark, not a test).

Runs the dev stack under the offline mocks, as is and with 10, 100 and 300 generated scheduled jobs
(`ecs-workloads:jobs` entries running busybox every 5 minutes), each case in a fresh Python process so no
case inherits another's imports or caches. Prints resources registered, seconds to evaluate, the marginal
seconds per job, the time the plan tools (tree, snapshot, diagram) take on the result, and whether growth
is linear.

    python bench/evaluation_scale.py                  # make bench-scale
    python bench/evaluation_scale.py --jobs 10 50     # other sizes
    python bench/evaluation_scale.py --profile 100    # cProfile of one run with 100 jobs (main thread)
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_JOBS = (10, 100, 300)
TARGET_JOBS, TARGET_SECONDS = 100, 10.0
IMAGE = "public.ecr.aws/docker/library/busybox:1.36"


def jobs_config(count: int) -> dict:
    """The dev stack's config with `count` generated scheduled jobs."""
    from harness.program import stack_config

    config = stack_config("dev", PROJECT_DIR)
    config["ecs-workloads:jobs"] = [
        {"name": f"bench-{index:03d}", "schedule": "rate(5 minutes)", "workload": {"image": IMAGE}}
        for index in range(count)
    ]
    return config


def measure(count: int) -> dict:
    """One case, in this process: evaluate, then run the plan tools over the recording."""
    from harness.program import run_program
    from plan import diagram, snapshot
    from plan.render import render_tree

    config = jobs_config(count)
    started = time.perf_counter()
    recording = run_program("dev", config=config, project_dir=PROJECT_DIR)
    evaluated = time.perf_counter() - started
    started = time.perf_counter()
    render_tree(recording)
    snapshot.render(recording, "dev")
    diagram.to_mermaid(diagram.build(recording))
    tools = time.perf_counter() - started
    return {"jobs": count, "resources": len(recording.registrations), "seconds": evaluated, "tools": tools}


def _fresh(count: int) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--worker", str(count)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(counts: list[int]) -> None:
    print(
        f"Evaluation of the dev stack under the mocks, each case in a fresh process "
        f"(Python {platform.python_version()}, {os.cpu_count()} CPUs)\n"
    )
    header = f"{'case':<14}{'jobs':>6}{'resources':>11}{'evaluate s':>12}{'s/job':>9}{'res/job':>9}{'tools s':>9}"
    print(header)
    print("-" * len(header))
    base = _fresh(0)
    rows = [base]
    _print_row("dev", base, base)
    for count in counts:
        row = _fresh(count)
        rows.append(row)
        _print_row(f"dev+{count} jobs", row, base)
    print()
    sized = [r for r in rows if r["jobs"]]
    if len(sized) >= 3:
        # Marginal cost per job over successive intervals: equal slopes mean linear growth.
        slopes = [
            ((b["seconds"] - a["seconds"]) / (b["jobs"] - a["jobs"]), a["jobs"], b["jobs"])
            for a, b in itertools.pairwise(sized)
        ]
        parts = ", ".join(f"{a}→{b}: {s:.3f}" for s, a, b in slopes)
        ratio = slopes[-1][0] / slopes[0][0]
        verdict = "linear" if ratio < 1.5 else "growing faster than linear"
        print(f"Seconds per added job by interval: {parts}; last/first = {ratio:.2f} ({verdict}; 1.0 is linear)")
    target = next((r for r in rows if r["jobs"] == TARGET_JOBS), None)
    if target is not None:
        met = "met" if target["seconds"] < TARGET_SECONDS else "missed"
        print(f"{TARGET_JOBS} jobs: {target['seconds']:.1f} s (target under {TARGET_SECONDS:.0f} s: {met})")


def _print_row(case: str, row: dict, base: dict) -> None:
    jobs = row["jobs"]
    per_job = f"{(row['seconds'] - base['seconds']) / jobs:.3f}" if jobs else "-"
    per_job_resources = f"{(row['resources'] - base['resources']) / jobs:.0f}" if jobs else "-"
    print(
        f"{case:<14}{jobs:>6}{row['resources']:>11}{row['seconds']:>12.2f}{per_job:>9}{per_job_resources:>9}"
        f"{row['tools']:>9.2f}",
        flush=True,
    )


def profile(count: int) -> None:
    import cProfile
    import pstats

    from harness.program import run_program

    config = jobs_config(count)
    profiler = cProfile.Profile()
    profiler.enable()
    run_program("dev", config=config, project_dir=PROJECT_DIR)
    profiler.disable()
    # cProfile sees the main thread only; the SDK's mock monitor calls run in its executor threads.
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(r"/(plan|components|stack)/", 25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, nargs="+", default=list(DEFAULT_JOBS), help="job counts to measure")
    parser.add_argument("--profile", type=int, metavar="JOBS", help="profile one run with this many jobs")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(PROJECT_DIR))
    if args.worker is not None:
        print(json.dumps(measure(args.worker)))
    elif args.profile is not None:
        profile(args.profile)
    else:
        report(sorted(set(args.jobs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
