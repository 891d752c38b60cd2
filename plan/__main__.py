"""`python -m plan <stack>`: what `pulumi up --stack <stack>` would create, offline.

Prints the resource tree, the guardrail violations (policy/), the AWS conformance problems (plan/conformance/),
the estimated monthly cost (plan/cost.py) and the stack outputs; `--diagram` also writes the architecture
diagram (docs/diagram.md by default).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from pulumi import RunError

from harness.program import EXIT_BAD_CONFIG, PROJECT_DIR, list_stacks, run_program, stack_config
from harness.recording import Recording
from policy import evaluate, rules
from stack.config import StackConfigError

from . import conformance, cost, diagram, diagram_render
from .render import render_outputs, render_tree

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
    custom = [r for r in recording.registrations if r.custom]
    print(f"Plan for stack {args.stack!r} (offline, mocked cloud):\n")
    print(render_tree(recording))
    print(f"\n{len(custom)} resources in {len(recording.registrations) - len(custom)} components.\n")
    if recording.warnings:
        # What the program warned about under the mocks, such as example values a real deployment refuses.
        print("Warnings:\n" + "".join(f"  {warning}\n" for warning in recording.warnings))
    region = str(config.get("aws:region", "us-east-1"))
    sections = (
        _policy_section(recording, args.stack, config),
        conformance.render(conformance.check(recording)),
        _cost_section(recording, region),
    )
    for section in sections:
        print(f"{section}\n")
    print("Outputs:")
    print(render_outputs(recording.stack_outputs))
    if args.diagram is not None:
        path = args.diagram if args.diagram is not DIAGRAM_PATH else args.project_dir / DIAGRAM_PATH
        drawn = diagram.build(recording)
        written = diagram_render.write(drawn, args.stack, path)
        print(f"\nDiagram: {', '.join(str(p) for p in written)}")
    return 0


def _policy_section(recording: Recording, stack: str, config: dict | None = None) -> str:
    """The guardrail violations of the plan (`policy.evaluate`)."""
    context = rules.StackContext.from_config(stack, stack_config(stack) if config is None else config)
    violations = sorted(
        evaluate.evaluate(recording, context),
        key=lambda v: (v.enforcement != rules.MANDATORY, v.rule_id, v.resource_name),
    )
    mandatory = sum(v.enforcement == rules.MANDATORY for v in violations)
    lines = [
        f"Policy (python -m policy.evaluate {stack}): {mandatory} mandatory, "
        f"{len(violations) - mandatory} advisory violations."
    ]
    lines.extend(f"  {violation}" for violation in violations)
    return "\n".join(lines)


def _cost_section(recording: Recording, region: str) -> str:
    """The estimated monthly cost at rest (`plan.cost`)."""
    try:
        report = cost.estimate(recording, region)
    except ValueError as error:
        # A region without prices: say so rather than fail the whole plan.
        return f"Estimated monthly cost: not available ({error})."
    return f"Estimated monthly cost, at rest (python -m plan.cost):\n{textwrap.indent(cost.render(report), '  ')}"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # Piped into `head` or a pager that quit early: not an error worth a traceback.
        sys.exit(0)
