"""`python -m plan <stack>`: what `pulumi up --stack <stack>` would create, offline.

Prints the resources grouped by top-level component, the guardrail violations (policy/), the AWS conformance
problems (plan/conformance/), the estimated monthly cost (plan/cost.py), the stack outputs and a summary: in
colour on a terminal, as plain text of at most 120 columns when piped or when NO_COLOR is set. It writes no
file unless asked: `--diagram` writes the architecture diagram (docs/diagram.md by default, `make diagram`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pulumi import RunError
from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ecs_workloads.ops import terminal
from ecs_workloads.ops.terminal import Hanging
from harness.program import EXIT_BAD_CONFIG, PROJECT_DIR, list_stacks, run_program, stack_config
from harness.recording import Recording
from policy import evaluate, rules
from stack.config import StackConfigError

from . import conformance, cost, diagram, diagram_render
from .render import display_type, render_outputs, tree

DIAGRAM_PATH = Path("docs") / "diagram.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m plan", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("stack", help=f"stack to plan: {', '.join(list_stacks())}")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="directory holding Pulumi.yaml")
    parser.add_argument(
        "--diagram",
        nargs="?",
        type=Path,
        const=DIAGRAM_PATH,
        metavar="PATH",
        help=f"write the architecture diagram as Mermaid markdown (default {DIAGRAM_PATH} in the project), "
        "and as SVG beside it when Graphviz `dot` is installed",
    )
    args = parser.parse_args(argv)
    stacks = list_stacks(args.project_dir)
    if args.stack not in stacks:
        print(f"error: no stack {args.stack!r}; stacks: {', '.join(stacks)}", file=sys.stderr)
        return 2
    try:
        config = stack_config(args.stack, args.project_dir)
        recording = run_program(args.stack, config=config, project_dir=args.project_dir)
    except StackConfigError as error:
        # Each problem names its file and line where it has one.
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except (RunError, ValueError) as error:
        # Config and argument errors are for the person editing the stack file, not a traceback.
        print(f"error: Pulumi.{args.stack}.yaml: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    duplicates = recording.duplicate_urns()
    if duplicates:
        print(f"error: duplicate resource URNs: {', '.join(duplicates)}", file=sys.stderr)
        return 1
    output = terminal.console()
    violations = _policy_violations(recording, args.stack, config)
    checked = conformance.check(recording)
    estimate = _estimate(recording, str(config.get("aws:region", "us-east-1")))
    terminal.emit(
        output,
        Text(f"Plan for stack {args.stack!r} (offline, mocked cloud):\n", style="bold"),
        *_resources_section(recording),
        *_warnings_section(recording),
        _policy_section(violations, args.stack),
        Text(""),
        _conformance_section(checked),
        Text(""),
        _cost_section(estimate),
        Text(""),
        Text("Outputs:", style="bold"),
        render_outputs(recording.stack_outputs),
        Text(""),
        _summary(recording, violations, checked, estimate, plain=terminal.is_plain(output)),
    )
    if args.diagram is not None:
        path = args.diagram if args.diagram is not DIAGRAM_PATH else args.project_dir / DIAGRAM_PATH
        written = diagram_render.write(diagram.build(recording), args.stack, path)
        terminal.emit(output, Text(f"\nDiagram: {', '.join(str(p) for p in written)}"))
    return 0


def _resources_section(recording: Recording) -> list[RenderableType]:
    """The resource tree, one top-level component at a time, and the count."""
    parts: list[RenderableType] = []
    for component in tree(recording):
        parts.extend([component, Text("")])
    custom = sum(r.custom for r in recording.registrations)
    parts.append(Text(f"{custom} resources in {len(recording.registrations) - custom} components.\n"))
    return parts


def _warnings_section(recording: Recording) -> list[RenderableType]:
    """What the program warned about under the mocks, such as example values a real deployment refuses."""
    if not recording.warnings:
        return []
    return [
        Text("Warnings:", style="bold yellow"),
        *(Hanging(Text(f"  {warning}")) for warning in recording.warnings),
        Text(""),
    ]


def _policy_violations(recording: Recording, stack: str, config: dict | None = None) -> list[rules.Violation]:
    """The guardrail violations of the plan (`policy.evaluate`), mandatory ones first."""
    context = rules.StackContext.from_config(stack, stack_config(stack) if config is None else config)
    return sorted(
        evaluate.evaluate(recording, context),
        key=lambda v: (v.enforcement != rules.MANDATORY, v.rule_id, v.resource_name),
    )


def _policy_section(violations: list[rules.Violation], stack: str) -> RenderableType:
    mandatory = sum(v.enforcement == rules.MANDATORY for v in violations)
    heading = Text.assemble(
        (f"Policy (python -m policy.evaluate {stack}): ", "bold"),
        (f"{mandatory} mandatory", "bold red" if mandatory else "green"),
        f", {len(violations) - mandatory} advisory violations.",
    )
    items = []
    for v in violations:
        items.append(
            Hanging(
                Text.assemble(
                    "  ",
                    (f"[{v.enforcement}]", "bold red" if v.enforcement == rules.MANDATORY else "yellow"),
                    f" {v.rule_id} ({v.control}) ",
                    (f"{display_type(v.resource_type)} {v.resource_name}", "bold"),
                    f": {v.message}",
                )
            )
        )
    return Group(heading, *items)


def _conformance_section(report: conformance.Report) -> RenderableType:
    summary, *problems = conformance.render(report).splitlines()
    return Group(
        Text(summary, style="bold red" if report.problems else "bold"),
        *(Hanging(Text(problem)) for problem in problems),
    )


def _estimate(recording: Recording, region: str) -> cost.CostReport | str:
    """The estimated monthly cost at rest (`plan.cost`), or why there is none."""
    try:
        return cost.estimate(recording, region)
    except ValueError as error:
        # A region without prices: say so rather than fail the whole plan.
        return str(error)


def _cost_section(estimate: cost.CostReport | str) -> RenderableType:
    if isinstance(estimate, str):
        return Text(f"Estimated monthly cost: not available ({estimate}).")
    return Group(
        Text("Estimated monthly cost, at rest (python -m plan.cost):", style="bold"),
        Padding(cost.table(estimate), (0, 0, 0, 2)),
    )


def _summary(
    recording: Recording,
    violations: list[rules.Violation],
    checked: conformance.Report,
    estimate: cost.CostReport | str,
    *,
    plain: bool,
) -> RenderableType:
    """The figures a reviewer checks first, last on the screen."""
    custom = sum(r.custom for r in recording.registrations)
    mandatory = sum(v.enforcement == rules.MANDATORY for v in violations)
    if isinstance(estimate, str):
        total = Text(f"not available ({estimate})", style="yellow")
    else:
        total = Text(f"{cost.money(estimate.total)} a month at rest ({estimate.region})")
    rows = [
        ("resources", Text(str(custom))),
        ("components", Text(str(len(recording.registrations) - custom))),
        ("warnings", Text(str(len(recording.warnings)), style="yellow" if recording.warnings else "green")),
        (
            "policy violations",
            Text(
                f"{mandatory} mandatory, {len(violations) - mandatory} advisory",
                style="bold red" if mandatory else ("yellow" if violations else "green"),
            ),
        ),
        (
            "conformance problems",
            Text(
                f"{len(checked.problems)} in {len(checked.requests)} AWS requests",
                style="bold red" if checked.problems else "green",
            ),
        ),
        ("estimated cost", total),
    ]
    layout = Table(
        title=None if plain else "Summary",
        box=None if plain else box.ROUNDED,
        show_header=False,
        pad_edge=not plain,
        padding=(0, 1),
    )
    layout.add_column(style="bold", no_wrap=True)
    layout.add_column()
    for name, value in rows:
        layout.add_row(name, value)
    return Group(Text("Summary:", style="bold"), Padding(layout, (0, 0, 0, 2))) if plain else layout


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # Piped into `head` or a pager that quit early: not an error worth a traceback.
        sys.exit(0)
