"""The HTML report: self-contained, every plot present, user text escaped; and drawn by a real Chromium."""

from __future__ import annotations

import json
import re

import pytest

from mlpilot.pipeline import report
from mlpilot.profile.render import plot_specs, render_html, write_report
from mlpilot.profile.summary import Profile


@pytest.fixture(scope="module")
def profile(make_planted) -> Profile:
    df = make_planted()
    df = df.rename(columns={"fitness": "<b>fitness</b>"})
    return report(df, "diagnosis", test=df.iloc[:50])


def test_report_is_one_offline_file_with_every_plot(profile):
    html = render_html(profile)
    assert not re.search(r"<script[^>]+src=", html), "no script may be loaded from elsewhere"
    assert "cdn." not in html.split("<script>", 1)[0]
    assert "Plotly.newPlot" in html and "plotly.js" in html.lower()  # the library itself is inside
    specs = json.loads(re.search(r'<script type="application/json" id="plot-specs">(.*?)</script>', html,
                                 re.S).group(1))
    assert specs.keys() == plot_specs(profile).keys()
    for plot_id in specs:
        assert f'id="{plot_id}"' in html
    assert {"plot-association", "plot-correlations", "plot-col-0"} <= specs.keys()
    assert len([k for k in specs if k.startswith("plot-col-")]) == len(profile.columns)


def test_report_lists_findings_and_escapes_column_names(profile):
    html = render_html(profile)
    assert "<b>fitness</b>" not in html and "&lt;b&gt;fitness&lt;/b&gt;" in html
    for code in ("Identifier", "Target leakage", "Duplicated rows", "Dates stored as text", "Numbers stored as text"):
        assert code in html
    assert "50 of 50 test rows" in html


def test_profile_survives_a_json_round_trip(profile):
    again = Profile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again == profile


def test_plots_render_in_headless_chromium(profile, tmp_path, chromium_dom):
    page = write_report(profile, tmp_path / "report.html")
    n_plots = len(plot_specs(profile))
    dom = chromium_dom(page)
    assert f'data-plots="{n_plots}"' in dom
    assert 'data-error="' not in dom
    rendered = len(re.findall(r'data-rendered="1"', dom))
    assert rendered == n_plots
    assert dom.count('class="main-svg"') >= n_plots  # each plot drew its SVG
