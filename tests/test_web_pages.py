"""The server's pages without a browser: forms that post back, uploads, errors as pages."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest

from tests.test_html_sheets import strict_parse
from tests.webserver import Server, serve

HOMEWORK = "d/dx x^3\n= 3*x^2\n= 3*x^3\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    with serve(tmp_path_factory.mktemp("pages"), workers=1) as running:
        yield running


def statuses(page: bytes) -> list[str]:
    return re.findall(r'data-status="(\w+)"', page.decode("utf-8"))


def post_form(server: Server, path: str, fields: dict[str, str]) -> tuple[int, bytes]:
    body = urllib.parse.urlencode(fields).encode()
    status, _, page = server.request(path, body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    return status, page


@pytest.mark.parametrize("path", ["/", "/sheets/", "/sheets/index.html", "/check", "/grad",
                                  "/sheets/softplus.html"])
def test_pages_are_valid_html(server: Server, path: str) -> None:
    status, headers, page = server.request(path)
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    strict_parse(page.decode("utf-8"))


def test_catalogue_links_every_entry(server: Server) -> None:
    _, _, page = server.request("/sheets/")
    _, _, entries = server.request("/api/entries")
    links = re.findall(r'href="([\w-]+)\.html"', page.decode())
    assert sorted(links) == sorted(e["id"] for e in json.loads(entries)["entries"])


def test_check_form_posts_back(server: Server) -> None:
    status, page = post_form(server, "/check", {"text": HOMEWORK})
    assert status == 200 and statuses(page) == ["start", "ok", "wrong"]
    strict_parse(page.decode())
    assert "first error at line 3" in page.decode()


def test_check_upload(server: Server) -> None:
    boundary = "----derive"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"hw.tex\"\r\n"
            f"Content-Type: text/plain\r\n\r\n{HOMEWORK}\r\n--{boundary}--\r\n").encode()
    status, _, page = server.request("/check", body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 200 and statuses(page) == ["start", "ok", "wrong"]


def test_check_page_shows_a_bad_first_line(server: Server) -> None:
    status, page = post_form(server, "/check", {"text": "d/dx +* x\n= 1"})
    assert status == 400
    assert re.search(r'id="error">line 1, column \d+: ', page.decode())
    assert "d/dx +* x" in page.decode()  # the text is kept in the form


def test_student_text_is_escaped_on_the_page(server: Server) -> None:
    status, page = post_form(server, "/check", {
        "text": "d/dx x^2  # <script>alert(1)</script>\n= 2*x  # </td><img src=x>\n"})
    assert status == 200 and b"<script>alert" not in page and b"<img" not in page
    strict_parse(page.decode())


def test_grad_form(server: Server) -> None:
    status, page = post_form(server, "/grad", {"expr": "log(det(X))", "wrt": "X",
                                               "shapes": "X=n,n", "assume": ""})
    assert status == 200, page[-400:]
    assert "Numeric check (central finite differences): passed." in page.decode()
    status, page = post_form(server, "/grad", {"expr": "x^2", "wrt": "y"})
    assert status == 400 and b"does not occur" in page


def test_unknown_sheet_is_a_404_page(server: Server) -> None:
    status, _, page = server.request("/sheets/no-such-entry.html")
    assert status == 404 and b"unknown entry" in page
