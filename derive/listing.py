"""The part of a check script a worksheet shows: what the sheet defines, not the harness.

A check template marks where its comparison starts (``MARK``); the sheet lists what lies
between the script's title and the mark, without tables left empty, and names the file
for the rest. A script without the mark (a user's own template) is shown whole.
"""

from __future__ import annotations

import ast

MARK = "# --- the comparison: the same in every script of this kind ---"


def _empty(node: ast.stmt) -> bool:
    """``NAME = {}``, ``[]``, ``()`` or ``set()``: a table with nothing in it."""
    if not isinstance(node, ast.Assign):
        return False
    value = node.value
    if isinstance(value, ast.Dict | ast.List | ast.Tuple | ast.Set):
        return not (value.keys if isinstance(value, ast.Dict) else value.elts)
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id in {"set", "dict", "list", "tuple"} and not value.args)


def _names_the_script(node: ast.stmt) -> bool:
    """``_SCRIPT = ...`` or ``_TITLE = ...``: the harness's own names, wherever they stand."""
    return isinstance(node, ast.Assign) and all(
        isinstance(t, ast.Name) and t.id in {"_SCRIPT", "_TITLE"} for t in node.targets)


def _title_end(tree: ast.Module) -> int:
    """The last line of the header: the docstring, the imports, ``_SCRIPT`` and ``_TITLE``."""
    end = 0
    for node in tree.body:
        header = isinstance(node, ast.Import | ast.ImportFrom) or (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)) or (
            _names_the_script(node))
        if not header:
            break
        end = node.end_lineno or end
    return end


def sheet_listing(code: str, name: str) -> str:
    """The lines of ``code`` a worksheet lists: its own definitions, then a pointer to ``name``."""
    lines = code.split("\n")
    if MARK not in lines:
        return code
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    mark = lines.index(MARK)
    dropped = {i for node in tree.body
               if (_empty(node) or _names_the_script(node)) and node.lineno <= mark
               for i in range(node.lineno - 1, node.end_lineno or node.lineno)}
    shown = [line for i, line in enumerate(lines[_title_end(tree):mark]) if
             i + _title_end(tree) not in dropped]
    shown = [line for k, line in enumerate(shown)  # at most two blank lines in a row
             if line.strip() or k < 2 or shown[k - 1].strip() or shown[k - 2].strip()]
    while shown and not shown[0].strip():
        shown.pop(0)
    while shown and not shown[-1].strip():
        shown.pop()
    rest = sum(1 for line in lines[mark + 1:] if line.strip())
    return "\n".join([*shown, "", f"# ... and the comparison ({rest} lines): see {name}"])
