"""The GUI is a thin layer: the core packages never import Qt (napari's import-linter rule)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "faceeditor"
CORE = ["model", "render", "export", "albedo", "text", "detect", "sculpt", "fit", "state.py",
        "project.py", "fileio.py"]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "qtpy")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_sources_do_not_import_qt():
    offenders = []
    for entry in CORE:
        root = PACKAGE / entry
        for path in ([root] if root.is_file() else sorted(root.rglob("*.py"))):
            qt = [m for m in imported_modules(path) if m.split(".")[0] in QT_MODULES]
            if qt:
                offenders.append(f"{path.relative_to(PACKAGE.parent)}: {qt}")
            gui = [m for m in imported_modules(path) if m.startswith("faceeditor.gui")]
            if gui:
                offenders.append(f"{path.relative_to(PACKAGE.parent)} imports the GUI: {gui}")
    assert not offenders, "core code imports Qt or the GUI:\n" + "\n".join(offenders)


def test_importing_the_core_loads_no_qt():
    modules = [f"faceeditor.{entry.removesuffix('.py')}" for entry in CORE
               if (PACKAGE / entry).exists()]
    code = (f"import sys\nfor name in {modules!r}: __import__(name)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
