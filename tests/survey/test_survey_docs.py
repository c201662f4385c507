"""docs/protocol.md and docs/survey.md keep up with the survey's code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import TypeAdapter

from survey import page
from survey.ikm import PRINTED_INTERVALS, UNSUR, UNSUR_NAMES
from survey.views import TABLET_MESSAGES

ROOT = Path(__file__).resolve().parent.parent.parent
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text()
SURVEY = (ROOT / "docs" / "survey.md").read_text()


def test_every_survey_route_is_in_the_protocol():
    """Each of the survey's HTTP and WebSocket paths appears in docs/protocol.md."""
    paths = [route.path for route in page.routes if not route.path.startswith("/static")]
    missing = [path for path in paths if path.split("{")[0].rstrip("/") not in PROTOCOL]
    assert not missing, missing


def test_the_tablets_messages_have_valid_examples():
    """survey.tablet and survey.offer each have an example in docs/protocol.md that their model accepts."""
    models = {kind.model_fields["type"].default: kind for kind in TABLET_MESSAGES}
    shown = set()
    for block in re.findall(r"```json\n(.*?)```", PROTOCOL, re.S):
        example = json.loads(block)
        if isinstance(example, dict) and example.get("type") in models:
            TypeAdapter(models[example["type"]]).validate_python(example)
            shown.add(example["type"])
    assert shown == set(models)


def test_the_survey_doc_states_the_regulations_rules():
    """docs/survey.md names every unsur, the interval table and the two formulas."""
    for key in UNSUR:
        assert f"`{key}`" in SURVEY and UNSUR_NAMES[key] in SURVEY, key
    for nrr, ikm in PRINTED_INTERVALS.values():
        assert nrr.replace(" – ", "–") in SURVEY and ikm.replace(" – ", "–") in SURVEY
    assert "S = 3.841·N·0.25 / (0.0025·(N−1) + 3.841·0.25)" in SURVEY
    assert "PermenPANRB No. 14 Tahun 2017" in SURVEY
