"""Every report endpoint reads `agency`, `service` and `counter` alike (reports/scope.py): the same 422 for an
unknown code or codes that do not go together, the same 403 outside a koordinator's agency."""

from __future__ import annotations

import pytest

from tests.hub.support import error_of, login
from tests.reports.support import DAY

ENDPOINTS = {
    "summary": ("/api/reports/summary", {"from": DAY, "to": DAY, "by": "service"}),
    "hours": ("/api/reports/hours", {"from": DAY, "to": DAY}),
    "recap": ("/api/reports/recap", {"month": "2026-03"}),
    "ikm": ("/api/reports/ikm", {"from": DAY, "to": DAY}),
}

ADMIN_REFUSED = [
    ({"agency": "DISHUB"}, "unknown_agency", "Instansi 'DISHUB' tidak dikenal. Instansi yang ada: DUKCAPIL, BAPPENDA."),
    ({"service": "Z"}, "unknown_service", "Layanan 'Z' tidak dikenal. Layanan yang ada: A, B, C."),
    ({"agency": "DUKCAPIL", "service": "C"}, "invalid_field", "Layanan C bukan layanan instansi DUKCAPIL."),
]

KOORDINATOR_REFUSED = [{"agency": "BAPPENDA"}, {"service": "C"}, {"agency": "DUKCAPIL", "service": "C"}]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("query", "code", "message"), ADMIN_REFUSED)
def test_unknown_or_mismatched_codes_are_the_same_422_everywhere(day, endpoint, query, code, message):
    """An unknown agency or service, or a service of another agency than the one asked: 422, word for word."""
    client, admin, _ = day
    path, params = ENDPOINTS[endpoint]
    response = client.get(path, params={**params, **query}, headers=admin)
    assert error_of(response) == (422, code)
    assert response.json()["error"]["message"] == message


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("query", KOORDINATOR_REFUSED)
def test_a_koordinator_is_403_outside_her_agency_everywhere(day, endpoint, query):
    """dina (DUKCAPIL) asking for another agency or its service, even under her own agency: 403 outside_agency."""
    client, _, _ = day
    path, params = ENDPOINTS[endpoint]
    dina = login(client, "dina", "1111")
    response = client.get(path, params={**params, **query}, headers=dina)
    assert error_of(response) == (403, "outside_agency")
    assert response.json()["error"]["message"] == "Koordinator DUKCAPIL hanya dapat melihat laporan instansi DUKCAPIL."
    assert client.get(path, params={**params, "agency": "DUKCAPIL", "service": "B"}, headers=dina).status_code == 200


def test_the_ikm_checks_its_counter(day):
    """IKM's counter: unknown is 422 unknown_counter; a counter calling none of a koordinator's services is 403;
    a counter shared with her agency is hers; a counter or service that do not go together are 422."""
    client, admin, _ = day
    path, params = ENDPOINTS["ikm"]
    dina = login(client, "dina", "1111")
    unknown = client.get(path, params={**params, "counter": "99"}, headers=admin)
    assert error_of(unknown) == (422, "unknown_counter")
    assert unknown.json()["error"]["message"] == "Loket '99' tidak dikenal. Loket yang ada: 1, 2, 3, 4."
    assert error_of(client.get(path, params={**params, "counter": "3"}, headers=dina)) == (403, "outside_agency")
    shared = client.get(path, params={**params, "counter": "4"}, headers=dina)  # calls A (DUKCAPIL) and C
    assert shared.status_code == 200 and (shared.json()["agency"], shared.json()["counter"]) == ("DUKCAPIL", "4")
    assert shared.json()["population"] == 1  # the transferred ticket, done at counter 4 in A; C001 is BAPPENDA's
    mismatched = client.get(path, params={**params, "agency": "DUKCAPIL", "counter": "3"}, headers=admin)
    assert error_of(mismatched) == (422, "invalid_field")
    assert mismatched.json()["error"]["message"] == "Loket 3 tidak melayani layanan instansi DUKCAPIL."
    other = client.get(path, params={**params, "service": "B", "counter": "4"}, headers=admin)
    assert error_of(other) == (422, "invalid_field")
    assert other.json()["error"]["message"] == "Loket 4 tidak melayani layanan B."
    assert client.get(path, params={**params, "counter": "4"}, headers=admin).json()["population"] == 2
