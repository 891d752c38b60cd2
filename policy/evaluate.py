"""Runs the guardrails over a recorded plan, offline: `python -m policy.evaluate dev`.

The same rules as `pulumi preview --policy-pack policy`, over what `harness.program.run_program` records, so
a violation shows up in the tests before anyone runs the Pulumi CLI.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from harness.program import list_stacks, run_program, stack_config
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


def context_for(stack: str) -> StackContext:
    """The context a stack file implies (`protectData`, stack name), without resources."""
    return StackContext.from_config(stack, stack_config(stack))


def evaluate(recording: Recording, context: StackContext, rules: tuple[Rule, ...] = RULES) -> list[Violation]:
    """Every violation in `recording`; `context` supplies the stack facts, the recording the resources."""
    views = tuple(view(r) for r in recording.registrations if r.custom)
    return run_rules(rules, dataclasses.replace(context, resources=views))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policy.evaluate", description=__doc__)
    parser.add_argument("stack", choices=list_stacks())
    args = parser.parse_args(argv)
    violations = evaluate(run_program(args.stack), context_for(args.stack))
    for violation in sorted(violations, key=lambda v: (v.enforcement != MANDATORY, v.rule_id, v.resource_name)):
        print(violation)
    mandatory = sum(v.enforcement == MANDATORY for v in violations)
    print(f"\n{mandatory} mandatory and {len(violations) - mandatory} advisory violations in stack {args.stack!r}.")
    return 1 if mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
