"""`Pulumi.<stack>.yaml` from the converted config: keys in a fixed order, each workload under a comment naming
its manifest, so a re-import gives the same file and a diff shows only what changed in the manifests."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

KEY_ORDER = (
    "aws:region",
    "aws:defaultTags",
    "ecs-workloads:referenceSystem",
    "ecs-workloads:network",
    "ecs-workloads:cluster",
    "ecs-workloads:logs",
    "ecs-workloads:loadBalancer",
    "ecs-workloads:topics",
    "ecs-workloads:webServices",
    "ecs-workloads:backends",
    "ecs-workloads:workers",
    "ecs-workloads:jobs",
)


def render_stack_file(config: Mapping[str, Any], header: list[str], sources: Mapping[str, Mapping[str, str]]) -> str:
    """The stack file's text. `sources[key][entry name]` is the manifest an entry came from (its comment)."""
    top = CommentedMap()
    top.yaml_set_start_comment("\n".join(header))
    values = CommentedMap()
    for key in sorted(config, key=lambda name: (KEY_ORDER.index(name) if name in KEY_ORDER else len(KEY_ORDER), name)):
        values[key] = _commented(config[key])
        entries = values[key]
        for name, source in (sources.get(key) or {}).items():
            if isinstance(entries, CommentedMap) and name in entries:
                entries.yaml_set_comment_before_after_key(name, before=f"from {source}", indent=4)
            elif isinstance(entries, CommentedSeq):
                for index, item in enumerate(entries):
                    if isinstance(item, Mapping) and item.get("name") == name:
                        entries.yaml_set_comment_before_after_key(index, before=f"from {source}", indent=4)
    top["config"] = values
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    stream = io.StringIO()
    yaml.dump(top, stream)
    return stream.getvalue()


def _commented(value: Any) -> Any:
    if isinstance(value, Mapping):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _commented(item)
        return mapping
    if isinstance(value, list):
        return CommentedSeq([_commented(item) for item in value])
    return value
