"""Turns the rules into Pulumi policies: single-resource rules become resource validation policies,
cross-resource rules stack validation policies.

Which stack is being checked is known when the CLI starts the pack (it passes the stack name and config
in the environment), so rules that are advisory outside production get their level per stack.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from .rules import RULES, ResourceView, Rule, StackContext

PACK_NAME = "ecs-workloads-guardrails"
_LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}


def context_from_environment(environ: Mapping[str, str] | None = None) -> StackContext:
    """The stack the CLI is checking, from `PULUMI_STACK` and `PULUMI_CONFIG`.

    Without them (an older CLI), the strictest context: production.
    """
    environ = os.environ if environ is None else environ
    stack = environ.get("PULUMI_STACK")
    if not stack:
        return StackContext(stack="unknown", protect_data=True, is_production=True)
    config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
    return StackContext.from_config(stack, config)


def build_policies(context: StackContext, rules: tuple[Rule, ...] = RULES) -> list[Policy]:
    return [_policy(rule, context) for rule in rules]


def _policy(rule: Rule, context: StackContext) -> Policy:
    level = _LEVELS[rule.enforcement_for(context)]
    description = f"{rule.description} [{rule.control}]" if rule.control != "none" else rule.description
    if rule.cross_resource:
        return StackValidationPolicy(
            name=rule.id, description=description, enforcement_level=level, validate=_stack_validation(rule, context)
        )
    return ResourceValidationPolicy(
        name=rule.id, description=description, enforcement_level=level, validate=_resource_validation(rule, context)
    )


def _resource_validation(rule: Rule, context: StackContext):
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in rule.resource_types:
            return
        resource = ResourceView(
            type=args.resource_type,
            name=args.name,
            urn=args.urn,
            props=args.props,
            protect=bool(args.opts.protect),
            retain_on_delete=None,
        )
        for message in rule.check(resource, context):
            report_violation(message, None)

    return validate


def _stack_validation(rule: Rule, context: StackContext):
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        views = tuple(_stack_view(r) for r in args.resources)
        stack = dataclasses.replace(context, resources=views)
        unknown: UnknownValueError | None = None
        for resource in views:
            if resource.type not in rule.resource_types:
                continue
            try:
                messages = rule.check(resource, stack)
            except UnknownValueError as error:
                # Check the other resources, then let the SDK report that this one cannot be judged yet.
                unknown = unknown or error
                continue
            for message in messages:
                report_violation(message, resource.urn)
        if unknown is not None:
            raise unknown

    return validate


def _stack_view(resource: PolicyResource) -> ResourceView:
    references: dict[str, tuple[str, ...]] = {
        prop: tuple(r.urn for r in dependencies) for prop, dependencies in resource.property_dependencies.items()
    }
    return ResourceView(
        type=resource.resource_type,
        name=resource.name,
        urn=resource.urn,
        props=resource.props,
        protect=bool(resource.opts.protect),
        retain_on_delete=None,
        # In stack validation the props are the resource's state: ids, ARNs and names are among them.
        state=resource.props,
        references=references,
    )
