"""The seam between the hall and spoken calls: one small Protocol, and no import cycle across it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from audio.announcer import Announcer
from config.site import load_config
from server.announcing import Announcing
from tests.conftest import ROOT, TEST_CONFIG


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any level (inside functions and TYPE_CHECKING blocks too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_announcer_is_what_the_hall_expects(tmp_path):
    """audio's Announcer satisfies Announcing, with the Protocol's exact parameters on every method."""
    announcer = Announcer(load_config(TEST_CONFIG), tmp_path / "audio-cache")
    assert isinstance(announcer, Announcing)
    for name, member in inspect.getmembers(Announcing, inspect.isfunction):
        if name.startswith("_"):
            continue
        expected = inspect.signature(member).parameters
        actual = inspect.signature(getattr(Announcer, name)).parameters
        assert list(actual) == list(expected), name
        assert [p.kind for p in actual.values()] == [p.kind for p in expected.values()], name
        assert [p.default for p in actual.values()] == [p.default for p in expected.values()], name


def test_server_does_not_import_audio_and_routes_do_not_import_the_announcer():
    """server/ knows audio only through the Protocol; audio/routes.py does not import audio/announcer.py."""
    for path in sorted((ROOT / "server").glob("*.py")):
        assert not {m for m in imports(path) if m == "audio" or m.startswith("audio.")}, path.name
    assert "audio.announcer" not in imports(ROOT / "audio" / "routes.py")
    assert "audio.routes" in imports(ROOT / "audio" / "announcer.py")
