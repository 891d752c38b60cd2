"""`python -m local`: the reference system on this machine, without an AWS account.

    python -m local                     # run until Ctrl-C, printing what happens
    python -m local --fast              # one scheduled minute per real second
    python -m local --demo --fast       # the Lab 4 scenario and a batch upload, checked; exit 0 when all pass

Exit codes: 0 done (or every demo check passed), 1 a demo check failed, 2 the system could not start
(invalid stack config, a process that did not come up).
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

from stack.config import StackConfigError

from .demo import CheckFailed, run_demo
from .processes import Processes, StartupError
from .system import Console, LocalSystem, load_stack_settings

FAST_SPEED = 60.0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    speed = FAST_SPEED if args.fast else args.speed
    console = Console()
    try:
        settings = load_stack_settings(args.stack)
    except (StackConfigError, FileNotFoundError) as error:
        print(f"python -m local: {error}", file=sys.stderr)
        return 2
    log_dir = Path(args.log_dir) if args.log_dir else Path(tempfile.mkdtemp(prefix="ecs-workloads-local-"))
    _stop_on_signals()
    console.say("local", f"stack {args.stack}, clock ×{speed:g}, logs in {log_dir}")
    with Processes(log_dir) as processes:
        system = LocalSystem(processes, settings, console, speed=speed, workers_per_pipeline=args.workers)
        try:
            system.start(schedule=not args.demo)
            if args.demo:
                run_demo(system)
                return 0
            _print_usage(system)
            deadline = time.monotonic() + args.duration if args.duration else None
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.5)
            return 0
        except CheckFailed as failure:
            console.say("demo", f"CHECK FAILED: {failure}")
            return 1
        except StartupError as error:
            console.say("local", f"could not start: {error}")
            return 2
        except KeyboardInterrupt:
            console.say("local", "stopping")
            return 0
        finally:
            system.close()
            console.say("local", "all processes stopped")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml settings to run (default dev)")
    parser.add_argument("--demo", action="store_true", help="run the checked scenario, then exit")
    parser.add_argument("--fast", action="store_true", help=f"run the schedule clock ×{FAST_SPEED:g} (1 s per minute)")
    parser.add_argument("--speed", type=float, default=1.0, help="schedule clock speed-up (default 1: real time)")
    parser.add_argument("--workers", type=int, default=1, help="batch workers per pipeline (default 1)")
    parser.add_argument("--duration", type=float, default=0, help="stop after this many seconds (default: Ctrl-C)")
    parser.add_argument("--log-dir", help="where the processes' logs go (default: a new temporary directory)")
    return parser


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP stop the run like Ctrl-C does, so every child process is stopped too. SIGINT is set
    explicitly because a shell starting the runner in the background would otherwise leave it ignored."""

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)


def _print_usage(system: LocalSystem) -> None:
    assert system.aws is not None
    endpoint = system.aws.endpoint
    say = system.console.say
    say("local", "running; Ctrl-C stops everything")
    say("local", f"try: curl {system.cats_url}/cats/api/list-pictures/")
    aws_env = f"AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1"
    say(
        "local",
        f'try: curl -X POST -H "Authorization: Bearer $({aws_env} aws secretsmanager get-secret-value '
        f'--secret-id {system.api_token_secret_arn} --query SecretString --output text)" '
        f"{system.cats_url}/cats/api/delete-pictures/1",
    )
    for name, pipeline in system.pipelines.items():
        resources = pipeline.resources
        example = "reviews.jsonl" if ".jsonl" in resources.suffixes else "cat.jpg"
        say(
            "local",
            f"try: {aws_env} aws s3 cp {example} s3://{resources.input_bucket}/  ({name})",
        )


if __name__ == "__main__":
    sys.exit(main())
