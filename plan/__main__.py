"""`python -m plan <stack>`: what `pulumi up --stack <stack>` would create, offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pulumi import RunError

from .program import PROJECT_DIR, list_stacks, run_program
from .render import render_outputs, render_tree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plan", description=__doc__)
    parser.add_argument("stack", help=f"stack to plan: {', '.join(list_stacks())}")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="directory holding Pulumi.yaml")
    args = parser.parse_args(argv)
    stacks = list_stacks(args.project_dir)
    if args.stack not in stacks:
        print(f"error: no stack {args.stack!r}; stacks: {', '.join(stacks)}", file=sys.stderr)
        return 2
    try:
        recording = run_program(args.stack, project_dir=args.project_dir)
    except (RunError, ValueError) as error:
        # Config and argument errors are for the person editing the stack file, not a traceback.
        print(f"error: Pulumi.{args.stack}.yaml: {error}", file=sys.stderr)
        return 1
    duplicates = recording.duplicate_urns()
    if duplicates:
        print(f"error: duplicate resource URNs: {', '.join(duplicates)}", file=sys.stderr)
        return 1
    custom = [r for r in recording.registrations if r.custom]
    print(f"Plan for stack {args.stack!r} (offline, mocked cloud):\n")
    print(render_tree(recording))
    print(f"\n{len(custom)} resources in {len(recording.registrations) - len(custom)} components.\n")
    print("Outputs:")
    print(render_outputs(recording.stack_outputs))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # Piped into `head` or a pager that quit early: not an error worth a traceback.
        sys.exit(0)
