"""Names and texts from the configuration and from people (services, agencies, counters, officers, running text,
survey suggestions) reach the pages only as text: no first-party script assigns HTML. The one vendored library
that does (ECharts, reports/static/vendor) is held to it by tests/reports/test_chart_text.py."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML_SINKS = re.compile(r"\.(inner|outer)HTML\s*[+]?=|insertAdjacentHTML|document\.write|createContextualFragment")


def first_party_scripts() -> list[Path]:
    return sorted(p for p in ROOT.glob("*/static/**/*.js") if "vendor" not in p.parts)


def test_no_first_party_script_assigns_html():
    """Every page script the hub serves sets names with textContent (or DOM nodes), never as HTML."""
    scripts = first_party_scripts()
    assert len(scripts) >= 20  # the glob finds the pages' scripts (admin, display, counter, kiosk, reports, ...)
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in scripts
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if HTML_SINKS.search(line)]
    assert offenders == []


def test_every_chart_tooltip_is_plain_text():
    """ECharts writes an HTML tooltip with innerHTML unless told otherwise: every chart's tooltip extends the
    plain-text base (renderMode "richText", drawn on the canvas) and no chart asks for a toolbox (its data view
    writes HTML) or the SVG renderer."""
    charts = (ROOT / "reports/static/charts.js").read_text(encoding="utf-8")
    assert 'tooltip: { renderMode: "richText"' in charts
    tooltips = re.findall(r"tooltip:\s*\{([^}]*)", charts)
    assert len(tooltips) >= 3
    assert all("renderMode" in t or "...base.tooltip" in t for t in tooltips), tooltips
    assert "toolbox" not in charts and '"svg"' not in charts
    assert not re.search(r"renderMode:\s*\"html\"", charts)
