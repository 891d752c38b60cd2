"""`ecs-workloads <command>`: operate a deployed stack from its outputs.

Exit codes: `errors.ExitCode`, each explained in `errors.MEANINGS` (the CLI reference shows them).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.text import Text

from . import (
    api_token,
    deployments,
    execute,
    instances,
    jobs,
    queues,
    redrive,
    schedules,
    services,
    task_logs,
    terminal,
)
from .aws import Aws, SessionLike
from .clock import Clock
from .console import Console
from .copilot import report as copilot_report
from .copilot.conversion import convert
from .errors import ExitCode, OpsError, explain
from .outputs import Service, StackOutputs, load_outputs

_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Seconds between two checks of the commands that wait.
POLL_SECONDS = 6.0


@dataclass(frozen=True)
class Context:
    outputs: StackOutputs
    aws: Aws
    console: Console
    stack: str | None
    clock: Clock

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


Handler = Callable[[Context, argparse.Namespace], ExitCode]


def main(argv: Sequence[str] | None = None, *, session: SessionLike | None = None, clock: Clock | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    # What follows `--` is the command `exec` runs in the container, never options of this CLI.
    tail = given[given.index("--") + 1 :] if "--" in given else []
    args = build_parser().parse_args(given[: len(given) - len(tail) - 1] if "--" in given else given)
    if hasattr(args, "exec_command"):
        args.exec_command = tail
    console = Console(json_mode=args.json)
    if hasattr(args, "offline_handler"):
        # `import copilot` converts files: no stack outputs, no AWS.
        try:
            return int(args.offline_handler(console, args))
        except OpsError as error:
            console.error(str(error))
            return int(error.code)
    try:
        outputs = load_outputs(args.outputs, args.stack)
        aws = Aws(args.region or outputs.region, session)
        context = Context(outputs, aws, console, args.stack, clock or Clock())
        return int(args.handler(context, args))
    except OpsError as error:
        console.error(str(error))
        return int(error.code)
    except KeyboardInterrupt:
        console.error("interrupted")
        return int(ExitCode.INTERRUPTED)
    except Exception as error:
        explained = explain(error)
        if explained is None:
            raise
        console.error(str(explained))
        return int(explained.code)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecs-workloads",
        description="Operate a deployed ecs-workloads stack: jobs, schedules, services and queues.",
        epilog="Exit codes: " + ", ".join(f"{int(code)} {code.name.lower().replace('_', ' ')}" for code in ExitCode),
    )
    _add_common(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        # Also accepted after the command name; SUPPRESS keeps a value given before it.
        _add_common(sub, suppress=True)
        sub.set_defaults(handler=handler)
        return sub

    command("status", _status, "schedules, services and queues on one screen")
    command("schedules", _schedules, "each job's schedule, state and next run, the job API's jobs too")
    command("pause", _pause, "disable a job's schedule, every other field of it kept").add_argument("job")
    command("resume", _resume, "enable a job's schedule again").add_argument("job")

    run = command("run", _run, "run a job's task now, e.g. with environment overrides")
    run.add_argument("job")
    run.add_argument("--count", type=_task_count, default=1, help="tasks to start, 1-10 (default 1)")
    run.add_argument(
        "--env", type=_env_pair, action="append", default=[], metavar="KEY=VALUE", help="environment override"
    )
    run.add_argument("--command", dest="container_command", help='container command override, e.g. "python run.py"')
    run.add_argument("--wait", action="store_true", help="wait for the tasks to stop and report their exit codes")
    run.add_argument("--logs", action="store_true", help="after they stop, print the tasks' logs (implies --wait)")
    _add_waiting(run, timeout=3600)

    command("services", _services, "desired/running/pending tasks, deployments and the latest events")
    restart = command(
        "restart", _restart, "replace every task of a service with a forced new deployment (the image is pulled again)"
    )
    restart.add_argument("service")
    restart.add_argument(
        "--wait",
        action="store_true",
        help="follow the deployment it starts: stage, traffic and alarms; exit 9 if it rolls back",
    )
    _add_waiting(restart, timeout=deployments.FOLLOW_TIMEOUT_SECONDS)
    listed = command(
        "deployments",
        _deployments,
        f"a service's last {deployments.LISTED} deployments: strategy, status, stage, start, traffic and alarms",
    )
    listed.add_argument("service")
    listed.add_argument(
        "--wait",
        "--follow",
        dest="follow",
        action="store_true",
        help="follow the newest deployment until it ends (also --wait); exit 9 if it rolls back",
    )
    _add_waiting(listed, timeout=deployments.FOLLOW_TIMEOUT_SECONDS)
    scale = command("scale", _scale, "set a service's desired task count (0 stops it)")
    scale.add_argument("service")
    scale.add_argument("desired", type=_desired_count, metavar="N")
    command(
        "api-token", _api_token, "print a service's API token from Secrets Manager (Authorization: Bearer <token>)"
    ).add_argument("service")

    command("instances", _instances, "each EC2 capacity provider's container instances: tasks, CPU and memory")
    command(
        "drain", _drain, "drain a container instance (EC2 instance id or container instance ARN): no new tasks"
    ).add_argument("instance")

    enter = command(
        "exec",
        _exec,
        "a command in a running task of a service or job through ECS Exec: runs `aws ecs execute-command` "
        "when the Session Manager plugin is installed, else prints it",
    )
    enter.add_argument("workload", metavar="NAME", help="a service or job of the stack")
    enter.add_argument("--container", help="container to enter (default: the main container)")
    enter.add_argument("--task", help="task id to enter (default: a running task of the workload)")
    enter.add_argument(
        "--start",
        action="store_true",
        help=f"a job with no running task: start one that runs `{' '.join(execute.KEEP_ALIVE)}`",
    )
    enter.add_argument("--print", dest="print_only", action="store_true", help="print the invocation, do not run it")
    # The command after `--` is split off by `main`; this entry documents it in the help.
    enter.add_argument("exec_command", nargs="*", metavar="-- COMMAND", help="what to run, e.g. -- sh")

    imports = commands.add_parser(
        "import",
        help="write a stack file from another tool's description",
        description="write a stack file from another tool's description of the workloads",
    )
    sources = imports.add_subparsers(dest="source", required=True, metavar="SOURCE")
    copilot = sources.add_parser(
        "copilot",
        help="an AWS Copilot application's manifests as Pulumi.<stack>.yaml",
        description="An AWS Copilot application's manifests (DIR/copilot/*/manifest.yml and the environment's) "
        "as Pulumi.<stack>.yaml, with a report of every field: mapped, approximated or unsupported. "
        f"Exit {copilot_report.EXIT_COMPLETE} when every field mapped, {copilot_report.EXIT_INCOMPLETE} when any "
        "was approximated or unsupported, 2 on unreadable input.",
    )
    _add_common(copilot, suppress=True)
    copilot.add_argument("directory", metavar="DIR", help="the application's directory (it holds copilot/)")
    copilot.add_argument("--env", help="environment whose overrides apply (default: the only one, if one)")
    copilot.add_argument("--dry-run", action="store_true", help="print the stack file instead of writing it")
    copilot.set_defaults(offline_handler=_import_copilot)

    command("queues", _queues, "queue depth, messages in flight, DLQ depth, oldest message age")
    move = command("redrive", _redrive, "move a batch service's dead-letter messages back to its queue")
    move.add_argument("service")
    move.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    move.add_argument("--manual", action="store_true", help="receive/send/delete instead of an SQS move task")
    _add_waiting(move, timeout=600)
    return parser


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument(
        "--outputs",
        metavar="FILE",
        default=default(None),
        help="stack outputs JSON file, - for stdin (default: pulumi)",
    )
    parser.add_argument(
        "--stack", default=default(None), help="Pulumi stack to read the outputs of (default: selected)"
    )
    parser.add_argument("--region", default=default(None), help="AWS region (default: the outputs' region, then boto3)")
    parser.add_argument("--json", action="store_true", default=default(False), help="print JSON for scripts")


def _add_waiting(parser: argparse.ArgumentParser, *, timeout: int) -> None:
    parser.add_argument(
        "--poll-seconds",
        type=_seconds,
        default=POLL_SECONDS,
        help=f"seconds between checks (default {POLL_SECONDS:g})",
    )
    parser.add_argument("--timeout", type=_seconds, default=float(timeout), help=f"give up after (default {timeout})")


def _task_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= jobs.MAX_TASKS_PER_RUN:
        raise argparse.ArgumentTypeError(f"'{text}': RunTask starts 1 to {jobs.MAX_TASKS_PER_RUN} tasks")
    return int(text)


def _desired_count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}': a desired count is a whole number, 0 or more")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}': a number of seconds, 0 or more")
    return value


def _env_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not _ENV_KEY.match(key):
        raise argparse.ArgumentTypeError(f"'{text}': expected KEY=VALUE with KEY like RESETPICTURES")
    return key, value


def _status(context: Context, _args: argparse.Namespace) -> ExitCode:
    outputs, aws, now = context.outputs, context.aws, context.now()
    rows = {
        "schedules": schedules.describe_all(aws.scheduler, outputs, now),
        "services": services.describe(aws.ecs, aws.autoscaling, list(outputs.services.values())),
        "queues": queues.describe(aws.sqs, aws.cloudwatch, list(outputs.queues.values()), now),
    }
    sections = {
        "Schedules": schedules.render(rows["schedules"]),
        "Services": services.render(rows["services"]),
        "Queues": queues.render(rows["queues"]),
    }
    # A cluster on Fargate alone has no container instances, and its screen stays as it was.
    found = instances.describe(aws.ecs, outputs.cluster_name)
    if found:
        rows["instances"] = found
        sections["Instances"] = instances.render(found)
    context.console.text(
        Group(
            Text(f"Cluster {outputs.cluster_name}", style="bold"),
            *(Group(Text(""), Text(title, style="bold"), body) for title, body in sections.items()),
        )
    )
    context.console.result({"cluster": outputs.cluster_name, **rows})
    return ExitCode.OK


def _instances(context: Context, _args: argparse.Namespace) -> ExitCode:
    rows = instances.describe(context.aws.ecs, context.outputs.cluster_name)
    context.console.text(instances.render(rows))
    context.console.result(rows)
    return ExitCode.OK


def _drain(context: Context, args: argparse.Namespace) -> ExitCode:
    row = instances.drain(context.aws.ecs, context.outputs.cluster_name, args.instance)
    context.console.text(
        f"{row['ec2InstanceId'] or row['containerInstanceArn']} is DRAINING: {row['runningTasks']} tasks move off it"
    )
    context.console.result(row)
    return ExitCode.OK


def _schedules(context: Context, _args: argparse.Namespace) -> ExitCode:
    now = context.now()
    rows = schedules.describe_all(context.aws.scheduler, context.outputs, now)
    context.console.text(schedules.render(rows))
    context.console.result({"schedules": rows})
    return ExitCode.OK


def _pause(context: Context, args: argparse.Namespace) -> ExitCode:
    return _set_schedule_state(context, args.job, enabled=False)


def _resume(context: Context, args: argparse.Namespace) -> ExitCode:
    return _set_schedule_state(context, args.job, enabled=True)


def _set_schedule_state(context: Context, name: str, *, enabled: bool) -> ExitCode:
    job = context.outputs.job(name)
    result = schedules.set_state(context.aws.scheduler, job, enabled, context.now(), context.stack)
    warnings = [*result["notes"], schedules.drift_warning(result)]
    where = f"{job.schedule_group}/{job.schedule_name}"
    if result["changed"]:
        context.console.text(f"{job.name}: schedule {where} {result['previousState']} -> {result['state']}")
    else:
        context.console.text(f"{job.name}: schedule {where} is already {result['state']}")
    for warning in warnings:
        context.console.warn(warning)
    context.console.result({**result, "warnings": warnings})
    return ExitCode.OK


def _run(context: Context, args: argparse.Namespace) -> ExitCode:
    job = context.outputs.job(args.job)
    console, ecs = context.console, context.aws.ecs
    command = shlex.split(args.container_command) if args.container_command else None
    started = jobs.start(ecs, job, args.count, dict(args.env), command)
    result: dict[str, Any] = {"job": job.name, "cluster": job.cluster_arn, **started}
    for arn in started["taskArns"]:
        console.text(arn)
    for failure in started["failures"]:
        console.warn(f"a task did not start: {failure['reason']} {failure['detail'] or ''}".rstrip())
    if not started["taskArns"]:
        raise OpsError(f"no task of {job.name} started", ExitCode.TASK_FAILED)
    failed = bool(started["failures"])
    if args.wait or args.logs:
        outcomes = jobs.wait_until_stopped(
            ecs,
            job,
            started["taskArns"],
            poll_seconds=args.poll_seconds,
            timeout_seconds=args.timeout,
            progress=console.progress,
        )
        result["tasks"] = [outcome.as_dict() for outcome in outcomes]
        console.text(jobs.render_outcomes(outcomes))
        failed = failed or any(outcome.failed for outcome in outcomes)
        if args.logs:
            result["logs"] = {}
            for outcome in outcomes:
                events = task_logs.read_task_log(context.aws.logs, job, outcome.task_id)
                result["logs"][outcome.task_id] = events
                console.text(task_logs.render_log(job, outcome.task_id, events))
    console.result(result)
    return ExitCode.TASK_FAILED if failed else ExitCode.OK


def _exec(context: Context, args: argparse.Namespace) -> ExitCode:
    words = args.exec_command
    if not words:
        raise OpsError("exec: give the command after --, e.g. `ecs-workloads exec cats -- sh`", ExitCode.USAGE)
    found = execute.target(context.outputs, args.workload)
    execute.require_exec(found)
    container_name = execute.container(found, args.container)
    ecs, console = context.aws.ecs, context.console
    task = execute.running_task(ecs, found, args.task)
    started = False
    if task is None:
        if found.job is None or not args.start:
            hint = "; --start starts one" if found.job is not None else ""
            raise OpsError(f"no running task of {found.name} has ECS Exec{hint}", ExitCode.USAGE)
        task = execute.start_keep_alive(ecs, found.job, found.job.container_name)
        started = True
        console.warn(
            f"started task {task} ({' '.join(execute.KEEP_ALIVE)}); enter it once it is RUNNING, and stop it with "
            f"`aws ecs stop-task --cluster {found.cluster} --task {task}`"
        )
    words = execute.invocation(found.cluster, task, container_name, words, context.outputs.region)
    result = {"workload": found.name, "task": task, "container": container_name, "started": started, "command": words}
    if args.print_only or not execute.can_run_here():
        if not args.print_only:
            console.warn(f"the AWS CLI with {execute.PLUGIN} is not installed here; run this where it is:")
        console.text(shlex.join(words))
        console.result(result)
        return ExitCode.OK
    status = execute.run(words)
    console.result({**result, "exitStatus": status})
    return ExitCode.OK if status == 0 else ExitCode.FAILED


def _services(context: Context, _args: argparse.Namespace) -> ExitCode:
    rows = services.describe(context.aws.ecs, context.aws.autoscaling, list(context.outputs.services.values()))
    context.console.text(services.render(rows))
    context.console.result({"services": rows})
    return ExitCode.OK


def _restart(context: Context, args: argparse.Namespace) -> ExitCode:
    service = context.outputs.service(args.service)
    requested_at = context.now()
    result, updated = services.restart(context.aws.ecs, service)
    context.console.text(f"{service.name}: new deployment {result['deploymentId']} started")
    if not args.wait:
        context.console.result(result)
        return ExitCode.OK
    deployments.require_service_deployments(updated, service)
    wait = deployments.Waiting(context.clock, args.poll_seconds, args.timeout)
    started = deployments.started_by_update(context.aws.ecs, service, updated, wait, requested_at)
    return _follow(context, service, started, wait, result)


def _deployments(context: Context, args: argparse.Namespace) -> ExitCode:
    service = context.outputs.service(args.service)
    found = deployments.recent(context.aws.ecs, service)
    if not args.follow:
        context.console.text(deployments.render(found))
        context.console.result({"service": service.name, "deployments": found})
        return ExitCode.OK
    if not found:
        raise OpsError(f"{service.name} has no service deployment to follow", ExitCode.USAGE)
    wait = deployments.Waiting(context.clock, args.poll_seconds, args.timeout)
    return _follow(context, service, found[0], wait, {"service": service.name})


def _follow(
    context: Context,
    service: Service,
    deployment: dict[str, Any],
    wait: deployments.Waiting,
    result: dict[str, Any],
) -> ExitCode:
    console = context.console
    final = deployments.follow(context.aws.ecs, service, deployment, wait, console.progress)
    code, line = deployments.outcome(service, final)
    if code is ExitCode.OK:
        console.text(line)
    else:
        console.error(line)
    console.result({**result, "deployment": final, "exitCode": int(code)})
    return code


def _scale(context: Context, args: argparse.Namespace) -> ExitCode:
    service = context.outputs.service(args.service)
    result = services.scale(context.aws.ecs, context.aws.autoscaling, service, args.desired)
    context.console.text(f"{service.name}: desired count {result['previousDesired']} -> {result['desired']}")
    for warning in result["warnings"]:
        context.console.warn(warning)
    context.console.result(result)
    return ExitCode.OK


def _api_token(context: Context, args: argparse.Namespace) -> ExitCode:
    service = context.outputs.service(args.service)
    token = api_token.read(context.aws.secretsmanager, service)
    # The token alone on stdout, so `$(ecs-workloads api-token cats)` is the header value.
    context.console.text(token)
    context.console.result({"service": service.name, "secretArn": service.api_token_secret_arn, "token": token})
    return ExitCode.OK


def _import_copilot(console: Console, args: argparse.Namespace) -> int:
    conversion = convert(Path(args.directory), args.env, args.stack, args.region)
    if args.dry_run:
        print(conversion.text, end="", file=console.out, flush=True)
    else:
        target = Path(f"Pulumi.{conversion.stack}.yaml")
        target.write_text(conversion.text, encoding="utf-8")
        console.progress(f"wrote {target}")
    rows = conversion.findings
    if args.json:
        print(json.dumps([dict(vars(row), outcome=row.outcome.value) for row in rows], indent=2), file=console.err)
    else:
        terminal.emit(terminal.console(console.err), copilot_report.render(rows))
    return copilot_report.exit_code(rows)


def _queues(context: Context, _args: argparse.Namespace) -> ExitCode:
    rows = queues.describe(
        context.aws.sqs, context.aws.cloudwatch, list(context.outputs.queues.values()), context.now()
    )
    context.console.text(queues.render(rows))
    context.console.result({"queues": rows})
    return ExitCode.OK


def _redrive(context: Context, args: argparse.Namespace) -> ExitCode:
    queue = context.outputs.queue(args.service)
    sqs, console = context.aws.sqs, context.console
    dlq, target = queues.queue_name(queue.dlq_url), queues.queue_name(queue.queue_url)
    depth = redrive.dlq_depth(sqs, queue)
    if depth == 0:
        console.text(f"{dlq} is empty: nothing to move")
        console.result({"queue": queue.name, "method": None, "moved": 0, "failed": 0})
        return ExitCode.OK
    if not args.yes:
        _confirm(console, f"Move {depth} message(s) from {dlq} back to {target}?")
    result = redrive.redrive(
        sqs,
        queue,
        limit=depth,
        manual=args.manual,
        poll_seconds=args.poll_seconds,
        timeout_seconds=args.timeout,
        progress=console.progress,
    )
    console.text(f"moved {result['moved']} message(s) from {dlq} to {target}")
    if result.get("duplicated"):
        console.warn(f"{result['duplicated']} message(s) were sent but not deleted from {dlq}: they are in both queues")
    console.result(result)
    if result["failed"]:
        console.error(f"{result['failed']} message(s) could not be sent and stay in {dlq}")
        return ExitCode.FAILED
    return ExitCode.OK


def _confirm(console: Console, question: str) -> None:
    if sys.stdin is None or not sys.stdin.isatty():
        raise OpsError(
            "redrive moves messages and needs confirmation: run it in a terminal or pass --yes", ExitCode.USAGE
        )
    print(f"{question} [y/N] ", end="", file=console.err, flush=True)
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise OpsError("cancelled: nothing was moved")
