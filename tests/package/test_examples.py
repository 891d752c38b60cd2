"""The TypeScript and YAML examples use only what the package's schema offers.

`examples/typescript/index.ts` and `examples/yaml/Pulumi.yaml` are programs for the SDKs that
`pulumi package add` generates; neither Node.js nor the Pulumi CLI runs here, so this test holds them to the
committed schema instead: every component type exists, every property name is an input of the component or
of the nested type at that place (camelCase, recursively into objects, arrays of objects and maps of
objects), the component's required inputs are given, and every output read (`web.url`, `${web.url}`) is an
output of that component.

The TypeScript file keeps to a documented shape (its header): components as
`new ecsWorkloads.<Component>("<name>", { ... })`, other literals of the package's types annotated with
`ecsWorkloads.types.input.<Type>Args`, no spreads or computed keys. The reader below understands exactly that:
object literals, arrays, strings, comments and nested brackets; any other value is an expression it skips.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "provider" / "schema.json"
TYPESCRIPT = ROOT / "examples" / "typescript" / "index.ts"
YAML_PROGRAM = ROOT / "examples" / "yaml" / "Pulumi.yaml"
PACKAGE = "ecs-workloads"
SDK_MODULE = "ecsWorkloads"
# Input types of the generated Node.js SDK: `types.input.<Type>Args` (codegen appends `Args` to input types).
INPUT_TYPE = re.compile(rf"const (\w+): {SDK_MODULE}\.types\.input\.(\w+)Args = \{{")
COMPONENT = re.compile(rf"const (\w+) = new {SDK_MODULE}\.(\w+)\(\"([^\"]+)\", \{{")
# The components every example builds: a network, a cluster, a web service, a scheduled task, a queue worker.
BUILT = {"Network", "EcsCluster", "AlbWebService", "ScheduledEcsTask", "QueueBackedBatchService"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text())


# --- a reader for TypeScript object literals ----------------------------------------------------------------


@dataclass
class Expression:
    """A value the reader does not look into (an identifier, a call, a number, a string)."""

    text: str


_CLOSING = {"{": "}", "[": "]", "(": ")"}


class _Reader:
    def __init__(self, text: str, position: int) -> None:
        self.text = text
        self.position = position

    def _skip_space(self) -> None:
        while True:
            rest = self.text[self.position :]
            stripped = rest.lstrip()
            self.position += len(rest) - len(stripped)
            if stripped.startswith("//"):
                self.position = self.text.index("\n", self.position)
            elif stripped.startswith("/*"):
                self.position = self.text.index("*/", self.position) + 2
            else:
                return

    def _peek(self) -> str:
        self._skip_space()
        return self.text[self.position]

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise SyntaxError(
                f"expected {char!r} at {self._where()}: {self.text[self.position : self.position + 40]!r}"
            )
        self.position += 1

    def _where(self) -> str:
        return f"line {self.text.count(chr(10), 0, self.position) + 1}"

    def _string(self) -> str:
        quote = self.text[self.position]
        end = self.position + 1
        while self.text[end] != quote:
            end += 2 if self.text[end] == "\\" else 1
        value = self.text[self.position + 1 : end]
        self.position = end + 1
        return value

    def value(self) -> Any:
        char = self._peek()
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        return self.expression()

    def object(self) -> dict[str, Any]:
        self._expect("{")
        found: dict[str, Any] = {}
        while self._peek() != "}":
            if self.text.startswith("...", self.position) or self._peek() == "[":
                raise SyntaxError(f"a spread or computed key at {self._where()}: write the properties out")
            if self._peek() in "\"'":
                key = self._string()
            else:
                match = re.compile(r"[A-Za-z_$][\w$]*").match(self.text, self.position)
                if match is None:
                    raise SyntaxError(f"a property name expected at {self._where()}")
                key, self.position = match[0], match.end()
            if self._peek() == ":":
                self.position += 1
                found[key] = self.value()
            else:
                found[key] = Expression(key)  # shorthand `{ tags }`
            if self._peek() == ",":
                self.position += 1
        self.position += 1
        return found

    def array(self) -> list[Any]:
        self._expect("[")
        items: list[Any] = []
        while self._peek() != "]":
            items.append(self.value())
            if self._peek() == ",":
                self.position += 1
        self.position += 1
        return items

    def expression(self) -> Expression:
        """Up to the comma or closing bracket that ends the value, skipping nested brackets and strings."""
        start, depth = self.position, 0
        while True:
            char = self.text[self.position]
            if char in "\"'`":
                self._string()
                continue
            if char in _CLOSING:
                depth += 1
            elif char in "}])":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            self.position += 1
        return Expression(self.text[start : self.position].strip())


def typescript_program(text: str) -> tuple[list[tuple[str, str, str, dict]], list[tuple[str, str, dict]]]:
    """The components (variable, component, name, args) and the annotated literals (variable, type, value)."""
    components = [(m[1], m[2], m[3], _Reader(text, m.end() - 1).object()) for m in COMPONENT.finditer(text)]
    literals = [(m[1], m[2], _Reader(text, m.end() - 1).object()) for m in INPUT_TYPE.finditer(text)]
    return components, literals


# --- the check against the schema ---------------------------------------------------------------------------


def _type(schema: dict, ref: str) -> dict:
    return schema["types"][ref.removeprefix("#/types/")]


def problems_of_object(schema: dict, properties: dict, value: Any, where: str) -> list[str]:
    if isinstance(value, Expression) or (isinstance(value, str) and value.startswith("${")):
        return []  # computed (an output, a variable): the SDK's types check it, not this test
    if not isinstance(value, dict):
        return [f"{where}: an object expected, found {value!r}"]
    found: list[str] = []
    for key, item in value.items():
        if key not in properties:
            found.append(f"{where}.{key}: no such property; the schema has {sorted(properties)}")
            continue
        found += problems_of_value(schema, properties[key], item, f"{where}.{key}")
    return found


def problems_of_value(schema: dict, spec: dict, value: Any, where: str) -> list[str]:
    if "$ref" in spec:
        ref = spec["$ref"]
        if not ref.startswith(f"#/types/{PACKAGE}:"):
            return []
        definition = _type(schema, ref)
        if "enum" in definition:
            return []
        return problems_of_object(schema, definition.get("properties", {}), value, where)
    kind = spec.get("type")
    if kind == "array" and isinstance(value, list):
        return [
            p for i, item in enumerate(value) for p in problems_of_value(schema, spec["items"], item, f"{where}[{i}]")
        ]
    if kind == "object" and isinstance(value, dict) and "additionalProperties" in spec:
        items = spec["additionalProperties"]
        return [p for key, item in value.items() for p in problems_of_value(schema, items, item, f"{where}.{key}")]
    return []


def problems_of_component(schema: dict, component: str, args: Any, where: str) -> list[str]:
    token = f"{PACKAGE}:index:{component}"
    if token not in schema["resources"]:
        return [f"{where}: {token} is not a resource of the schema"]
    resource = schema["resources"][token]
    found = problems_of_object(schema, resource.get("inputProperties", {}), args, where)
    given = set(args) if isinstance(args, dict) else set()
    found += [
        f"{where}.{name}: required, not given" for name in resource.get("requiredInputs", []) if name not in given
    ]
    return found


def problems_of_outputs(schema: dict, components: dict[str, str], reads: list[tuple[str, str]]) -> list[str]:
    found = []
    for variable, output in reads:
        outputs = schema["resources"][f"{PACKAGE}:index:{components[variable]}"].get("properties", {})
        if output not in outputs:
            found.append(
                f"{variable}.{output}: no output {output!r} on {components[variable]}; it has {sorted(outputs)}"
            )
    return found


# --- the tests ----------------------------------------------------------------------------------------------


def test_the_typescript_example_uses_only_the_schemas_names(schema):
    text = TYPESCRIPT.read_text()
    assert f'import * as {SDK_MODULE} from "@pulumi/{PACKAGE}";' in text
    components, literals = typescript_program(text)
    assert {component for _, component, _, _ in components} >= BUILT
    # Every `new ecsWorkloads.` of the code (comments left out) is one the reader saw: nothing escapes the check.
    code = re.sub(r"//[^\n]*", "", text)
    assert code.count(f"new {SDK_MODULE}.") == len(components)
    assert code.count(f"{SDK_MODULE}.types.input.") == len(literals)
    found: list[str] = []
    for _, component, name, args in components:
        found += problems_of_component(schema, component, args, f"{component} {name!r}")
    for variable, type_name, value in literals:
        ref = f"#/types/{PACKAGE}:index:{type_name}"
        found += (
            problems_of_value(schema, {"$ref": ref}, value, variable)
            if ref[8:] in schema["types"]
            else [f"{variable}: no type {type_name} in the schema"]
        )
    variables = {variable: component for variable, component, _, _ in components}
    reads = re.findall(rf"\b({'|'.join(variables)})\.(\w+)\b", text)
    assert reads
    found += problems_of_outputs(schema, variables, reads)
    assert found == []


def test_the_yaml_example_uses_only_the_schemas_names(schema):
    program = YAML(typ="safe").load(YAML_PROGRAM.read_text())
    assert program["packages"][PACKAGE].startswith("github.com/")
    resources = program["resources"]
    ours = {name: r for name, r in resources.items() if r["type"].startswith(f"{PACKAGE}:")}
    assert {r["type"].rpartition(":")[2] for r in ours.values()} >= BUILT
    found: list[str] = []
    for name, resource in ours.items():
        found += problems_of_component(
            schema, resource["type"].rpartition(":")[2], resource.get("properties") or {}, name
        )
    variables = {name: r["type"].rpartition(":")[2] for name, r in ours.items()}
    reads = [
        (variable, output)
        for variable, output in re.findall(r"\$\{([\w-]+)\.(\w+)", YAML_PROGRAM.read_text())
        if variable in variables
    ]
    assert reads
    found += problems_of_outputs(schema, variables, reads)
    assert found == []


def test_the_check_finds_a_wrong_name_at_any_depth(schema):
    # A test that cannot fail is a defect: a misspelt name at the top, in a nested type and in a list item, a
    # missing required input and an unknown output are each reported.
    broken = (
        TYPESCRIPT.read_text()
        .replace("healthCheckPath:", "healthcheckPath:")
        .replace("fargateSpot: 3", "fargate_spot: 3")
        .replace('schedule: "cron', 'scheduled: "cron')
        .replace("web.url", "web.endpoint", 1)
    )
    components, _ = typescript_program(broken)
    found = [p for _, c, n, a in components for p in problems_of_component(schema, c, a, n)]
    assert [p.split(":")[0] for p in found] == [
        "ecs.defaultCapacity.fargate_spot",
        "web.healthcheckPath",
        "nightly-report.scheduled",
        "nightly-report.schedule",
    ]
    variables = {v: c for v, c, _, _ in components}
    reads = re.findall(rf"\b({'|'.join(variables)})\.(\w+)\b", broken)
    assert [p.split(":")[0] for p in problems_of_outputs(schema, variables, reads)] == ["web.endpoint"]
    inputs = schema["resources"][f"{PACKAGE}:index:ScheduledEcsTask"]["inputProperties"]
    nested = {"workload": {"image": "x", "sidecars": [{"nmae": "log"}]}}
    assert [p.split(":")[0] for p in problems_of_object(schema, inputs, nested, "t")] == ["t.workload.sidecars[0].nmae"]
