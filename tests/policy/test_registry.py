"""`RULES` is assembled from the checks decorated with `@rule` in every module of `policy/rules/`."""

from __future__ import annotations

import importlib
import pkgutil

import policy.rules
from policy.rules import MODULES, RULES, Rule, rules_of


def test_rule_ids_are_unique():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))


def test_every_module_with_rules_is_registered():
    found: dict[str, list[Rule]] = {}
    for info in pkgutil.iter_modules(policy.rules.__path__):
        module = importlib.import_module(f"policy.rules.{info.name}")
        if rules_of(module):
            found[module.__name__] = rules_of(module)
    assert set(found) == {module.__name__ for module in MODULES}
    assert [rule for module in MODULES for rule in found[module.__name__]] == list(RULES)


def test_a_decorated_check_is_its_rule():
    from policy.rules import s3

    assert s3.check_public_access_block in RULES
    assert s3.check_public_access_block.id == "s3-bucket-public-access-blocked"
