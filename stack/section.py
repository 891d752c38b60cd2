"""Base of every config model: camelCase keys as written in the stack file, unknown keys refused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError

_NUMBERS = (int, float, int | None, float | None)


class Section(BaseModel):
    """Unknown keys are errors: a typo must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_not_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        # Pydantic reads `true` as 1, so `retentionDays: true` would quietly mean one day.
        if isinstance(value, bool) and info.field_name and cls.model_fields[info.field_name].annotation in _NUMBERS:
            raise ValueError("must be a number, not true or false")
        return value


_Named = TypeVar("_Named", bound=Sequence[Any])


def unique_names(config_key: str, noun: str) -> Callable[[_Named], _Named]:
    """A validator of the list under `config_key`: each entry's `name` once, a repeat reported at its index."""

    def check(entries: _Named) -> _Named:
        first: dict[str, int] = {}
        errors = []
        for index, entry in enumerate(entries):
            if entry.name in first:
                message = PydanticCustomError(
                    "value_error",
                    f"duplicate {noun} name; also used by {config_key}.{{first}}",
                    {"first": first[entry.name]},
                )
                errors.append(InitErrorDetails(type=message, loc=(index, "name"), input=entry.name))
            first.setdefault(entry.name, index)
        if errors:
            raise ValidationError.from_exception_data(config_key, errors)
        return entries

    return check
