"""Every page follows the page convention, checked on its source (no Streamlit run):

- thin: imports, constants, functions, and ``render()`` run only under ``__main__``;
- no choice widget made directly (``ui.widget`` gives it stable ids, catalog labels, a
  URL parameter, validation, and the language-switch refresh), no ``st.plotly_chart``
  (``ui.plot`` sets the language's number separators), no ``global`` state;
- every callback passed by hand goes through the error boundary (``guard``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard.app import PAGES

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
CHOICES = {"selectbox", "radio", "multiselect", "segmented_control", "pills", "select_slider"}
FILES = [file for file, _, _ in PAGES]


def _tree(file: str) -> ast.Module:
    return ast.parse((DASHBOARD / file).read_text(encoding="utf-8"), filename=file)


def _is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__": render()`` exactly."""
    if not isinstance(node, ast.If) or node.orelse or len(node.body) != 1:
        return False
    test = node.test
    ok_test = (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )
    call = node.body[0]
    ok_call = (
        isinstance(call, ast.Expr)
        and isinstance(call.value, ast.Call)
        and isinstance(call.value.func, ast.Name)
        and call.value.func.id == "render"
    )
    return ok_test and ok_call


def _calls_ui(node: ast.AST) -> bool:
    """Whether an expression calls Streamlit or the page furniture (UI at import)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            f = sub.func
            while isinstance(f, ast.Attribute):
                f = f.value
            if isinstance(f, ast.Name) and f.id in ("st", "ui", "state"):
                return True
    return False


@pytest.mark.parametrize("file", FILES)
def test_page_is_thin_and_renders_only_as_main(file):
    tree = _tree(file)
    body = tree.body[1:] if ast.get_docstring(tree) else tree.body
    names = {n.name for n in body if isinstance(n, ast.FunctionDef)}
    assert "render" in names, f"{file} has no render()"
    assert body and _is_main_guard(body[-1]), f"{file} must end with the __main__ guard"
    for node in body[:-1]:
        where = f"{file}:{node.lineno}"
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
            continue
        assert isinstance(node, ast.Assign | ast.AnnAssign), f"UI or logic at import: {where}"
        assert not _calls_ui(node), f"a module constant calls Streamlit: {where}"


@pytest.mark.parametrize("file", FILES)
def test_widgets_and_figures_go_through_the_page_furniture(file):
    for node in ast.walk(_tree(file)):
        where = f"{file}:{getattr(node, 'lineno', '?')}"
        assert not isinstance(node, ast.Global), f"global state: {where}"
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            assert func.attr not in CHOICES, f"{func.attr} made directly (use ui.widget): {where}"
            assert func.attr != "plotly_chart", f"st.plotly_chart (use ui.plot): {where}"
        is_widget_helper = isinstance(func, ast.Attribute) and func.attr == "widget"
        for kw in node.keywords:
            if kw.arg in ("on_click", "on_change") and not is_widget_helper:
                value = kw.value
                ok = (
                    isinstance(value, ast.Call)
                    and isinstance(value.func, ast.Name)
                    and value.func.id == "guard"
                )
                assert ok, f"{kw.arg} without guard(): {where}"
