"""The documentation keeps up with the code."""

import json
import re
from pathlib import Path

from pydantic import TypeAdapter

from admin import page as admin_pages
from audio.voice_api import voice_routes
from config import docs
from config.site import SiteConfig
from devices import page as device_pages
from reports import api as reports_api
from server import admin, api, backup, devices_api, health, sockets
from server.devices import PageReport
from server.events import EVENT_TYPES, KINDS, MESSAGES

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text()
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()


def test_every_event_type_is_documented():
    """Each event kind the hub can send has a row in docs/protocol.md."""
    missing = [t for t in EVENT_TYPES if f"`{t}`" not in PROTOCOL]
    assert not missing, missing


def test_every_event_and_message_has_a_valid_example():
    """Each event kind and each other message a page receives has a JSON example in docs/protocol.md,
    and every example there with a known `type` is exactly what the hub's model for it accepts."""
    models = {kind.model_fields["type"].default: kind for kind in (*KINDS, *MESSAGES)}
    shown = set()
    for block in re.findall(r"```json\n(.*?)```", PROTOCOL, re.S):
        example = json.loads(block)
        if isinstance(example, dict) and example.get("type") in models:
            TypeAdapter(models[example["type"]]).validate_python(example)  # raises, naming the field
            shown.add(example["type"])
    missing = sorted(set(models) - shown - {"pong"})  # the pong is shown inline with its ping
    assert not missing, missing


def test_the_page_status_report_example_is_valid():
    """Each `{"type": "status"}` a page sends (docs/protocol.md) is valid, and the hub reads every field of it."""
    reports = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", PROTOCOL, re.S)
               if '"type": "status"' in block]
    assert reports
    for example in reports:
        report = PageReport.model_validate(example)  # raises, naming the field
        assert set(example) <= set(PageReport.model_fields), "no field the hub would ignore"
        if "last_call" in example:
            assert set(example["last_call"]) == report.last_call.model_fields_set


def test_every_endpoint_is_documented():
    """Each HTTP and WebSocket route appears in docs/protocol.md."""
    paths = [r.path for r in api.routes + admin.routes + sockets.routes + devices_api.routes + health.routes +
             backup.routes + device_pages.routes + reports_api.routes + voice_routes(None) + admin_pages.routes
             if not r.path.startswith("/static")]
    missing = [p for p in paths if p.split("{")[0].rstrip("/") not in PROTOCOL]
    assert not missing, missing


def test_configuration_key_tables_are_generated_from_the_models():
    """docs/configuration.md's key tables are exactly what `python -m config.docs` writes from the models."""
    assert docs.updated(CONFIGURATION) == CONFIGURATION, "run `.venv/bin/python -m config.docs`"


def test_every_configuration_key_has_help_text_and_a_row():
    """Each key of each section has a help text, and a row in docs/configuration.md."""
    def keys(model, where):
        for name, field in model.model_fields.items():
            assert field.description, f"{where}.{name} has no help text"
            yield name
            inner = getattr(field.annotation, "__args__", ())
            for sub in (field.annotation, *inner):
                if isinstance(sub, type) and hasattr(sub, "model_fields"):
                    yield from keys(sub, f"{where}.{name}")

    found = set(keys(SiteConfig, "config"))
    assert {"timezone", "daily_quota", "pin_hash", "image_seconds", "printers", "timeout", "rate"} <= found
    sections = set(SiteConfig.model_fields)  # headings, not rows
    missing = [key for key in sorted(found - sections) if f"| `{key}` |" not in CONFIGURATION]
    assert not missing, missing


def test_reports_doc_names_the_vendored_chart_library():
    """docs/reports.md names the chart library's version that is vendored, and its licence files are kept."""
    from reports.page import ECHARTS_VERSION, HERE

    vendor = HERE / "static" / "vendor" / "echarts"
    text = (ROOT / "docs" / "reports.md").read_text()
    assert f"Apache ECharts {ECHARTS_VERSION}" in text and "Apache-2.0" in text
    assert f'version="{ECHARTS_VERSION}"' in (vendor / "echarts.min.js").read_text()
    assert all((vendor / name).stat().st_size > 100 for name in ("LICENSE", "NOTICE", "LICENSE-d3"))


def test_every_documented_chromium_command_starts_it_in_indonesian():
    """Each Chromium command line in docs/ sets Indonesian (date fields and Intl follow the browser's language, and
    an English one asks for dates as mm/dd/yyyy): `--lang=id` (Windows), after `env LANGUAGE=id` on Linux, which
    ignores the flag."""
    commands = []
    for path in sorted((ROOT / "docs").glob("*.md")):
        text = path.read_text()
        for found in re.finditer(r"(\S*\s*)\b(chromium|chrome\.exe)((?:\s+--[\w=.,:/-]+|\s+\.\.\.)+)", text):
            commands.append((path.name, found.group(0)))
            assert "--lang=id" in found.group(3).split(), (path.name, found.group(0))
            if found.group(2) == "chromium":
                assert found.group(1).strip() == "LANGUAGE=id", (path.name, found.group(0))
    assert {name for name, _ in commands} >= {"display.md", "kiosk.md", "admin.md", "operations.md"}
