"""Ship the platform's own validator inside the wheel: "one validator for every path".

The build copies the modules of ``econtract/pki`` that ``verify_pdf`` needs, the shared token
checks and ``econtract/evidence/chain.py`` (the hash formulas) into
``econtract_verify/_kernel/``, rewriting their ``econtract.`` imports. It fails when a copied
module imports Django at import time, another ``econtract`` module than the copied ones, or a
library the tool does not depend on: the wheel must import without the platform.

Built from the repository, the modules come from ``../../econtract``; an sdist carries the
rewritten copies under ``src/econtract_verify/_kernel``, so a wheel builds from it alone.
"""

from __future__ import annotations

import ast
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# Paths under econtract/: the validator and what it imports, the token checks, the formulas.
KERNEL = (
    "pki/verification.py",
    "pki/signature_entries.py",
    "pki/reader_view.py",
    "pki/revisions.py",
    "pki/findings.py",
    "pki/speedups.py",
    "pki/aio.py",
    "pki/timestamp_check.py",
    "evidence/chain.py",
)
PACKAGE = "econtract_verify._kernel"
# What the tool depends on (pyproject.toml) and what pyHanko brings; the standard library too.
ALLOWED_LIBRARIES = {
    "asn1crypto",
    "pyhanko",
    "pyhanko_certvalidator",
    "cryptography",
    "aiohttp",
    "pypdfium2",
}
_IMPORT = re.compile(r"\b(from|import)(\s+)econtract\b(?=[.\s])")


class KernelError(Exception):
    """A module of the kernel cannot be shipped as it is."""


def kernel_modules(econtract_dir: Path) -> dict[str, str]:
    """Each kernel module's path under ``_kernel/`` and its rewritten source, checked."""
    modules = {path: (econtract_dir / path).read_text(encoding="utf-8") for path in KERNEL}
    for path, source in modules.items():
        check_imports(path, source)
    rewritten = {path: rewrite_imports(source) for path, source in modules.items()}
    packages = {str(Path(path).parent / "__init__.py") for path in KERNEL} | {"__init__.py"}
    for init in packages:
        rewritten[init] = '"""Copied from the econtract platform at build time."""\n'
    return rewritten


def _module_name(path: str) -> str:
    return "econtract." + path.removesuffix(".py").replace("/", ".")


def check_imports(path: str, source: str) -> None:
    shipped = {_module_name(p) for p in KERNEL} | {
        "econtract",
        "econtract.pki",
        "econtract.evidence",
    }
    tree = ast.parse(source, filename=path)
    top_level = _module_level_nodes(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for name in _imported_names(node, path):
            root = name.split(".")[0]
            at_import = node in top_level
            if root == "econtract" and name not in shipped:
                raise KernelError(f"{path}:{node.lineno} imports {name}, which is not shipped")
            if root == "django" and at_import:
                raise KernelError(f"{path}:{node.lineno} imports Django at import time")
            if (
                at_import
                and root not in {"econtract", "__future__"}
                and root not in sys.stdlib_module_names
                and root not in ALLOWED_LIBRARIES
            ):
                raise KernelError(f"{path}:{node.lineno} imports {name}, not a dependency")


def _imported_names(node: ast.Import | ast.ImportFrom, path: str) -> list[str]:
    if isinstance(node, ast.Import):
        if any(alias.name.split(".")[0] == "econtract" for alias in node.names):
            # "import econtract.x" binds the name econtract, which the rewriting would change.
            raise KernelError(f"{path}:{node.lineno}: use 'from econtract… import …'")
        return [alias.name for alias in node.names]
    if node.level:
        raise KernelError(f"{path}:{node.lineno}: relative import")
    module = node.module or ""
    if _is_package(module):
        # "from econtract.pki import speedups" imports the module econtract.pki.speedups.
        return [f"{module}.{alias.name}" for alias in node.names]
    return [module]


def _is_package(module: str) -> bool:
    return module in {"econtract", "econtract.pki", "econtract.evidence"}


def _module_level_nodes(tree: ast.Module) -> set[ast.AST]:
    """Every node that runs when the module is imported: outside function bodies."""
    found: set[ast.AST] = set()
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        found.add(node)
        pending.extend(ast.iter_child_nodes(node))
    return found


def rewrite_imports(source: str) -> str:
    """``econtract.…`` imports as ``econtract_verify._kernel.…``, on import lines only."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for number in range(node.lineno - 1, (node.end_lineno or node.lineno)):
                lines[number] = _IMPORT.sub(rf"\1\2{PACKAGE}", lines[number])
    return "".join(lines)


def write_kernel(econtract_dir: Path, destination: Path) -> list[Path]:
    """Write the checked, rewritten kernel under ``destination``; the files written."""
    written = []
    for path, source in kernel_modules(econtract_dir).items():
        target = destination / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")
        written.append(target)
    return written


class KernelBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        econtract_dir = root.parent.parent / "econtract"
        shipped = root / "src" / "econtract_verify" / "_kernel"
        if not (econtract_dir / KERNEL[0]).is_file():
            if (shipped / KERNEL[0]).is_file():
                return  # an sdist: the copies are in the tree already
            raise KernelError(f"neither {econtract_dir} nor {shipped} holds the validator")
        self._scratch = tempfile.TemporaryDirectory(prefix="econtract-verify-kernel-")
        scratch = Path(self._scratch.name)
        prefix = (
            "econtract_verify/_kernel"
            if self.target_name == "wheel"
            else str(shipped.relative_to(root))
        )
        for written in write_kernel(econtract_dir, scratch):
            relative = written.relative_to(scratch).as_posix()
            build_data["force_include"][str(written)] = f"{prefix}/{relative}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            scratch.cleanup()
