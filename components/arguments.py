"""Each component argument's facts, declared once and read by everything that needs them.

A component's args `TypedDict` holds each field's name, type and description (a docstring under the
field): Pulumi's component analyzer reads exactly that, so it stays a plain TypedDict with real
annotations. Right under it, an `Arguments` declaration holds the rest of each field's facts, one `Spec`
per field: its default, its bounds or allowed values, and the rules that tie fields together. The
component validates with it, reads defaults from it, the stack settings that pass a field through build
their pydantic field from it, the reference tables in docs/ are generated from it and the fuzz tests draw
values from it. Nothing restates a bound or a default.

Errors keep one design: every problem collected, `field: value — what is allowed`, raised before any
resource is registered.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import math
import re
import sys
import textwrap
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from pydantic import AfterValidator
from pydantic.fields import FieldInfo

from .validation import ArgumentProblems, is_id, is_int_in, is_known, unknown


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""No default: the field is required, or its absence means "off" (the Spec's `otherwise` says what)."""


@dataclass(frozen=True)
class Spec:
    """What one argument accepts, and what it is when not given."""

    default: Any = MISSING
    """The value used when the field is absent."""
    otherwise: str | None = None
    """What absence means when there is no literal default, e.g. "the image's CMD"."""

    def problem(self, value: Any) -> str | None:
        """None when `value` is acceptable, else what is allowed. Outputs are checked at deploy time."""
        if not is_known(value) or self.accepts(value):
            return None
        return self.allowed()

    def accepts(self, value: Any) -> bool:
        raise NotImplementedError

    def allowed(self) -> str:
        raise NotImplementedError

    def default_text(self) -> str:
        if self.default is not MISSING:
            return f"`{_literal(self.default)}`"
        return self.otherwise or "none"

    def setting(self, default: Any = MISSING, *, description: str) -> Any:
        """A pydantic field for a stack setting that passes this argument through: same check, same
        wording. `default` is the stack's own choice when it differs from the component's."""
        chosen = self.default if default is MISSING else default
        # `allowed` travels with the field so the generated configuration reference can print it.
        extra: dict[str, Any] = {"allowed": self.allowed()}
        if chosen is MISSING:
            info = FieldInfo(description=description, json_schema_extra=extra)
        else:
            info = FieldInfo(default=chosen, description=description, json_schema_extra=extra)

        info.metadata.append(AfterValidator(SettingCheck(self, none_allowed=chosen is None)))
        return info


@dataclass(frozen=True)
class SettingCheck:
    """The validator `Spec.setting` gives a pydantic field; it keeps its spec, so tools reading the settings
    models (the configuration reference, the fuzz tests) see the same declaration."""

    spec: Spec
    none_allowed: bool

    def __call__(self, value: Any) -> Any:
        problem = None if value is None and self.none_allowed else self.spec.problem(value)
        if problem:
            # A misspelt name reads as what it is ("unknown deployment strategy; did you mean ...").
            raise ValueError(problem if problem.startswith("unknown ") else f"must be {problem}")
        return value


@dataclass(frozen=True)
class Integer(Spec):
    """A whole number within [low, high] (bools refused: Python counts True as 1)."""

    low: int = 0
    high: int = 0

    def accepts(self, value: Any) -> bool:
        return is_int_in(value, self.low, self.high)

    def allowed(self) -> str:
        return f"an integer from {self.low} to {self.high}"


@dataclass(frozen=True)
class Number(Spec):
    """A finite number within the bounds; `low_open` excludes `low` itself ("above 0")."""

    low: float = 0
    high: float = 0
    low_open: bool = False

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def allowed(self) -> str:
        low = f"above {_number(self.low)}" if self.low_open else f"from {_number(self.low)}"
        return f"a number {low} up to {_number(self.high)}"


@dataclass(frozen=True)
class Flag(Spec):
    """true or false."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)

    def allowed(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class OneOf(Spec):
    """One of a fixed set of values."""

    values: tuple[Any, ...] = ()
    what: str | None = None
    """With a name such as "deployment strategy", a misspelt string gets `unknown <what>; did you mean ...`."""

    def problem(self, value: Any) -> str | None:
        found = super().problem(value)
        if found is not None and self.what is not None and isinstance(value, str):
            return unknown(self.what, value, [str(choice) for choice in self.values])
        return found

    def accepts(self, value: Any) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def allowed(self) -> str:
        return "one of " + ", ".join(_literal(v) for v in self.values)


@dataclass(frozen=True)
class Text(Spec):
    """A string; with `pattern`, one that matches it fully (`shape` says what that means to a person)."""

    pattern: re.Pattern[str] | None = None
    shape: str = "a non-empty string"
    max_length: int | None = None

    def accepts(self, value: Any) -> bool:
        if not isinstance(value, str) or not value:
            return False
        if self.max_length is not None and len(value) > self.max_length:
            return False
        return self.pattern is None or self.pattern.fullmatch(value) is not None

    def allowed(self) -> str:
        limit = f" of up to {self.max_length} characters" if self.max_length is not None else ""
        return f"{self.shape}{limit}"


@dataclass(frozen=True)
class Parsed(Spec):
    """A string that `parse` accepts; when it refuses one, its error says what is wrong with that value."""

    parse: Callable[[str], Any] = str
    shape: str = "a string"

    def problem(self, value: Any) -> str | None:
        if not is_known(value):
            return None
        if not isinstance(value, str):
            return self.shape
        try:
            self.parse(value)
        except ValueError as error:
            return str(error)
        return None

    def accepts(self, value: Any) -> bool:
        return self.problem(value) is None

    def allowed(self) -> str:
        return self.shape


@dataclass(frozen=True)
class Identifier(Spec):
    """An AWS id or ARN given as a string, or an Output that will hold one."""

    shape: str = "an id"

    def accepts(self, value: Any) -> bool:
        return is_id(value)

    def allowed(self) -> str:
        return f"{self.shape} (a non-empty string or an Output)"


@dataclass(frozen=True)
class Items(Spec):
    """A list whose entries each satisfy `item`, with a bounded length and, with `unique`, no repeats."""

    item: Spec = field(default_factory=lambda: Text())
    min_items: int = 1
    max_items: int | None = None
    unique: bool = False

    def accepts(self, value: Any) -> bool:
        if not isinstance(value, list) or len(value) < self.min_items:
            return False
        if self.max_items is not None and len(value) > self.max_items:
            return False
        if self.unique and len({repr(v) for v in value}) != len(value):
            return False
        return all(self.item.problem(entry) is None for entry in value)

    def allowed(self) -> str:
        count = f"{self.min_items} to {self.max_items}" if self.max_items is not None else f"at least {self.min_items}"
        unique = ", no repeats" if self.unique else ""
        return f"a list of {count} entries{unique}, each {self.item.allowed()}"


@dataclass(frozen=True)
class Check(Spec):
    """A rule too specific for the other specs (a CIDR block, an environment map): `test` decides and
    `says` tells the caller what is allowed."""

    test: Callable[[Any], bool] = lambda value: True
    says: str = ""

    def accepts(self, value: Any) -> bool:
        return self.test(value)

    def allowed(self) -> str:
        return self.says


@dataclass(frozen=True)
class Refused(Spec):
    """A field of a shared declaration that the embedding component sets itself (see `Arguments.refusing`):
    never accepted, an Output no more than a value, and `says` where its value comes from instead."""

    says: str = ""

    def problem(self, value: Any) -> str | None:
        return self.says

    def accepts(self, value: Any) -> bool:
        return False

    def allowed(self) -> str:
        return self.says

    def default_text(self) -> str:
        return "set by the component"


@dataclass(frozen=True)
class Nested(Spec):
    """A mapping with its own declaration (a TypedDict such as `ContainerHealthCheck`)."""

    arguments: Arguments | None = None

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict)

    def allowed(self) -> str:
        assert self.arguments is not None
        return f"a mapping with keys from: {', '.join(self.arguments.names)}"

    def default_text(self) -> str:
        # A default mapping such as `{}` says little; `otherwise` can say what its fields' defaults make.
        return self.otherwise or super().default_text()


@dataclass(frozen=True)
class NestedList(Spec):
    """A list of mappings, each with the declaration `arguments`."""

    arguments: Arguments | None = None
    min_items: int = 0
    max_items: int | None = None

    def accepts(self, value: Any) -> bool:
        if not isinstance(value, list) or len(value) < self.min_items:
            return False
        return self.max_items is None or len(value) <= self.max_items

    def allowed(self) -> str:
        count = f"{self.min_items} to {self.max_items}" if self.max_items is not None else f"at least {self.min_items}"
        return f"a list of {count} mappings"


Rule = Callable[[Mapping[str, Any], ArgumentProblems, str], None]
"""A rule across fields: `(args, problems, prefix)`; it runs only when every field passed its own spec."""


class Arguments:
    """The declaration of one args TypedDict: a `Spec` per field, and the rules that span fields."""

    def __init__(
        self, typed_dict: type, specs: Mapping[str, Spec], rules: Sequence[Rule] = (), *, origin: type | None = None
    ) -> None:
        declared = set(inspect.get_annotations(typed_dict))
        # Besides its own fields, a declaration may refuse fields of `origin` that its TypedDict leaves out
        # (see `refusing`): a caller who passes one is told where its value comes from.
        fuller = set(inspect.get_annotations(origin or typed_dict))
        extra = {name for name in set(specs) - declared if not isinstance(specs[name], Refused) or name not in fuller}
        if extra or declared - set(specs):
            # A programming error in this library, caught the first time the module is imported.
            raise TypeError(
                f"{typed_dict.__name__}: specs for {sorted(extra)} are not fields, "
                f"fields {sorted(declared - set(specs))} have no spec"
            )
        self.typed_dict = typed_dict
        self.origin = origin or typed_dict
        """The TypedDict declaring every field of `specs`: `typed_dict` itself, or the fuller one it narrows."""
        self.specs = dict(specs)
        self.rules = tuple(rules)
        # A field the embedding component sets is never the caller's to give, required or not.
        required: frozenset[str] = getattr(typed_dict, "__required_keys__", frozenset())
        self.required = frozenset(name for name in required if not isinstance(self.specs[name], Refused))

    @property
    def names(self) -> list[str]:
        """The fields a caller may give."""
        return sorted(name for name, spec in self.specs.items() if not isinstance(spec, Refused))

    def refusing(self, set_by_embedder: Mapping[str, str], typed_dict: type | None = None) -> Arguments:
        """This declaration as a component that embeds it takes it: the fields of `set_by_embedder` (name ->
        where the value comes from instead) are the embedder's own and refused; every other fact and rule
        stays. Docs tables and the fuzz tests see the same fields, so they see the refusals too.

        `typed_dict` is the TypedDict the embedder declares for it: this one's fields without the refused
        ones (a base class of this one), so that Pulumi's analyzer offers other languages only what is
        accepted. A Python caller who passes a refused field still hears where its value comes from."""
        refused = {name: Refused(says=why) for name, why in set_by_embedder.items()}
        # `Arguments` checks that every field `typed_dict` leaves out is refused.
        return Arguments(typed_dict or self.typed_dict, {**self.specs, **refused}, self.rules, origin=self.origin)

    def defaulting(self, supplied_by_embedder: Mapping[str, str]) -> Arguments:
        """This declaration with the fields of `supplied_by_embedder` (name -> where the value comes from when
        absent) no longer required: the embedding component fills them in. Every other fact and rule stays."""
        specs = {name: replace(self.specs[name], otherwise=why) for name, why in supplied_by_embedder.items()}
        loosened = Arguments(self.typed_dict, {**self.specs, **specs}, self.rules, origin=self.origin)
        loosened.required = loosened.required - set(supplied_by_embedder)
        return loosened

    def __getitem__(self, name: str) -> Spec:
        return self.specs[name]

    def value(self, given: Mapping[str, Any], name: str) -> Any:
        """The given value, else the declared default (None when the field has none)."""
        if name in given:
            return given[name]
        default = self.specs[name].default
        return None if default is MISSING else default

    def check(self, given: Any, problems: ArgumentProblems, prefix: str = "") -> dict[str, Any] | None:
        """Records every problem of `given`; returns it as a dict when it is a mapping at all."""
        field_name = prefix.removesuffix(".")
        if not isinstance(given, dict):
            problems.add(field_name or "arguments", given, f"a mapping with keys from: {', '.join(self.names)}")
            return None
        before = len(problems)
        for key, value in given.items():
            spec = self.specs.get(key)
            if spec is None:
                problems.add(f"{prefix}{key}", value, unknown("argument", str(key), self.names))
                continue
            self._check_value(spec, value, problems, f"{prefix}{key}")
        for key in sorted(self.required - set(given)):
            problems.add(f"{prefix}{key}", None, "required")
        if len(problems) == before:
            for rule in self.rules:
                rule(given, problems, prefix)
        return given

    @staticmethod
    def _check_value(spec: Spec, value: Any, problems: ArgumentProblems, where: str) -> None:
        problem = spec.problem(value)
        if problem is not None:
            problems.add(where, value, problem)
            return
        if isinstance(spec, Nested) and spec.arguments is not None:
            spec.arguments.check(value, problems, f"{where}.")
        elif isinstance(spec, NestedList) and spec.arguments is not None and is_known(value):
            for index, entry in enumerate(value):
                spec.arguments.check(entry, problems, f"{where}[{index}].")

    def fields(self) -> Iterator[FieldFacts]:
        """Every field with all its facts, in declaration order (the refused fields a narrowed TypedDict
        leaves out included): what docs tables are made of."""
        docs = {**field_docstrings(self.origin), **field_docstrings(self.typed_dict)}
        for name in inspect.get_annotations(self.origin):
            if name in self.specs:
                yield FieldFacts(name, self.specs[name], name in self.required, docs.get(name, ""))


@dataclass(frozen=True)
class FieldFacts:
    name: str
    spec: Spec
    required: bool
    description: str


@cache
def field_docstrings(cls: type) -> dict[str, str]:
    """The docstring under each annotated field of `cls` and of the TypedDicts it extends, read from their
    source the way Pulumi's component analyzer reads it (docstrings of attributes do not exist at run time;
    the analyzer itself reads the class's own source only)."""
    found: dict[str, str] = {}
    for body in class_bodies(cls):
        for current, following in itertools.pairwise(body):
            if (
                isinstance(current, ast.AnnAssign)
                and isinstance(current.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                found[current.target.id] = " ".join(following.value.value.split())
    return found


def class_bodies(cls: type) -> list[list[ast.stmt]]:
    """The statements of the class definition of `cls`, preceded by those of the TypedDicts it extends,
    bases first. A TypedDict keeps no bases at run time (its `__mro__` is itself, `dict`, `object`), so they are
    read from the class statement and looked up in its module."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    node = next(node for node in tree.body if isinstance(node, ast.ClassDef))
    bodies: list[list[ast.stmt]] = []
    if typing.is_typeddict(cls):
        module = sys.modules[cls.__module__]
        for base in node.bases:
            found = getattr(module, base.id, None) if isinstance(base, ast.Name) else None
            if isinstance(found, type) and typing.is_typeddict(found):
                bodies += class_bodies(found)
    return [*bodies, node.body]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return repr(value)
