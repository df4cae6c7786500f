"""The JSON API of a real ``derive serve``: the CLI's bodies, its errors, limits and CORS."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.webserver import ROOT, Server, serve

DERIVE = str(ROOT / ".venv" / "bin" / "derive")
WRONG = "d/dx sigmoid(x^2)\n= sigmoid(x^2)*(1 - sigmoid(x^2))   # chain rule\n"
DERIVATIONS = {
    "right": "d/dx x^3*sin(x)\n= 3*x^2*sin(x) + x^3*cos(x)\n",
    "wrong-with-hint": WRONG,
    "latex": r"\frac{d}{dx} \sigma(x^2)" + "\n"
             + r"= 2x\,\sigma(x^2)\left(1 - \sigma(x^2)\right)" + "\n",
    "unparsed-line": "d/dx x^2\n= x +* 2\n= 2*x\n",
    "domain": "% assume x > 0\nd/dx log(x^2)\n= 2/x\n",
    "matrix": "% shape X = 3, 3\n% shape B = 3, 3\ntr(X.T*B*X)\n= tr(B*X*X.T)\n= tr(X*B*X.T)\n",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    with serve(tmp_path_factory.mktemp("api")) as running:
        yield running


def cli_json(*args: str, stdin: str | None = None) -> tuple[int, dict]:
    done = subprocess.run([DERIVE, *args], capture_output=True, text=True, input=stdin,
                          timeout=600)
    return done.returncode, json.loads(done.stdout)


def cli_error(*args: str) -> str:
    done = subprocess.run([DERIVE, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr
    return done.stderr.strip().removeprefix("derive: error: ")


def test_entries_is_list_json(server: Server) -> None:
    status, headers, body = server.request("/api/entries")
    assert status == 200
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(body.decode("utf-8")) == cli_json("list", "--json")[1]


@pytest.mark.parametrize("name", DERIVATIONS)
def test_check_is_check_json(server: Server, name: str, tmp_path) -> None:
    path = tmp_path / f"{name}.tex"
    path.write_text(DERIVATIONS[name])
    code, expected = cli_json("check", str(path), "--json")
    status, body = server.post_json("/api/check", {"text": DERIVATIONS[name]})
    assert status == 200  # a wrong line is still an answer
    assert body == expected
    assert (code == 0) == (body["first_error"] is None and
                           all(s["status"] == "ok" for s in body["steps"]))


def test_check_wrong_line_has_hint_and_counterexample(server: Server) -> None:
    status, body = server.post_json("/api/check", {"text": WRONG})
    assert status == 200 and body["first_error"] == 2
    step = body["steps"][0]
    assert step["status"] == "wrong" and step["counterexample"]["point"] == {"x": 1.5}
    assert step["hint"].startswith("missing inner derivative")


@pytest.mark.parametrize("request_body, cli_args", [
    ({"expr": "sigmoid(w*x + b)^2", "wrt": ["w", "b"]},
     ["grad", "sigmoid(w*x + b)^2", "--wrt", "w", "--wrt", "b", "--json"]),
    ({"expr": "tr(X.T*B*X)", "wrt": ["X"], "shapes": {"X": "m,n", "B": "m,m"}},
     ["grad", "tr(X.T*B*X)", "--wrt", "X", "--shape", "X=m,n", "--shape", "B=m,m", "--json"]),
    ({"expr": "y*(-log(x))", "wrt": ["x"], "assume": ["x > 0"]},
     ["grad", "y*(-log(x))", "--wrt", "x", "--assume", "x > 0", "--json"]),
], ids=["scalar", "matrix", "assume"])
def test_grad_is_grad_json(server: Server, request_body: dict, cli_args: list[str]) -> None:
    code, expected = cli_json(*cli_args)
    status, body = server.post_json("/api/grad", request_body)
    assert status == 200 and code == 0
    assert body == expected
    assert body["check"] == {"script": None, "passed": True}


@pytest.mark.parametrize("path, body, cli_args", [
    ("/api/grad", {"expr": "x +* 2", "wrt": ["x"]}, ["grad", "x +* 2", "--wrt", "x"]),
    ("/api/grad", {"expr": "x^2", "wrt": ["y"]}, ["grad", "x^2", "--wrt", "y"]),
    ("/api/grad", {"expr": r"a\input{/etc/passwd}", "wrt": ["a"]},
     ["grad", r"a\input{/etc/passwd}", "--wrt", "a"]),
    ("/api/grad", {"expr": "(" * 200 + "x" + ")" * 200, "wrt": ["x"]},
     ["grad", "(" * 200 + "x" + ")" * 200, "--wrt", "x"]),
])
def test_bad_input_is_400_with_the_cli_message(server: Server, path: str, body: dict,
                                               cli_args: list[str]) -> None:
    status, answer = server.post_json(path, body)
    assert status == 400
    assert answer == {"error": cli_error(*cli_args)}


def test_check_first_line_error_is_the_cli_message(server: Server, tmp_path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("d/dx +* x\n= 1\n")
    status, answer = server.post_json("/api/check", {"text": "d/dx +* x\n= 1\n"})
    assert status == 400
    assert answer == {"error": cli_error("check", str(path))}


@pytest.mark.parametrize("raw, message", [
    (b"not json", "the body is not JSON"),
    (b"\xff\xfe{}", "the body is not UTF-8"),
    (b"[1, 2]", "the body must be a JSON object"),
    (b"{}", "field 'text' is missing"),
    (b'{"text": 5}', "field 'text' must be a string"),
    (b'{"text": "   "}', "no derivation found: the first line should be where it starts"),
    (b'{"text": null}', "field 'text' must be a string"),
    (b'{"text": "d/dx x\\u0000"}', "field 'text' holds a NUL character"),
    (b'{"txt": "d/dx x"}', "unknown field 'txt' (did you mean 'text'?)"),
    (b'{"text": "' + b"x" * 70_000 + b'"}', "text: the file is larger than 64 kB"),
    (b"[" * 40_000 + b"]" * 40_000, "the body is nested too deeply"),
])
def test_malformed_check_bodies(server: Server, raw: bytes, message: str) -> None:
    status, headers, body = server.request("/api/check", raw, method="POST")
    assert status == 400 and headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"].startswith(message)


@pytest.mark.parametrize("body, message", [
    ({"expr": "x", "wrt": "x"}, "field 'wrt' must be a list of strings"),
    ({"expr": "x", "wrt": [1]}, "field 'wrt' must be a list of strings"),
    ({"expr": "x", "wrt": []}, "field 'wrt' must name at least one variable"),
    ({"expr": "x", "wrt": ["x"], "shapes": {"X": "3"}},
     "--shape X=3: expected 'ROWS,COLS' (each a number or a name), got '3'"),
    ({"expr": "x", "wrt": ["x"], "shape": {"X": "3,3"}},
     "unknown field 'shape' (did you mean 'shapes'?)"),
    ({"expr": "x", "wrt": ["x"], "assume": "x > 0"}, "field 'assume' must be a list of strings"),
    ({"expr": True, "wrt": ["x"]}, "field 'expr' must be a string"),
])
def test_malformed_grad_bodies(server: Server, body: dict, message: str) -> None:
    assert server.post_json("/api/grad", body) == (400, {"error": message})


def test_body_over_the_limit_is_413(server: Server) -> None:
    status, _, body = server.request("/api/check", b"x" * 200_000, method="POST")
    assert status == 413 and "larger than" in json.loads(body)["error"]


def test_streamed_body_over_the_limit_is_413(server: Server) -> None:
    """A chunked body has no Content-Length: it is counted as it arrives."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(b"POST /api/check HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: application/json\r\n\r\n")
        chunk = b"a" * 50_000
        for _ in range(3):
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
        answer = b""
        while b'"}' not in answer and (piece := sock.recv(65536)):
            answer += piece
        answer = answer.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert '"error"' in answer


def test_unicode_in_and_out(server: Server) -> None:
    text = "\\frac{d}{d\\theta} \\theta^2\n= 2\\theta   # ∂/∂θ, as in the notes\n"
    status, body = server.post_json("/api/check", {"text": text})
    assert status == 200 and body["steps"][0]["status"] == "ok"


def test_unknown_route_is_json_404(server: Server) -> None:
    status, headers, body = server.request("/api/nothing")
    assert status == 404 and json.loads(body) == {"error": "Not Found"}
    status, _, body = server.request("/api/check")  # GET on a POST route
    assert status == 405 and "error" in json.loads(body)


def test_listens_on_loopback_only_by_default(server: Server) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                address, hex_port = local.split(":")
                if int(hex_port, 16) == port and state == "0A":  # LISTEN
                    listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
FIELDS = st.fixed_dictionaries({}, optional={
    "text": st.text(max_size=200) | JSON_VALUES, "expr": st.text(max_size=60) | JSON_VALUES,
    "wrt": st.lists(st.text(max_size=6), max_size=3) | JSON_VALUES,
    "shapes": st.dictionaries(st.text(max_size=4), st.text(max_size=8), max_size=2) | JSON_VALUES,
    "assume": st.lists(st.text(max_size=12), max_size=2) | JSON_VALUES})


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(["/api/check", "/api/grad", "/api/preview"]),
       body=FIELDS | JSON_VALUES)
def test_any_body_gets_an_answer_never_a_traceback(server: Server, path: str, body) -> None:
    status, headers, raw = server.request(path, json.dumps(body).encode(), method="POST")
    answer = json.loads(raw.decode("utf-8"))
    assert status in (200, 400, 503), (status, answer)
    assert "Traceback" not in raw.decode("utf-8")
    if status != 200:
        assert set(answer) == {"error"} and "\n" not in answer["error"]
        assert "internal error" not in answer["error"]


def local_outcome(text: str) -> tuple[int, dict]:
    """What the API must answer for a text, computed in this process."""
    from derive.errors import DeriveError
    from derive.grade import check_text

    try:
        return 200, check_text(text).json()
    except DeriveError as exc:
        return 400, {"error": str(exc)}


def _drawn_derivations():
    from tests.test_check_hostile import derivation as token_soup
    from tests.test_grade import CORRECT, MISTAKES

    written = [*CORRECT.values(), *(m[0] for m in MISTAKES.values())]
    return st.sampled_from(written) | token_soup


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=_drawn_derivations())
def test_drawn_derivations_get_the_in_process_verdict(server: Server, text: str) -> None:
    """Students' derivations (right, with a known mistake, or token soup): the same answer
    from the server as from ``check_text``, or the same one-line refusal."""
    assert server.post_json("/api/check", {"text": text}) == local_outcome(text)


def test_over_budget_is_503(tmp_path) -> None:
    with serve(tmp_path, "--budget", "1", workers=1) as small:
        # a product of 60 linear factors: far more than one CPU second of work
        expensive = " * ".join(f"(x + {j})" for j in range(1, 61))
        status, body = small.post_json("/api/grad", {"expr": expensive, "wrt": ["x"]})
        assert status == 503 and "budget" in body["error"]
        # the worker is still there for the next request
        assert small.post_json("/api/check", {"text": "d/dx x^2\n= 2*x"})[0] == 200


def test_cors_only_for_the_allowed_origin(server: Server, tmp_path) -> None:
    preflight = {"Origin": "http://app.test", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    _, headers, _ = server.request("/api/check", method="OPTIONS", headers=preflight)
    assert "access-control-allow-origin" not in {k.lower() for k in headers}
    with serve(tmp_path, "--allow-origin", "http://app.test", workers=1) as open_server:
        status, headers, _ = open_server.request("/api/check", method="OPTIONS",
                                                 headers=preflight)
        assert status == 200
        assert {k.lower(): v for k, v in headers.items()}["access-control-allow-origin"] == \
            "http://app.test"
        status, headers, _ = open_server.request(
            "/api/check", method="OPTIONS", headers={**preflight, "Origin": "http://evil.test"})
        assert "access-control-allow-origin" not in {k.lower() for k in headers}


def test_two_servers_share_only_the_disk_cache(tmp_path) -> None:
    """A worksheet built by one server is served by another from the cache, not rebuilt."""
    cache = tmp_path / "shared"
    with serve(tmp_path, workers=1, cache=cache) as first:
        status, _, page = first.request("/sheets/sigmoid.html")
        assert status == 200
    built = cache / "sigmoid.html"
    stamp = built.stat().st_mtime_ns
    with serve(tmp_path, workers=1, cache=cache) as second:
        status, _, again = second.request("/sheets/sigmoid.html")
        assert status == 200 and again == page
        assert second.post_json("/api/check", {"text": WRONG})[1]["first_error"] == 2
    assert built.stat().st_mtime_ns == stamp


def test_a_taken_port_is_a_one_line_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([DERIVE, "serve", "--port", str(port), "--workers", "1"],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == \
        f"derive: error: --host 127.0.0.1 --port {port}: Address already in use"


def _workers_of(server: Server) -> list[int]:
    """The pool's worker processes: children of the fork server, in the server's session."""
    from pathlib import Path

    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(stat.parent.name)] = (int(fields[1]), int(fields[3]))  # ppid, pgrp
    session = [pid for pid, (_, group) in table.items() if group == server.process.pid]
    forkservers = [pid for pid in session if table[pid][0] == server.process.pid]
    return [pid for pid in session if table[pid][0] in forkservers]


def test_a_killed_worker_is_replaced(tmp_path) -> None:
    import os
    import signal

    with serve(tmp_path, workers=1) as server:
        (worker,) = _workers_of(server)
        os.kill(worker, signal.SIGKILL)
        answers = [server.post_json("/api/check", {"text": "d/dx x^2\n= 2*x"}) for _ in range(3)]
        assert all(status in (200, 503) for status, _ in answers)
        assert answers[-1][0] == 200
        assert answers[-1][1]["steps"][0]["status"] == "ok"
