"""What the admin console's forms need from the admin API: tables' keys, references, a koordinator's scope."""

from __future__ import annotations

import pytest

from config.errors import ConfigError
from config.site import dump_config, load_config, parse_config
from server.admin import REFERENCES, admin_schema
from tests.conftest import TEST_CONFIG
from tests.hub.support import Clock, login, running
from tests.hub.test_admin import site_with_koordinator

# The table of each model whose items carry a reference, as in the file.
TABLE_OF = {"Service": "services", "Counter": "counters", "Officer": "officers"}


@pytest.fixture
def client(tmp_path):
    with running(tmp_path / "data", Clock(), site_with_koordinator()) as client:
        yield client


def test_the_schema_names_each_tables_key():
    """Every array of tables says which key identifies its items, the calendar's tables included."""
    schema = admin_schema()
    keys = {name: node.get("x-key") for name, node in schema["properties"].items() if node.get("type") == "array"}
    assert keys == {"zones": "id", "agencies": "code", "services": "code", "counters": "id", "officers": "username"}
    calendar = schema["$defs"]["Calendar"]["properties"]
    assert {name: node.get("x-key") for name, node in calendar.items()} == {
        "hours": "day", "breaks": None, "holidays": "date", "closures": "date"}


@pytest.mark.parametrize(("model", "key"), sorted(REFERENCES))
def test_each_reference_in_the_schema_is_one_the_settings_check(model, key):
    """A value at an `x-ref` key that names no item of that table is refused at that very key."""
    assert admin_schema()["$defs"][model]["properties"][key]["x-ref"] == REFERENCES[model, key]
    raw = dump_config(load_config(TEST_CONFIG))
    item = raw[TABLE_OF[model]][0]
    item[key] = ["tidak-ada"] if key in ("services", "counters") else "tidak-ada"  # the lists, and the rest
    with pytest.raises(ConfigError) as refused:
        parse_config(raw)
    assert (refused.value.path, refused.value.kind) == (f"{TABLE_OF[model]}[0].{key}", "unknown_reference")


def test_a_koordinator_gets_their_scope_and_an_admin_none(client):
    """GET /api/admin/config tells a koordinator which services, counters and officers they may change."""
    dewi = client.get("/api/admin/config", headers=login(client, "dewi", "1111")).json()
    assert dewi["scope"] == {"agency": "DUKCAPIL", "services": ["A", "B"], "counters": ["1", "2"],
                             "officers": ["budi", "dewi"]}
    admin = client.get("/api/admin/config", headers=login(client, "koordinator", "1111")).json()
    assert admin["scope"] is None
