"""Hostile values for every field of ``derive serve``'s JSON bodies and of its pages' forms,
drawn from the request schemas the server itself validates (``derive.web.schema``).

The strategies are looked up by each property's JSON type and by what its text means
(``x-means``), so a field added to a schema is attacked without touching this file. A value
of the wrong shape is a 400 naming the field; any other value gets exactly what the CLI
answers for the same text on its command line (``x-cli`` says where it goes): the same
JSON, or a 400 with the CLI's one line. Never a 500, never a traceback, nothing executed,
nothing written outside the server's cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from derive.web.schema import FORMS, REQUESTS, SPLIT
from tests.test_faults import wait_for
from tests.test_hostile_spec import NAMES, PAYLOADS
from tests.webserver import ROOT, Server, serve

DERIVE = str(ROOT / ".venv" / "bin" / "derive")
#: Where a payload that ran would leave its mark: outside every folder the server may write.
MARK = Path(tempfile.gettempdir()) / f"derive-web-pwned-{uuid.uuid4().hex}"
ATTACKS = [p.replace("PWNED", str(MARK)) for p in PAYLOADS]
MARKUP = ["<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>", "<b>x</b>&amp;&#0;",
          "# $ % & _ { } ~ ^ \\", "\\\\", "{", "}", "\\verb|x|", "\\catcode`\\@=11 \\makeatletter"]
HUGE = ["x" * 30_000, "(" * 3_000 + "x" + ")" * 3_000, "x" + "+x" * 9_000, "[" * 500 + "x"]
ODD = ["", "   ", "\x00", "x\x00y", "\ud800", "\ufeffx", "x\r\ny", "\u202ex\u202c", "x\x1b[31m",
       "\u0085x\u2028y", "x\t"]
#: What a field's text means -> texts a user could type there, right and wrong.
MEANS = {
    "name": [*NAMES, "α", "x2", "Sigma", "lambda", "x,y", "--json", "-x"],
    "expression": ["-log(x)", "9^9^9^9", "x" + "^x" * 200, "1/(1+1/(1+1/(1+x)))",
                   "sigmoid(" * 40 + "x" + ")" * 40, "x!!!", "x +* 2", "--help"],
    "shape": ["3", "3,4,5", "0,3", "x\\y,3", "99999999,1", "-1,2", "m, n", ",", "3,<b>", "=3,3"],
    "assumption": ["x\\y > 0", "x > 0; rm", "x > ", "<x> 0", "x > 0 and y < 1", "x > 1e999"],
    "derivation": ["d/dx x^2\r\n= 2*x\r\n", "\ufeffd/dx x^2\n= 2*x", "% shape W = <b>, 3\nW",
                   "% assume \\input{/etc/passwd}\nd/dx x\n= 1", "d/dx x^2\n" + "= 2*x\n" * 2000,
                   "d/dx x^2\n= \\frac{" * 300 + "\n", "\\begin{align*}\n\\end{document}\n"],
}
JSON_OF = {"string": "x", "array": ["x"], "object": {"x": "x"}, "number": 1.5, "integer": 7,
           "boolean": True, "null": None}
NESTED = [{"a": {"b": {"c": ["x"]}}}, [[[["x"]]]], json.loads("[" * 300 + "]" * 300)]
COMMANDS = {"/api/grad": "grad", "/api/check": "check", "/grad": "grad", "/check": "check"}


def text(means: str) -> st.SearchStrategy:
    return st.sampled_from(ATTACKS + MARKUP + HUGE + ODD + MEANS[means]) | st.text(max_size=30)


def wrong_type(prop: dict[str, Any]) -> st.SearchStrategy:
    return st.sampled_from([v for t, v in JSON_OF.items() if t != prop["type"]] + NESTED)


def _string(prop: dict[str, Any]) -> st.SearchStrategy:
    return text(prop["x-means"]) | wrong_type(prop)


def _array(prop: dict[str, Any]) -> st.SearchStrategy:
    return (st.lists(text(prop["x-means"]), max_size=4)
            | st.lists(wrong_type(prop["items"]), min_size=1, max_size=2) | wrong_type(prop))


def _object(prop: dict[str, Any]) -> st.SearchStrategy:
    return (st.dictionaries(text("name"), text(prop["x-means"]), max_size=3)
            | st.dictionaries(text("name"), wrong_type(prop["additionalProperties"]),
                              min_size=1, max_size=2) | wrong_type(prop))


#: JSON type of a property -> hostile values for it (dispatch by type).
STRATEGIES = {"string": _string, "array": _array, "object": _object}


def value(prop: dict[str, Any]) -> st.SearchStrategy:
    return STRATEGIES[prop["type"]](prop)


def form_value(prop: dict[str, Any]) -> st.SearchStrategy:
    """A form's text box: one text, or several typed as the field is split."""
    joined = {"words": " ", "lines": "\n"}.get(prop.get("x-split", ""), "")
    many = st.lists(text(prop["x-means"]), min_size=2, max_size=3).map(joined.join)
    return text(prop["x-means"]) | many if joined else text(prop["x-means"])


def fields(schemas: dict[str, dict]) -> list[tuple[str, str]]:
    return [(route, name) for route, schema in schemas.items() for name in schema["properties"]]


def expected_from_cli(route: str, values: dict[str, Any], schema: dict, tmp: Path
                      ) -> tuple[int, dict] | None:
    """What the CLI answers for the same values (``grad``/``check --json``), as the API's
    status and body (a file's name read as the field's); None when the command line cannot
    carry them (a lone surrogate)."""
    words, options = [], []
    for name, prop in schema["properties"].items():
        if name not in values:
            continue
        where, given = prop["x-cli"], values[name]
        if where == "FILE":
            path = tmp / "derivation.txt"
            path.write_bytes(given.encode("utf-8", "surrogatepass"))
            words.append(str(path))
        elif where == "EXPR":
            words.append(given)
        else:
            items = [f"{k}={v}" for k, v in given.items()] if isinstance(given, dict) else given
            options += [part for item in items for part in (where, item)]
    try:
        done = subprocess.run([DERIVE, COMMANDS[route], *options, "--json", "--", *words],
                              capture_output=True, text=True, timeout=600)
    except (UnicodeEncodeError, ValueError):
        return None
    answer = json.loads(done.stdout)
    if set(answer) != {"error"}:
        return 200, answer  # a verdict, whatever the exit code says of it
    assert done.returncode == 2, done
    return 400, {"error": answer["error"].replace(str(tmp / "derivation.txt"), "text")}


def shape_errors(schema: dict, values: dict[str, Any]) -> bool:
    from jsonschema import Draft202012Validator

    return any(Draft202012Validator(schema).iter_errors(values))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile-web")


@pytest.fixture(scope="module")
def server(sandbox: Path) -> Server:
    """A server started in an empty folder, with its own temporary folder and home."""
    for folder in ("work", "tmp", "home"):
        (sandbox / folder).mkdir()
    env = {"TMPDIR": str(sandbox / "tmp"), "HOME": str(sandbox / "home"),
           "DERIVE_CACHE": str(sandbox / "cache")}
    with serve(sandbox, cwd=sandbox / "work", env=env, cache=sandbox / "web-cache") as running:
        yield running


def untouched(sandbox: Path) -> None:
    assert not MARK.exists(), "a payload ran"
    assert list((sandbox / "work").iterdir()) == []
    assert list((sandbox / "home").iterdir()) == []


def well_formed(status: int, raw: bytes) -> str:
    page = raw.decode("utf-8")
    assert status in (200, 400, 503), (status, page[:300])
    assert "Traceback" not in page and "internal error" not in page
    return page


def test_every_route_that_takes_a_body_has_a_schema():
    from derive.web.app import Settings, create_app

    posted = {route.path for route in create_app(Settings()).routes
              if "POST" in (getattr(route, "methods", None) or ())}
    assert posted == set(REQUESTS) | set(FORMS)
    assert set(COMMANDS) <= posted


def tiers(check, over: list[tuple[str, str]], quick: int, long: int) -> tuple[Any, Any]:
    """The check as two tests: a few draws in every run, many in the ``slow`` tier."""
    ids = [f"{route}:{name}" for route, name in over]

    def tier(examples: int) -> Any:
        drawn = settings(max_examples=examples, deadline=None,
                         suppress_health_check=list(HealthCheck))(given(data=st.data())(check))
        return pytest.mark.parametrize("route,name", over, ids=ids)(drawn)

    return tier(quick), pytest.mark.slow(tier(long))


def a_hostile_field_gets_the_cli_answer_or_a_400_naming_it(server, sandbox, tmp_path,
                                                           route, name, data):
    schema = REQUESTS[route]
    body = {**schema["examples"][0], name: data.draw(value(schema["properties"][name]))}
    status, _, raw = server.request(route, json.dumps(body).encode(), method="POST",
                                    headers={"Content-Type": "application/json"})
    answer = json.loads(well_formed(status, raw))
    untouched(sandbox)
    if status == 503:
        assert set(answer) == {"error"} and "budget" in answer["error"]
        return
    if shape_errors(schema, body):
        assert status == 400 and answer["error"].startswith(f"field '{name}' "), answer
        return
    if route not in COMMANDS:  # the preview has no command of its own: only well-formed
        assert status == 200 or set(answer) == {"error"} and "\n" not in answer["error"]
        return
    expected = expected_from_cli(route, body, schema, tmp_path)
    if expected is not None and "budget" not in expected[1].get("error", ""):
        assert (status, answer) == expected


def a_hostile_form_field_gets_the_cli_answer_on_the_page(server, sandbox, tmp_path,
                                                         route, name, data):
    schema = FORMS[route]
    form = {**schema["examples"][0], name: data.draw(form_value(schema["properties"][name]))}
    encoded = urllib.parse.urlencode(form, encoding="utf-8", errors="surrogatepass").encode()
    status, headers, raw = server.request(
        route, encoded, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    page = well_formed(status, raw)
    untouched(sandbox)
    if status == 503 or headers["content-type"].startswith("application/json"):
        return  # over the budget, or a form the server could not read: well-formed is all
    # What the server read: percent-encoded UTF-8, an invalid byte as U+FFFD (as WHATWG says)
    form = {k: urllib.parse.unquote_plus(urllib.parse.quote_plus(v, errors="surrogatepass"))
            for k, v in form.items()}
    if shape_errors(schema, form):
        assert status == 400 and str(escape(f"field '{name}' ")) in page
        return
    values = {n: SPLIT[p["x-split"]](form[n]) if "x-split" in p else form[n]
              for n, p in schema["properties"].items()}
    expected = expected_from_cli(route, values, schema, tmp_path)
    if expected is None or "budget" in expected[1].get("error", ""):
        return
    assert status == expected[0], (status, expected)
    if status == 400:
        assert str(escape(expected[1]["error"])) in page


test_a_hostile_field_gets_the_cli_answer_or_a_400_naming_it, test_many_hostile_fields = tiers(
    a_hostile_field_gets_the_cli_answer_or_a_400_naming_it, fields(REQUESTS), 6, 14)
test_a_hostile_form_field_gets_the_cli_answer_on_the_page, test_many_hostile_form_fields = \
    tiers(a_hostile_form_field_gets_the_cli_answer_on_the_page, fields(FORMS), 4, 9)


@pytest.mark.parametrize("data", [b"d/dx x^2\x00\n= 2*x\n", "d/dx x^2\n= 2*x\n".encode("cp1252"),
                                  "d/dé é^2\n= 2*é\n".encode("latin-1"),
                                  b"\xef\xbb\xbfd/dx x^2\r\n= 2*x\r\n", b"\xff\xfe\x00d",
                                  "d/dx x^2\r\n= 2*x\r\n".encode("utf-16"), b"d/dx x^2\r= 2*x\r"])
def test_an_uploaded_file_in_any_encoding_gets_an_answer(server, sandbox, tmp_path, data):
    boundary = "derive-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"hw.tex\"\r\nContent-Type: text/plain\r\n\r\n").encode() + data + \
        f"\r\n--{boundary}--\r\n".encode()
    status, _, raw = server.request("/check", body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    well_formed(status, raw)
    untouched(sandbox)
    path = tmp_path / "hw.tex"
    path.write_bytes(data)
    done = subprocess.run([DERIVE, "check", str(path)], capture_output=True, text=True,
                          timeout=600)
    assert (status == 400) == (done.returncode == 2), (status, done.stderr)


def test_nothing_was_left_outside_the_cache(server, sandbox):
    """Last in this file (xdist hands out whole files): every temporary folder removed."""
    untouched(sandbox)

    def ours() -> list[str]:  # multiprocessing's own folder lives as long as the pool
        return [name for name in os.listdir(sandbox / "tmp") if not name.startswith("pymp-")]

    assert wait_for(lambda: not ours(), 30), ours()
