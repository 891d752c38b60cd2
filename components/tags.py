"""The `tags` every component takes, put on every taggable resource the component creates.

A component passes its tags to its children through a Pulumi transformation set on itself: every
custom resource created under it (nested components' children included) whose AWS type takes `tags`
gets them, merged under the resource's own tags (the more specific wins). Transformations run in this
process, so they reach the resources the Python program registers; resources an awsx component creates
in its provider process are tagged through the component's own `tags` argument instead (see Network),
and the stack-wide tags come from the AWS provider's default tags, which reach everything.
"""

from __future__ import annotations

import importlib
import inspect
import keyword
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import pulumi

from .arguments import Check

# AWS tag limits (Tagging AWS resources, "Tag naming limits and requirements"): keys of 1-128 characters,
# values of 0-256, at most 50 user tags a resource, the `aws:` prefix reserved for AWS; letters, digits,
# spaces and `_ . : / = + - @` are the characters every service accepts.
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
TAGS_PER_RESOURCE = 50
_TAG_TEXT = re.compile(r"^[\w .:/=+\-@]*$")


def _valid_tags(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) > TAGS_PER_RESOURCE:
        return False
    return all(
        isinstance(key, str)
        and isinstance(text, str)
        and 1 <= len(key) <= TAG_KEY_MAX
        and len(text) <= TAG_VALUE_MAX
        and not key.lower().startswith("aws:")
        and _TAG_TEXT.match(key) is not None
        and _TAG_TEXT.match(text) is not None
        for key, text in value.items()
    )


TAGS = Check(
    default={},
    test=_valid_tags,
    says=(
        f"a mapping of at most {TAGS_PER_RESOURCE} tags: keys of 1 to {TAG_KEY_MAX} characters not starting with "
        f"`aws:`, values of up to {TAG_VALUE_MAX}, using letters, digits, spaces and _ . : / = + - @"
    ),
)
"""The spec of every component's `tags` argument."""


def with_tags(tags: Mapping[str, str] | None, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions | None:
    """`opts` plus the transformation that tags the component's children; unchanged without tags."""
    if not tags:
        return opts
    chosen = dict(tags)

    def tag(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if not isinstance(args.resource, pulumi.CustomResource) or not takes_tags(args.type_):
            return None
        own = args.props.get("tags")
        if own is None or isinstance(own, dict):
            merged: Any = {**chosen, **(own or {})}
        else:
            merged = pulumi.Output.from_input(own).apply(lambda given: {**chosen, **(given or {})})
        return pulumi.ResourceTransformationResult({**args.props, "tags": merged}, args.opts)

    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(transformations=[tag]))


@cache
def takes_tags(type_token: str) -> bool:
    """Whether the resource type (`aws:sqs/queue:Queue`) has a `tags` input, the provider schema's mark of a
    taggable type: read from the pulumi_aws class registered for the token."""
    resource_class = _resource_class(type_token)
    init = getattr(resource_class, "_internal_init", None)
    return init is not None and "tags" in inspect.signature(init).parameters


def _resource_class(type_token: str) -> type | None:
    """The pulumi_aws class for `aws:<module>/<lower name>:<Name>`, e.g. aws.sqs.Queue."""
    package, _, rest = type_token.partition(":")
    module_path, _, class_name = rest.partition(":")
    if package != "aws" or not module_path:
        return None
    token_module = module_path.split("/")[0]
    # The SDK names a module after the token's, with a trailing underscore where that is a Python keyword
    # (`aws:lambda/function:Function` is pulumi_aws.lambda_.Function); `index` is the package itself.
    python_module = "" if token_module == "index" else "." + token_module + "_" * keyword.iskeyword(token_module)
    module = importlib.import_module(f"pulumi_aws{python_module}")
    return getattr(module, class_name, None)
