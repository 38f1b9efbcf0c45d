"""Every refusal code comes from one registry, and only the API turns its kind into a status."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from econtract.api.errors import HTTP_STATUS, http_status_of
from econtract.errors import (
    ERROR_CODES,
    BusinessRuleViolation,
    Refusal,
    UnregisteredErrorCode,
)

ROOT = Path(__file__).resolve().parents[2]
_SKIPPED = {".venv", "tests", "migrations", "bench", "node_modules"}


def _sources() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if not _SKIPPED.intersection(p.relative_to(ROOT).parts)]


def _refusing_helpers(trees: dict[Path, ast.Module]) -> dict[str, int]:
    """Functions that take a ``code`` and make the exception with it: where that argument is
    (module-private helpers of one name in several modules are told apart by their module)."""
    helpers: dict[str, int] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and "BusinessRuleViolation" in ast.unparse(node):
                key = f"{path}:{node.name}" if node.name.startswith("_") else node.name
                names = [a.arg for a in node.args.args]
                if "code" in names:
                    helpers[key] = names.index("code")
                    defaults = node.args.defaults
                    offset = len(names) - len(defaults)
                    if helpers[key] >= offset:  # the default is a code too
                        default = defaults[helpers[key] - offset]
                        if isinstance(default, ast.Constant) and isinstance(default.value, str):
                            helpers[f"{key}:default:{default.value}"] = -1
                elif any(a.arg == "code" for a in node.args.kwonlyargs):
                    helpers[key] = len(names) + 1000  # keyword only
    return helpers


def _literal_codes() -> dict[str, str]:
    """Codes written as literals where refusals are made: the exception, the helpers that make
    it from a code, and the registration rules' problems."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in _sources()}
    helpers = _refusing_helpers(trees)
    found = {key.rsplit(":", 1)[1]: key for key in helpers if ":default:" in key}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = str(getattr(node.func, "id", getattr(node.func, "attr", None)))
            position = {"Problem": 1, "BusinessRuleViolation": 0}.get(
                name, helpers.get(f"{path}:{name}", helpers.get(name))
            )
            if position is None:
                continue
            candidates = [*node.args[position : position + 1]]
            candidates += [k.value for k in node.keywords if k.arg == "code"]
            for argument in candidates:
                for value in _strings(argument):
                    found[value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def _strings(argument: ast.expr) -> list[str]:
    """The codes an argument may be: a literal, or either branch of ``a if … else b``."""
    if isinstance(argument, ast.IfExp):
        return [*_strings(argument.body), *_strings(argument.orelse)]
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return [argument.value]
    return []


def test_every_code_raised_in_the_source_is_registered() -> None:
    codes = _literal_codes()
    assert len(codes) > 60  # the scan finds the raises
    assert {c: where for c, where in codes.items() if c not in ERROR_CODES} == {}


def test_an_unregistered_code_fails_where_it_is_raised() -> None:
    with pytest.raises(UnregisteredErrorCode):
        BusinessRuleViolation("no_such_code_anywhere", "message")


def test_the_registered_kind_gives_the_status_and_an_override_wins() -> None:
    assert http_status_of(BusinessRuleViolation("not_your_turn", "m")) == 409
    assert http_status_of(BusinessRuleViolation("not_found", "m")) == 404
    assert http_status_of(BusinessRuleViolation("invalid", "m")) == 422
    overridden = BusinessRuleViolation("invalid", "m", refusal=Refusal.BAD_REQUEST)
    assert http_status_of(overridden) == 400
    assert set(HTTP_STATUS) == set(Refusal)


def test_no_domain_module_speaks_http() -> None:
    """Only API, serializer and view modules import DRF's statuses or views."""
    speaking = []
    for path in _sources():
        name = path.name
        if name.endswith(("api.py", "views.py", "serializers.py", "urls.py", "schema.py")):
            continue
        if "/api/" in str(path.relative_to(ROOT)) or "middleware" in name:
            continue
        text = path.read_text(encoding="utf-8")
        if "from rest_framework import status" in text or "rest_framework.views" in text:
            speaking.append(str(path.relative_to(ROOT)))
    assert speaking == []
