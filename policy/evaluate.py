"""Runs the guardrails over a recorded plan, offline: `python -m policy.evaluate dev`.

The same rules as `pulumi preview --policy-pack policy`, over what `harness.program.run_program` records, so
a violation shows up in the tests before anyone runs the Pulumi CLI.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from harness.program import PROJECT_DIR, list_stacks, reports_bad_config, run_program, stack_config
from harness.recording import Recording, Registration

from .rules import MANDATORY, RULES, ResourceView, Rule, StackContext, Violation, run_rules


def view(registration: Registration) -> ResourceView:
    return ResourceView(
        type=registration.type,
        name=registration.name,
        urn=registration.urn,
        props=registration.inputs,
        protect=registration.protect,
        retain_on_delete=registration.retain_on_delete,
        state=registration.outputs,
    )


def context_for(stack: str, project_dir: Path = PROJECT_DIR) -> StackContext:
    """The context a stack file implies (`protectData`, stack name), without resources."""
    return StackContext.from_config(stack, stack_config(stack, project_dir))


def evaluate(recording: Recording, context: StackContext, rules: tuple[Rule, ...] = RULES) -> list[Violation]:
    """Every violation in `recording`; `context` supplies the stack facts, the recording the resources."""
    views = tuple(view(r) for r in recording.registrations if r.custom)
    return run_rules(rules, dataclasses.replace(context, resources=views))


@reports_bad_config
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policy.evaluate", description=__doc__)
    parser.add_argument("stack", help=f"stack to check: {', '.join(list_stacks())}")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="directory holding Pulumi.yaml")
    args = parser.parse_args(argv)
    stacks = list_stacks(args.project_dir)
    if args.stack not in stacks:
        parser.error(f"no stack {args.stack!r}; stacks: {', '.join(stacks)}")
    recording = run_program(args.stack, project_dir=args.project_dir)
    violations = evaluate(recording, context_for(args.stack, args.project_dir))
    for violation in sorted(violations, key=lambda v: (v.enforcement != MANDATORY, v.rule_id, v.resource_name)):
        print(violation)
    mandatory = sum(v.enforcement == MANDATORY for v in violations)
    print(f"\n{mandatory} mandatory and {len(violations) - mandatory} advisory violations in stack {args.stack!r}.")
    return 1 if mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
