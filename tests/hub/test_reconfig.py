"""server/reconfig.py: the rules for replacing the running configuration (pure, no I/O)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from config.diff import WORDS_ID, diff
from config.site import SiteConfig, dump_config, load_config, parse_config
from server.errors import HubError
from server.queue import Queue
from server.reconfig import InvalidConfig, Proposal, decide, take_pins
from server.store import ConfigVersion
from tests.conftest import TEST_CONFIG

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 WIB
DAY = "2026-03-02"
KOORDINATOR = {"username": "dewi", "name": "Dewi", "role": "koordinator", "agency": "DUKCAPIL",
               "counters": ["1", "2"], "pin_hash": load_config(TEST_CONFIG).officers["budi"].pin_hash}


@pytest.fixture
def base():
    """The test site with a DUKCAPIL koordinator, as version 1."""
    raw = dump_config(load_config(TEST_CONFIG))
    raw["officers"].append(KOORDINATOR)
    raw["officers"][0]["agency"] = "DUKCAPIL"  # budi: a petugas of DUKCAPIL at counters 1 and 2
    config = parse_config(raw, TEST_CONFIG)
    return config, ConfigVersion(1, dump_config(config), "file", None, "", NOW)


def edited(config, change) -> dict:
    raw = copy.deepcopy(dump_config(config))
    change(raw)
    return raw


def run(base, change, *, officer="koordinator", based_on=1, queue=None, pins=None):
    config, saved = base
    who = config.officers[officer] if officer else None
    proposal = Proposal(edited(config, change), "api", based_on=based_on, officer=who, pins=pins)
    return decide(proposal, config, saved, queue or Queue(config, DAY), NOW)


def refusal(base, change, **kwargs) -> HubError:
    with pytest.raises(HubError) as refused:
        run(base, change, **kwargs)
    return refused.value


def test_an_accepted_change_is_the_next_version_with_its_event_and_audit(base):
    """A rename gives version 2, a config.updated naming the section, and an audit line saying what changed."""
    change = run(base, lambda raw: raw["counters"][0].update(name="Loket Satu"))
    assert change.version.version == 2 and change.config.counters["1"].name == "Loket Satu"
    (event,) = change.events
    assert event.type == "config.updated" and event.version == 2 and event.sections == ["counters"]
    (entry,) = change.audit
    assert entry.action == "config.changed" and entry.officer == "koordinator"
    assert entry.summary == "Versi 2: loket 1 diubah (name)"


def test_nothing_changed_from_the_api_is_still_the_next_version(base):
    """Sent back as it is through the API: version 2 (the contract's N+1), an event naming no section."""
    change = run(base, lambda raw: None)
    assert change.version.version == 2 and dump_config(change.config) == dump_config(base[0])
    (event,) = change.events
    assert event.version == 2 and event.sections == []
    assert change.audit[0].summary == "Versi 2: tidak ada perubahan"


def test_the_same_file_at_start_is_no_change(base):
    """The file at start with the settings already running makes no version."""
    config, saved = base
    proposal = Proposal(dump_config(config), "file")
    assert decide(proposal, config, saved, Queue(config, DAY), NOW) is None


def test_a_stale_version_is_a_conflict_naming_the_current_one(base):
    """Based on a version that is not the current one: 409 version_conflict with who saved it."""
    config, saved = base
    error = refusal((config, ConfigVersion(3, saved.body, "api", "koordinator", "", NOW)), lambda raw: None)
    assert (error.status, error.code) == (409, "version_conflict")
    assert error.details["version"] == 3 and error.details["changed_by"] == "koordinator"
    assert "Koordinator MPP pukul 09.00 (versi 3)" in error.message


def test_pins_are_taken_out_checked_and_kept(base):
    """`pin` is removed from the officer and checked; an officer without it keeps their hash."""
    config, _ = base
    raw = edited(config, lambda raw: raw["officers"][1].update(pin="482913", pin_set=True))
    assert take_pins(raw) == {"sari": "482913"} and "pin" not in raw["officers"][1]
    with pytest.raises(InvalidConfig) as bad:
        take_pins(edited(config, lambda raw: raw["officers"][1].update(pin="12a4")))
    assert bad.value.details["path"] == "officers[1].pin" and bad.value.message.endswith("PIN harus 4 sampai 12 angka")
    without_hashes = edited(config, lambda raw: [o.pop("pin_hash") for o in raw["officers"]])
    change = decide(Proposal(without_hashes, "api", based_on=1, pins={"sari": "scrypt$1$2$3$c2FsdA==$aGFzaA=="}),
                    config, base[1], Queue(config, DAY), NOW)
    assert change.config.officers["budi"].pin_hash == config.officers["budi"].pin_hash
    assert change.config.officers["sari"].pin_hash == "scrypt$1$2$3$c2FsdA==$aGFzaA=="
    assert [e.summary for e in change.audit if e.action == "pin.changed"] == ["PIN sari diubah"]


def test_invalid_settings_name_the_key(base):
    """The typed settings' refusal becomes 422 invalid_config with the key's path."""
    error = refusal(base, lambda raw: raw["services"][2].update(open="25:00"))
    assert (error.status, error.code, error.details["path"]) == (422, "invalid_config", "services[2].open")
    assert error.message.startswith("Pengaturan services[2].open: harus jam")


@pytest.mark.parametrize(("change", "path"), [
    (lambda raw: raw["site"].update(running_text="Halo"), "site"),
    (lambda raw: raw["services"][2].update(name="PBB-P2"), "services[2]"),  # BAPPENDA's
    (lambda raw: raw["services"][0].update(agency="BAPPENDA"), "services[0]"),  # moving it away
    (lambda raw: raw["services"].append({"code": "P", "name": "Pajak", "agency": "BAPPENDA"}), "services[3]"),
    (lambda raw: raw["agencies"][1].update(name="Bapenda"), "agencies[1]"),
    (lambda raw: raw["counters"][3].update(name="Loket Empat"), "counters[3]"),  # calls C of BAPPENDA
    (lambda raw: raw["officers"][1].update(name="Sari W."), "officers[1]"),  # not of DUKCAPIL
    (lambda raw: raw["officers"][0].update(role="admin"), "officers[0].role"),
    (lambda raw: raw["officers"][0].update(counters=["1", "3"]), "officers[0].counters"),
    (lambda raw: raw["officers"][0].pop("counters"), "officers[0].counters"),  # "any counter"
])
def test_a_koordinator_changes_only_their_agency(base, change, path):
    """A koordinator's change outside their agency is 403 outside_agency at the key."""
    error = refusal(base, change, officer="dewi")
    assert (error.status, error.code, error.details["path"]) == (403, "outside_agency", path), error.message


@pytest.mark.parametrize("change", [
    lambda raw: raw["services"][0].update(name="KTP Elektronik", daily_quota=100),
    lambda raw: raw["services"].append({"code": "D", "name": "Akta", "agency": "DUKCAPIL"}),
    lambda raw: raw["counters"][0].update(name="Loket Dukcapil 1"),
    lambda raw: raw["officers"].append({"username": "ani", "name": "Ani", "agency": "DUKCAPIL", "counters": ["2"]}),
    lambda raw: raw["officers"][0].update(active=False),
    lambda raw: raw["agencies"][0].update(short_name="Disdukcapil"),
])
def test_a_koordinator_may_change_their_agency(base, change):
    """Their services, counters calling only their services, their officers and their agency entry."""
    assert run(base, change, officer="dewi") is not None


def test_a_koordinator_may_change_their_own_pin(base):
    """Their own PIN, even when their own entry is otherwise out of their hands (here: any counter)."""
    config, saved = base
    raw = dump_config(config)
    del raw["officers"][-1]["counters"]
    anywhere = parse_config(raw, TEST_CONFIG)
    mine = (anywhere, ConfigVersion(1, dump_config(anywhere), "file", None, "", NOW))
    change = run(mine, lambda raw: None, officer="dewi", pins={"dewi": config.officers["sari"].pin_hash})
    assert change.audit[-1].summary == "PIN dewi diubah"
    error = refusal(mine, lambda raw: raw["officers"][-1].update(name="Dewi L."), officer="dewi")
    assert (error.code, error.details["path"]) == ("outside_agency", "officers[3]")


def _queue_with_tickets(config):
    queue = Queue(config, DAY)
    for token in ("t1", "t2"):
        queue.apply(queue.issue("C", False, NOW, token))
    return queue


def test_a_removed_service_with_open_tickets_is_refused(base):
    """Removing a service with tickets waiting today is 409 service_in_use (its code in `key`)."""
    config, _ = base
    remove_c = lambda raw: raw.update(services=raw["services"][:2], counters=[  # noqa: E731
        {**c, "services": [s for s in c["services"] if s != "C"]} for c in raw["counters"]
        if c["services"] != ["C"]], officers=[{**o, "counters": [x for x in o.get("counters", []) if x != "3"]}
                                             if "counters" in o else o for o in raw["officers"]])
    error = refusal(base, remove_c, queue=_queue_with_tickets(config))
    assert (error.status, error.code, error.details["key"]) == (409, "service_in_use", "C")
    assert "masih punya 2 nomor antrian" in error.message
    assert run(base, remove_c) is not None  # no tickets: allowed


def test_a_changed_prefix_after_tickets_today_is_refused(base):
    """Renaming a service's code after it issued tickets today is 409 prefix_in_use at the new code."""
    config, _ = base
    queue = _queue_with_tickets(config)
    for t in list(queue.open.values()):  # served: nothing open any more, but numbers were handed out
        queue.open.pop(t.id)

    def rename(raw):
        raw["services"][2]["code"] = "P"
        for c in raw["counters"]:
            c["services"] = ["P" if s == "C" else s for s in c["services"]]

    error = refusal(base, rename, queue=queue)
    assert (error.status, error.code, error.details["path"]) == (409, "prefix_in_use", "services[2].code")
    assert run(base, rename) is not None  # nothing issued today: allowed


def test_a_removed_counter_with_a_ticket_at_its_desk_is_refused(base):
    """Removing a counter that is serving someone is 409 counter_busy."""
    config, _ = base
    queue = _queue_with_tickets(config)
    queue.apply(queue.call_next("3", NOW))
    drop_3 = lambda raw: raw.update(counters=[c for c in raw["counters"] if c["id"] != "3"], officers=[  # noqa: E731
        {**o, "counters": [x for x in o.get("counters", []) if x != "3"]} if "counters" in o else o
        for o in raw["officers"]])
    error = refusal(base, drop_3, queue=queue)
    assert (error.status, error.code, error.details["key"]) == (409, "counter_busy", "3")
    assert error.message.startswith("Loket 3 masih melayani nomor C001.")


@pytest.mark.parametrize("change", [
    lambda raw: raw["officers"][2].update(active=False),
    lambda raw: raw["officers"][2].update(role="petugas"),
    lambda raw: raw["officers"].pop(2),
])
def test_the_last_admin_cannot_go(base, change):
    """Disabling, demoting or removing the only active admin is 409 last_admin."""
    error = refusal(base, change)
    assert (error.status, error.code) == (409, "last_admin")


def test_the_diff_names_keys_never_values(base):
    """What changed is listed by names: a PIN or a running text does not end up in the audit log."""
    config, _ = base
    old = dump_config(config)
    new = copy.deepcopy(old)
    new["site"]["running_text"] = "Rahasia"
    new["officers"][0]["pin_hash"] = "scrypt$x"
    changes = diff(old, new)
    assert "Rahasia" not in str(changes.to_json()) and "scrypt" not in str(changes.to_json())
    assert changes.summary() == "pengaturan umum diubah (running_text); petugas budi diubah (PIN)"
    assert changes.pins == ["budi"] and changes.touched() == ["site", "officers"]


def test_every_section_is_named_in_indonesian_in_the_audit_summary(base):
    """Each section of the file has its Indonesian word in the audit log's summary (the survey's switch too)."""
    assert set(WORDS_ID) == set(SiteConfig.model_fields)
    config, _ = base
    old = dump_config(config)
    new = copy.deepcopy(old)
    new.setdefault("survey", {})["display_ikm"] = True
    assert diff(old, new).summary() == "survei kepuasan diubah (display_ikm)"
