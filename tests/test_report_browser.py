"""The report opens in a real browser (headless Chromium): every chart renders, no script errors, offline.

CI needs Debian's ``chromium`` package (``apt-get install -y chromium``); without /usr/bin/chromium the tests
skip with that reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_report import SECTIONS, make_warehouse

from orchestration.cli import main

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (apt-get install -y chromium)"
)

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    warehouse = make_warehouse(folder / "warehouse.duckdb")
    out = folder / "report.html"
    assert main(["report", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    return out


def test_every_chart_is_in_the_rendered_dom(report, tmp_path):
    done = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", report.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "Uncaught" not in done.stderr, done.stderr[-2000:]
    assert 'class="report-error"' not in dom
    for section_id in SECTIONS:
        match = re.search(rf'<section id="{section_id}".*?</section>', dom, flags=re.S)
        assert match, f"section {section_id} missing from the rendered DOM"
        charts = re.findall(r'<svg class="chart".*?</svg>', match.group(0), flags=re.S)
        assert charts, f"section {section_id} has no chart in the DOM"
        for chart in charts:
            assert re.search(r"<(path|image|use)\b", chart), f"an empty chart in {section_id}"


def test_screenshot_shows_the_report(report, tmp_path):
    from PIL import Image, ImageStat

    png = tmp_path / "report.png"
    done = chromium(tmp_path, f"--screenshot={png}", "--window-size=1400,4000", report.as_uri())
    assert png.exists(), done.stderr[-2000:]
    image = Image.open(png).convert("L")
    assert image.size == (1400, 4000)
    # a page with charts has plenty of contrast in every band of 500 pixels (no blank stretches)
    for top in range(0, 4000, 500):
        band = image.crop((0, top, 1400, top + 500))
        assert ImageStat.Stat(band).stddev[0] > 10, f"blank band at y={top}"
