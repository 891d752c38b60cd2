"""`python -m local`: the reference system on this machine, without an AWS account.

    python -m local                     # run until Ctrl-C; writes build/local/outputs.json for ecs-workloads
    python -m local --fast              # one scheduled minute per real second
    python -m local --demo --fast       # Lab 4, a batch upload and the job walk-through, checked; exit 0 when all pass

Exit codes: 0 done (or every demo check passed), 1 a demo check failed, 2 the system could not start
(invalid stack config, a process that did not come up).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

from stack.config import StackConfigError

from .control_plane import DEFAULT_STATE_DIR
from .demo import CheckFailed, run_demo
from .jobs import JOB_API
from .processes import Processes, StartupError
from .system import ASSESSOR, Console, LocalSystem, load_stack_settings
from .upload import SAMPLES

FAST_SPEED = 60.0
# The environment's own tools (the venv's, under `make local`), named as the hints print them.
BIN = Path(sys.executable).parent


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
        system = LocalSystem(
            processes, settings, console, speed=speed, workers_per_pipeline=args.workers, stack=args.stack
        )
        try:
            system.start(schedule=not args.demo)
            if args.demo:
                run_demo(system)
                return 0
            _print_usage(system, Path(args.state_dir))
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
    parser.add_argument(
        "--state-dir",
        default=str(DEFAULT_STATE_DIR),
        help="where the stack outputs file and the moto environment for ecs-workloads go (default build/local)",
    )
    return parser


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP stop the run like Ctrl-C does, so every child process is stopped too. SIGINT is set
    explicitly because a shell starting the runner in the background would otherwise leave it ignored."""

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)


def _print_usage(system: LocalSystem, state_dir: Path) -> None:
    """The token, the URLs, the outputs file, and commands of the project's own tools that drive the system."""
    assert system.aws is not None
    outputs, env_file = (_shown(path) for path in system.write_outputs(state_dir))
    say = system.console.say
    say("local", f"cats API {system.cats_url}/cats/api/  (token {system.api_token})")
    assert system.job_api is not None
    say("local", f"job API {system.job_api.url}/jobs  (token {system.job_api.token}; docs {system.job_api.url}/docs)")
    say("local", f"moto_server (AWS) {system.aws.endpoint}; stack outputs {outputs}; its boto3 environment {env_file}")
    say("local", "running; Ctrl-C stops everything. Drive it from another terminal:")
    say("local", f"  set -a; . {env_file}; set +a    # this shell's boto3 now reaches moto_server only")
    cli = f"{_shown(BIN / 'ecs-workloads')} --outputs {outputs}"
    for command in (
        "status",
        f"pause {ASSESSOR}",
        f"run {ASSESSOR} --env RESETPICTURES=1 --wait --logs --poll-seconds 1",
        f"resume {ASSESSOR}",
        "queues",
    ):
        say("local", f"  {cli} {command}")
    token = f"$({cli} api-token cats)"
    say("local", f'  curl -X POST -H "Authorization: Bearer {token}" {system.cats_url}/cats/api/delete-pictures/1')
    job_token = f"$({cli} api-token {JOB_API})"
    job = json.dumps({"taskDefinition": "sleeper-task", "schedule": "*/5 * * * *"})
    say(
        "local",
        f'  curl -X POST -H "Authorization: Bearer {job_token}" -H "Content-Type: application/json" '
        f"-d '{job}' {system.job_api.url}/jobs",
    )
    state = "" if Path(state_dir).resolve() == DEFAULT_STATE_DIR else f" --state-dir {_shown(state_dir)}"
    for name, pipeline in system.pipelines.items():
        sample = next((path for path in SAMPLES if path.suffix.lower() in pipeline.resources.suffixes), None)
        if sample is not None:
            say("local", f"  {_shown(BIN / 'python')} -m local.upload {_shown(sample)}{state}    # {name} pipeline")


def _shown(path: Path) -> str:
    """`path` relative to the working directory when it is under it: shorter to read and to paste."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
