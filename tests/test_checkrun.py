"""Check scripts run as __main__ in a forked child: same verdict as `python check.py`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from derive import catalogue, pipeline
from derive.checkrun import run_check
from derive.kinds import check_script


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "check_t.py"
    path.write_text(body, encoding="utf-8")
    return path


def test_exit_code_and_last_line_are_the_verdict(tmp_path):
    good = run_check(_script(tmp_path, "print('step')\nprint('OK agrees')\n"))
    assert good.passed and good.line == "OK agrees"
    bad = run_check(_script(tmp_path, "import sys\nprint('FAIL off by 2')\nsys.exit(1)\n"))
    assert not bad.passed and bad.line == "FAIL off by 2"


def test_an_exception_or_exit_message_fails_with_its_text(tmp_path):
    crashed = run_check(_script(tmp_path, "raise ValueError('no data')\n"))
    assert not crashed.passed and crashed.line == "ValueError: no data"
    message = run_check(_script(tmp_path, "import sys\nsys.exit('mismatch')\n"))
    assert not message.passed and message.line == "mismatch"


def test_the_callers_warning_filters_do_not_apply(tmp_path):
    # pytest runs with filterwarnings = error; a fresh interpreter would only print this
    body = "import numpy as np\nnp.log(np.array([-1.0]))\nprint('OK despite a warning')\n"
    outcome = run_check(_script(tmp_path, body))
    assert outcome.passed, outcome


def test_a_script_past_its_budget_is_stopped(tmp_path):
    outcome = run_check(_script(tmp_path, "while True:\n    pass\n"), seconds=1)
    assert not outcome.passed
    assert "budget" in outcome.line or "gave up" in outcome.line


def test_same_verdict_as_a_fresh_interpreter(tmp_path):
    for entry in ("mle-poisson", "layer-linear"):
        derivation = pipeline.derive(catalogue.get(entry))
        path = tmp_path / f"check_{entry}.py"
        path.write_text(check_script(derivation), encoding="utf-8")
        fresh = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
        forked = run_check(path)
        assert fresh.returncode == 0 and forked.passed
        assert forked.line == fresh.stdout.strip().splitlines()[-1]
