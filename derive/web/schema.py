"""The JSON API's request bodies as JSON Schemas, and the one reader that checks a body.

The schemas say only what JSON a field holds (validated by jsonschema); what its
text means (a name, an expression, an assumption) is checked behind them by the
same API the CLI calls, so those errors are the CLI's own lines. Each property
names the CLI option or argument it stands for (``x-cli``).
"""

from __future__ import annotations

import json
from typing import Any

from derive.errors import InputError

#: A string the API reads: a NUL or a lone surrogate (JSON's "\\ud800") is refused, as no file
#: or command line holds one.
_STRING = {"type": "string", "pattern": "^[^\\x00\\ud800-\\udfff]*$"}
_STRINGS = {"type": "array", "items": _STRING}

CHECK: dict[str, Any] = {
    "type": "object",
    "properties": {"text": {**_STRING, "x-cli": "FILE", "x-means": "derivation"}},
    "required": ["text"],
    "additionalProperties": False,
    "examples": [{"text": "d/dx x^2\n= 2*x\n"}],
}

GRAD: dict[str, Any] = {
    "type": "object",
    "properties": {
        "expr": {**_STRING, "x-cli": "EXPR", "x-means": "expression"},
        "wrt": {**_STRINGS, "minItems": 1, "x-cli": "--wrt", "x-means": "name",
                "x-too-few": "must name at least one variable"},
        "shapes": {"type": "object", "additionalProperties": _STRING,
                   "propertyNames": _STRING,
                   "x-cli": "--shape", "x-means": "shape"},
        "assume": {**_STRINGS, "x-cli": "--assume", "x-means": "assumption"},
    },
    "required": ["expr", "wrt"],
    "additionalProperties": False,
    "examples": [{"expr": "sigmoid(w*x + b)^2", "wrt": ["w", "b"]},
                 {"expr": "tr(X.T*B*X)", "wrt": ["X"], "shapes": {"X": "m,n", "B": "m,m"},
                  "assume": []}],
}

#: Each route of the JSON API that takes a body, and that body's schema.
REQUESTS: dict[str, dict[str, Any]] = {"/api/check": CHECK, "/api/grad": GRAD,
                                       "/api/preview": CHECK}


def _form(schema: dict[str, Any], split: dict[str, str], example: dict[str, str]
          ) -> dict[str, Any]:
    """A page's form for a request: each field one text box (``x-split`` says how a list is
    typed into it: ``words`` at spaces or commas, ``lines`` one a line); other fields ignored."""
    fields = {name: {**_STRING, **{k: v for k, v in prop.items() if k.startswith("x-")},
                     **({"x-split": split[name]} if name in split else {})}
              for name, prop in schema["properties"].items()}
    return {"type": "object", "properties": fields, "examples": [example]}


CHECK_FORM = _form(CHECK, {}, {"text": "d/dx sigmoid(x^2)\n"
                               "= sigmoid(x^2)*(1 - sigmoid(x^2))*2*x   # chain rule\n"})
GRAD_FORM = _form(GRAD, {"wrt": "words", "shapes": "lines", "assume": "lines"},
                  {"expr": "(sigmoid(w*x + b) - y)^2", "wrt": "w b", "shapes": "", "assume": ""})
#: Each page's form that posts back, and its schema.
FORMS: dict[str, dict[str, Any]] = {"/check": CHECK_FORM, "/grad": GRAD_FORM}
SPLIT = {"words": lambda text: text.replace(",", " ").split(),
          "lines": lambda text: [line.strip() for line in text.splitlines() if line.strip()]}


def read_form(form: dict[str, str], schema: dict[str, Any]) -> dict[str, Any]:
    """A posted form's fields (a missing one empty), checked as a body is; a ``x-split``
    field as its list."""
    values = {name: form.get(name, "") for name in schema["properties"]}
    checked_body(values, schema)
    return {name: SPLIT[prop["x-split"]](values[name]) if "x-split" in prop else values[name]
            for name, prop in schema["properties"].items()}

_WORDS = {"string": "a string", "array": "a list of strings", "object": "an object of strings"}


def read_body(raw: bytes, schema: dict[str, Any]) -> dict[str, Any]:
    """A request's body: UTF-8 JSON of the schema's shape; else an InputError naming the field."""
    return checked_body(_json(raw), schema)


def checked_body(body: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """The body itself when it has the schema's shape; else an InputError naming the field."""
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=lambda e: _order(e, schema))
    if errors:
        raise InputError(_message(errors[0], body, schema))
    return body


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("the body is not UTF-8") from None
    except RecursionError:
        raise InputError("the body is nested too deeply") from None
    except ValueError as exc:
        raise InputError(f"the body is not JSON: {exc}") from None


_FIRST = ("type", "additionalProperties", "required")  # an unknown field explains a missing one


def _order(error: Any, schema: dict[str, Any]) -> tuple[int, int]:
    """The error to report: the body's own before its fields', fields in the schema's order."""
    path = list(error.absolute_path)
    if not path:
        return 0, _FIRST.index(error.validator) if error.validator in _FIRST else len(_FIRST)
    return 1, list(schema["properties"]).index(path[0])


def _message(error: Any, body: Any, schema: dict[str, Any]) -> str:
    """The one line for a validation error, naming the field as the API's contract does."""
    from derive.catalogue.fields import suggestion

    path = list(error.absolute_path)
    if not path:
        if error.validator == "type":
            return "the body must be a JSON object"
        if error.validator == "required":
            missing = next(n for n in schema["required"] if n not in body)
            return f"field '{missing}' is missing"
        unknown = next(k for k in body if k not in schema["properties"])
        shown = unknown.encode("unicode_escape").decode("ascii")[:40]
        return f"unknown field '{shown}'{suggestion(unknown, schema['properties'])}"
    name = path[0]
    field = schema["properties"][name]
    if error.validator == "minItems":
        return f"field '{name}' {field['x-too-few']}"
    if error.validator == "pattern":
        odd = "a NUL character" if "\x00" in error.instance else "a lone surrogate"
        return f"field '{name}' holds {odd}"
    return f"field '{name}' must be {_WORDS[field['type']]}"
