"""How the program's evaluation time grows with the number of workloads, against its floor (a benchmark, not a test).

Runs the dev stack under the offline mocks, as is and with 10, 100 and 300 generated scheduled jobs
(`ecs-workloads:jobs` entries running busybox every 5 minutes), each case in a fresh Python process so no
case inherits another's imports or caches. Beside each case it runs the floor (`evaluation_floor.py`): a
bare Pulumi program under minimal mocks that registers, per job, the resource mix recorded from one real
job (same types, parents and wiring). Prints resources registered, seconds to evaluate, the marginal
seconds per job for both, our per-job time over the floor's, the time the plan tools (tree, snapshot,
diagram) take on the result, and whether growth is linear.

    python bench/evaluation_scale.py                  # make bench-scale
    python bench/evaluation_scale.py --jobs 10 50     # other sizes
    python bench/evaluation_scale.py --profile 100    # cProfile of one run with 100 jobs (main thread)
"""

from __future__ import annotations

import argparse
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
# Our seconds per job over the floor's, at least from TARGET_JOBS jobs on.
TARGET_RATIO = 1.3
# Per-job time at the largest size over the next largest; above this, growth is not linear.
LINEAR_TOLERANCE = 1.25
JOB_NAME = "bench-{index:03d}"
IMAGE = "public.ecr.aws/docker/library/busybox:1.36"


def jobs_config(count: int) -> dict:
    """The dev stack's config with `count` generated scheduled jobs."""
    from harness.program import stack_config

    config = stack_config("dev", PROJECT_DIR)
    config["ecs-workloads:jobs"] = [
        {"name": JOB_NAME.format(index=index), "schedule": "rate(5 minutes)", "workload": {"image": IMAGE}}
        for index in range(count)
    ]
    return config


def measure(count: int) -> dict:
    """One case, in this process: evaluate, then run the plan tools over the recording."""
    from harness.program import run_program
    from plan import diagram, diagram_render, snapshot
    from plan.render import render_tree

    config = jobs_config(count)
    cpu, started = time.process_time(), time.perf_counter()
    recording = run_program("dev", config=config, project_dir=PROJECT_DIR)
    evaluated, cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    render_tree(recording)
    snapshot.render(recording, "dev")
    diagram_render.to_mermaid(diagram.build(recording))
    tools = time.perf_counter() - started
    return {
        "jobs": count,
        "resources": len(recording.registrations),
        "seconds": evaluated,
        "cpu": cpu,
        "tools": tools,
    }


def recorded_job() -> dict:
    """The floor's template: the registrations of the first job of a dev stack with one job."""
    from bench.evaluation_floor import job_template
    from harness.program import run_program
    from stack.jobs import job_resource_name

    recording = run_program("dev", config=jobs_config(1), project_dir=PROJECT_DIR)
    name = JOB_NAME.format(index=0)
    job = next(r for r in recording.registrations if r.name == job_resource_name(name))
    return job_template(recording, job.urn, name)


def measure_floor(template: dict, count: int) -> dict:
    from bench.evaluation_floor import provider_classes, run_floor

    # Outside the clock, so a case's time does not depend on how long the imports took that time.
    provider_classes(template)
    cpu, started = time.process_time(), time.perf_counter()
    run_floor(template, count)
    return {"jobs": count, "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}


def _fresh(*args: str, stdin: str | None = None) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, *args],
        cwd=PROJECT_DIR,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(counts: list[int]) -> None:
    print(
        f"Evaluation of the dev stack under the mocks against its floor, each case in a fresh process "
        f"(Python {platform.python_version()}, {os.cpu_count()} CPUs)\n"
    )
    template = json.dumps(_fresh("--template"))
    header = (
        f"{'case':<14}{'jobs':>6}{'resources':>11}{'evaluate s':>12}{'floor s':>9}{'s/job':>8}{'floor s/job':>13}"
        f"{'ours/floor':>12}{'cpu ratio':>11}{'tools s':>9}"
    )
    print(header)
    print("-" * len(header))
    rows = [_case(0, template)]
    base = rows[0]
    _print_row("dev", base, base)
    for count in counts:
        rows.append(_case(count, template))
        _print_row(f"dev+{count} jobs", rows[-1], base)
    print(
        "\ns/job: seconds each job adds to the case without jobs; ours/floor: that over the floor's; "
        "cpu ratio: the same in\nCPU seconds of the process, which other work on the machine disturbs less.\n"
    )
    sized = [r for r in rows if r["jobs"]]
    if len(sized) >= 2:
        small, large = sized[-2], sized[-1]
        ours = _per_job(large, base, "seconds") / _per_job(small, base, "seconds")
        floor = _per_job(large, base, "floor") / _per_job(small, base, "floor")
        verdict = "linear" if ours < LINEAR_TOLERANCE else "growing faster than linear"
        print(
            f"Seconds per job at {large['jobs']} over at {small['jobs']} jobs: ours {ours:.2f}, floor {floor:.2f} "
            f"({verdict}; 1.0 is linear)"
        )
    for row in sized:
        if row["jobs"] >= TARGET_JOBS:
            ratio = _ratio(row, base, "seconds", "floor")
            met = "met" if ratio <= TARGET_RATIO else "missed"
            print(f"{row['jobs']} jobs: {ratio:.2f}x the floor per job (target at most {TARGET_RATIO}x: {met})")
    target = next((r for r in rows if r["jobs"] == TARGET_JOBS), None)
    if target is not None:
        met = "met" if target["seconds"] < TARGET_SECONDS else "missed"
        print(f"{TARGET_JOBS} jobs: {target['seconds']:.1f} s (target under {TARGET_SECONDS:.0f} s: {met})")


def _case(count: int, template: str) -> dict:
    # Ours and the floor back to back, so other work on the machine slows both alike.
    row = _fresh("--worker", str(count))
    floor = _fresh("--floor-worker", str(count), stdin=template)
    return row | {"floor": floor["seconds"], "floor_cpu": floor["cpu"]}


def _per_job(row: dict, base: dict, key: str) -> float:
    """Seconds each job adds to the case without jobs: the stack's own resources are no job's cost."""
    return (row[key] - base[key]) / row["jobs"]


def _ratio(row: dict, base: dict, ours: str, floor: str) -> float:
    return _per_job(row, base, ours) / _per_job(row, base, floor)


def _print_row(case: str, row: dict, base: dict) -> None:
    jobs = row["jobs"]
    per_job = f"{_per_job(row, base, 'seconds'):.3f}" if jobs else "-"
    floor_per_job = f"{_per_job(row, base, 'floor'):.3f}" if jobs else "-"
    ratio = f"{_ratio(row, base, 'seconds', 'floor'):.2f}" if jobs else "-"
    cpu_ratio = f"{_ratio(row, base, 'cpu', 'floor_cpu'):.2f}" if jobs else "-"
    print(
        f"{case:<14}{jobs:>6}{row['resources']:>11}{row['seconds']:>12.2f}{row['floor']:>9.2f}{per_job:>8}"
        f"{floor_per_job:>13}{ratio:>12}{cpu_ratio:>11}{row['tools']:>9.2f}",
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
    parser.add_argument("--floor-worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--template", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(PROJECT_DIR))
    if args.worker is not None:
        print(json.dumps(measure(args.worker)))
    elif args.floor_worker is not None:
        print(json.dumps(measure_floor(json.load(sys.stdin), args.floor_worker)))
    elif args.template:
        print(json.dumps(recorded_job()))
    elif args.profile is not None:
        profile(args.profile)
    else:
        report(sorted(set(args.jobs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
