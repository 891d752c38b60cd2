"""Tagging: every taggable AWS resource carries the project, stack and environment tags.

The stacks set these through the AWS provider's default tags (`aws:defaultTags`). What a resource ends up
with is the provider's `tagsAll`: the default tags merged with its own `tags`. Under the policy SDK the
provider has computed `tagsAll` already; offline (under Pulumi's mocks) no provider runs, so the rule
merges the stack config's default tags with the resource's `tags` itself.
"""

from __future__ import annotations

import functools
import inspect
import keyword
import typing
from collections.abc import Mapping

import pulumi_aws  # taggability is read from the provider SDK's resource classes

from stack.tags import DEFAULT_TAGS_KEY, REQUIRED_TAGS

from .framework import MANDATORY, ResourceView, StackContext, rule
from .values import known


@functools.cache
def is_taggable(type_token: str) -> bool:
    """Whether the pulumi_aws resource class of `type_token` (`aws:s3/bucket:Bucket`) accepts `tags`."""
    parts = type_token.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        return False
    _, module_path, class_name = parts
    module = module_path.split("/")[0]
    # The SDK's Python modules are named after the token's module, a keyword with a trailing underscore
    # (`lambda` -> `lambda_`); `index` is the package itself.
    python_module = (
        pulumi_aws if module == "index" else getattr(pulumi_aws, module + "_" * keyword.iskeyword(module), None)
    )
    resource_class = getattr(python_module, class_name, None)
    if not isinstance(resource_class, type):
        return False
    constructor = vars(resource_class).get("__init__")
    if constructor is None:
        return False
    # The keyword overload of the generated constructor lists the resource's inputs.
    constructors = typing.get_overloads(constructor) or [constructor]
    return any("tags" in inspect.signature(init).parameters for init in constructors)


class _TaggableTypes:
    """Every type token whose resource takes tags, for `Rule.resource_types`."""

    def __contains__(self, type_token: object) -> bool:
        return isinstance(type_token, str) and is_taggable(type_token)

    def __repr__(self) -> str:
        return "every taggable aws resource type"


def _keys(value: object) -> set[str] | None:
    """The keys of a tag mapping, without reading its values (a value may be unknown in preview)."""
    return {str(key) for key in value} if isinstance(value, Mapping) else None


def effective_tag_keys(resource: ResourceView, context: StackContext) -> set[str]:
    """The tag keys AWS will hold for `resource`: its `tagsAll` where the provider computed it, else the
    stack's default tags merged with the resource's own `tags`."""
    for computed in ("tagsAll", "tags_all"):
        keys = _keys(known(resource.props, computed))
        if keys is not None:
            return keys
    keys = set(context.default_tags)
    if set(REQUIRED_TAGS) <= keys:
        return keys
    # Reading `tags` raises the SDK's UnknownValueError while they are unknown: judged at update instead.
    return keys | (_keys(resource.props.get("tags")) or set())


@rule(
    "tags-required",
    f"Every taggable resource carries the tags {', '.join(REQUIRED_TAGS)} (the stack sets them in "
    f"`{DEFAULT_TAGS_KEY}`).",
    enforcement=MANDATORY,
    resource_types=_TaggableTypes(),
    control="none",
)
def check_required_tags(resource: ResourceView, context: StackContext) -> list[str]:
    missing = [key for key in REQUIRED_TAGS if key not in effective_tag_keys(resource, context)]
    if not missing:
        return []
    return [
        f"{resource.name} ({resource.type}) lacks the tags {', '.join(missing)}: set them in {DEFAULT_TAGS_KEY} "
        "(the provider's default tags) or in the resource's tags"
    ]
