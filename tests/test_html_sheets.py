"""HTML worksheets: the PDF's content, all maths as MathML, valid HTML, an index by topic."""

from __future__ import annotations

import html
import re
from pathlib import Path

import html5lib
import pytest

from derive import catalogue, pipeline
from derive.cli import main
from tests.derived import derived

#: one entry of every kind, and every kind of plot
ENTRIES = ["sigmoid", "bce-logits", "mc-logdet", "attention", "mle-exponential",
           "mle-mvn-covariance", "bayes-beta-bernoulli", "integral-by-parts", "determinant-2x2",
           "kl-gaussian", "gd-quadratic", "gaussian-moments", "variance-of-a-sum",
           "sample-mean-unbiased", "t-interval", "vanishing-tanh"]


M = "{http://www.w3.org/1998/Math/MathML}"
SVG = "{http://www.w3.org/2000/svg}"


def strict_parse(page: str) -> html5lib.html5parser.etree.Element:
    """html5lib in strict mode: any parse error raises."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)


def visible_text(page: str) -> str:
    """The page's text outside <math>, <pre>, <code>, <style> and <svg>."""
    stripped = re.sub(r"<(math|pre|code|style|svg|title)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", stripped))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    outcomes = pipeline.build_all([catalogue.get(i) for i in ENTRIES], out, to="html", jobs=2)
    assert all(o.ok for o in outcomes), [o.error or o.check_line for o in outcomes if not o.ok]
    return out


@pytest.mark.parametrize("entry_id", ENTRIES)
def test_sheet_is_valid_html_with_mathml(built: Path, entry_id: str) -> None:
    page = (built / f"{entry_id}.html").read_text(encoding="utf-8")
    tree = strict_parse(page)
    assert tree.find(".//main") is not None and tree.get("lang") == "en"
    assert "<script" not in page  # a worksheet needs no JavaScript
    text = visible_text(page)
    assert not re.search(r"\\[A-Za-z]+|\$", text), re.findall(r".{20}(?:\\[A-Za-z]+|\$).{20}", text)


@pytest.mark.parametrize("entry_id", ENTRIES)
def test_sheet_has_the_content_of_the_pdf(built: Path, entry_id: str) -> None:
    derivation = derived(entry_id)
    page = (built / f"{entry_id}.html").read_text(encoding="utf-8")
    tree = strict_parse(page)
    rows = tree.findall(".//table[@class='steps']/tbody/tr")
    assert len(rows) == len(derivation.steps) + len(derivation.sections)
    proved = [r.findall("td")[2].text or "" for r in rows]
    assert sum("\u2713" in p for p in proved) == len(derivation.steps)
    assert all(r.find(f"td/{M}math") is not None for r in rows)  # each step's maths is MathML
    box = tree.find(".//div[@class='result scroll']")
    assert len(box.findall(f"{M}math")) == len(derivation.results)
    heading = tree.find(".//main/h1")  # the words as typed, the backticked maths as MathML
    spec = catalogue.get(entry_id)
    assert heading.text == spec.title.split("`")[0]
    assert (heading.find(f"{M}math") is not None) == ("`" in spec.title)
    script = (built / f"check_{entry_id}.py").read_text()
    assert tree.find(".//pre/code").text == script  # the check script, as a listing
    for note in derivation.notes:
        assert tree.find(".//h2[.='Notes']") is not None, note
    if derivation.assumptions.sentences:  # "Assumptions. lambda > 0" is maths, as in the PDF
        stated = next(p for p in tree.iter("p") if (p.findtext("strong") or "") == "Assumptions.")
        assert len(stated.findall(f"{M}math")) == len(derivation.assumptions.sentences)
    if derivation.plot:
        assert tree.find(f".//figure/{SVG}svg/{SVG}polyline") is not None
        assert tree.find(f".//figure/{SVG}svg/{SVG}title") is not None


def test_index_lists_the_built_sheets_by_topic(built: Path) -> None:
    tree = strict_parse((built / "index.html").read_text(encoding="utf-8"))
    links = [a.get("href") for a in tree.findall(".//main//li/a")]
    assert sorted(links) == sorted(f"{i}.html" for i in ENTRIES)
    assert all((built / link).exists() for link in links)
    topics = [h.text for h in tree.findall(".//main/h2")]
    assert topics == list(dict.fromkeys(catalogue.get(i).topic for i in ENTRIES))


def test_check_script_is_the_same_as_for_the_pdf(built: Path, tmp_path: Path) -> None:
    pipeline.build(catalogue.get("bce-logits"), tmp_path, to="tex")
    assert (tmp_path / "check_bce-logits.py").read_text() == \
        (built / "check_bce-logits.py").read_text()


def test_unchanged_html_rebuild_is_cached(built: Path) -> None:
    outcome = pipeline.build_all([catalogue.get("sigmoid")], built, to="html")[0]
    assert outcome.cached and outcome.html == built / "sigmoid.html"


@pytest.mark.parametrize("args, page", [
    (["grad", "sigmoid(w*x + b)^2", "--wrt", "w", "--to", "html"], "expr.html"),
    (["mle", "lam*exp(-lam*x)", "--param", "lam", "--to", "html"], "density.html"),
])
def test_grad_and_mle_write_html(runner, tmp_path: Path, args: list[str], page: str) -> None:
    result = runner.invoke(main, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    tree = strict_parse((tmp_path / page).read_text(encoding="utf-8"))
    assert tree.find(f".//{M}math") is not None
    assert not (tmp_path / page.replace(".html", ".pdf")).exists()


def test_check_writes_html_feedback(runner, tmp_path: Path) -> None:
    source = tmp_path / "hw.tex"
    source.write_text("d/dx sigmoid(x^2)\n= sigmoid(x^2)*(1 - sigmoid(x^2))\n= x +* 2\n")
    result = runner.invoke(main, ["check", str(source), "--out", str(tmp_path), "--to", "html"])
    assert result.exit_code == 1
    tree = strict_parse((tmp_path / "hw-feedback.html").read_text(encoding="utf-8"))
    statuses = [tr.get("data-status") for tr in tree.findall(".//tbody/tr")]
    assert statuses == ["start", "wrong", "unparsed"]
    assert "Missing inner derivative" in "".join(tree.itertext())


def test_hostile_spec_text_is_escaped(tmp_path: Path, runner) -> None:
    spec = tmp_path / "mine.toml"
    spec.write_text('[[entry]]\nid = "mine"\ntitle = "<script>alert(1)</script> & more"\n'
                    'topic = "<b>topic</b>"\nkind = "gradient"\nexpr = "x^2"\nwrt = ["x"]\n'
                    'notes = ["see `x^2` and </li><img src=x onerror=alert(1)>"]\n')
    result = runner.invoke(main, ["build", "--spec", str(spec), "--to", "html", "--out",
                                  str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "mine.html").read_text(encoding="utf-8")
    strict_parse(page)
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


@pytest.mark.slow
def test_whole_catalogue_to_html(tmp_path: Path) -> None:
    """Every entry's page converts all its maths and parses strictly."""
    specs = list(catalogue.entries())
    outcomes = pipeline.build_all(specs, tmp_path, to="html", jobs=2)
    assert all(o.ok for o in outcomes), [(o.id, o.error) for o in outcomes if not o.ok]
    for spec in specs:
        page = (tmp_path / f"{spec.id}.html").read_text(encoding="utf-8")
        strict_parse(page)
        assert not re.search(r"\\[A-Za-z]+|\$", visible_text(page)), spec.id


def test_same_entry_same_bytes(built: Path, tmp_path: Path) -> None:
    for entry_id in ("gd-quadratic", "attention"):
        pipeline.build(catalogue.get(entry_id), tmp_path, to="html", use_cache=False)
        assert (tmp_path / f"{entry_id}.html").read_bytes() == \
            (built / f"{entry_id}.html").read_bytes()
