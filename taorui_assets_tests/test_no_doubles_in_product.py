"""Test doubles live with the tests: nothing under taorui_assets/ imports them, and the
product's resources know only the real clients."""
import ast
import subprocess
import sys
from pathlib import Path

import taorui_assets

PRODUCT = Path(taorui_assets.__file__).parent
DOUBLES = ("taorui_assets_tests", "qmt_fake", "jqdata_server")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
    return names


def test_no_product_module_imports_a_double():
    offenders = {}
    for path in sorted(PRODUCT.rglob("*.py")):
        bad = sorted(n for n in imported_modules(path) if any(d in n for d in DOUBLES))
        if bad:
            offenders[str(path.relative_to(PRODUCT.parent))] = bad
    assert offenders == {}


def test_no_double_ships_in_the_product():
    assert not [p for p in PRODUCT.rglob("*.py") if any(d in p.stem for d in DOUBLES[1:])]


def test_loading_every_product_module_loads_no_double():
    code = ("import importlib, pkgutil, sys, taorui_assets\n"
            "for m in pkgutil.walk_packages(taorui_assets.__path__, 'taorui_assets.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(sorted(n for n in sys.modules if n.startswith('taorui_assets_tests') or 'qmt_fake' in n\n"
            "             or 'jqdata_server' in n))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
