"""Which tickets a report may count: the one reading of `agency`, `service` and `counter` behind every report
endpoint (the summary, the heat map, the monthly recap and the IKM of survey/api.py), so that they answer alike.

- An unknown code is a 422 naming it: `unknown_agency`, `unknown_service`, `unknown_counter`.
- A koordinator sees their own agency only: without `agency` they get it; another agency, a service of
  another agency, or a counter that calls none of their agency's services is 403 `outside_agency`.
- Codes that do not go together are a 422 `invalid_field`: a service of another agency than the one asked, a
  counter that calls no service of the agency asked, or not the service asked.

Which services an agency has and which a counter calls is read from the running configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.site import Officer, SiteConfig
from reports.period import invalid
from server import access
from server.errors import Forbidden


@dataclass(frozen=True)
class Scope:
    """The tickets a report counts. `agency`, `service`, `counter`: as asked (for a koordinator, `agency` is
    theirs); `services`: the service codes counted, None for every service (an admin without agency or
    service). A `counter` narrows the tickets further to those served there (only the IKM reads it)."""

    agency: str | None
    service: str | None
    services: frozenset[str] | None
    counter: str | None = None

    def describe(self, config: SiteConfig) -> str:
        """The scope in words, for a file's heading: "Layanan Kartu Keluarga (B)", "Instansi ...", "Semua
        instansi"."""
        if self.service is not None:
            return f"Layanan {config.services[self.service].name} ({self.service})"
        if self.agency is not None:
            return f"Instansi {config.agencies[self.agency].name}"
        return "Semua instansi"

    def suffix(self) -> str:
        """What a download's file name adds for the scope: "-DUKCAPIL-B", "" for the whole hall."""
        return "".join(f"-{part}" for part in (self.agency, self.service) if part)


def scope_of(config: SiteConfig, officer: Officer, agency: str | None, service: str | None,
             counter: str | None = None) -> Scope:
    """The tickets `officer` asks for (codes as written in the query, None when not given) and may see.

    Raises HubError 422 `unknown_agency`, `unknown_service`, `unknown_counter` for a code the configuration
    does not have; 403 `outside_agency` when a koordinator asks for anything outside their agency; 422
    `invalid_field` for codes that do not go together (see the module's docstring); 403 `role_not_allowed`
    for a petugas.
    """
    _known(config, agency, service, counter)
    mine = access.agency_scope(officer)
    if mine is not None:
        outside = ((agency is not None and agency != mine)
                   or (service is not None and config.services[service].agency != mine)
                   or (counter is not None and not _calls_for(config, counter, mine)))
        if outside:
            raise Forbidden("outside_agency", f"Koordinator {mine} hanya dapat melihat laporan instansi {mine}.")
        agency = mine
    if service is not None and agency is not None and config.services[service].agency != agency:
        raise invalid("invalid_field", f"Layanan {service} bukan layanan instansi {agency}.")
    if counter is not None:
        name = config.counters[counter].name
        if service is not None and service not in config.counters[counter].services:
            raise invalid("invalid_field", f"{name} tidak melayani layanan {service}.")
        if agency is not None and not _calls_for(config, counter, agency):
            raise invalid("invalid_field", f"{name} tidak melayani layanan instansi {agency}.")
    if service is not None:
        services = frozenset((service,))
    elif agency is not None:
        services = frozenset(code for code, s in config.services.items() if s.agency == agency)
    else:
        services = None
    return Scope(agency, service, services, counter)


def _known(config: SiteConfig, agency: str | None, service: str | None, counter: str | None) -> None:
    for code, table, word, code_name in ((agency, config.agencies, "Instansi", "agency"),
                                         (service, config.services, "Layanan", "service"),
                                         (counter, config.counters, "Loket", "counter")):
        if code is not None and code not in table:
            raise invalid(f"unknown_{code_name}", f"{word} '{code[:40]}' tidak dikenal. {word} yang ada: "
                          f"{', '.join(table) or '-'}.")


def agencies_called(config: SiteConfig, counter: str) -> list[str]:
    """The agencies whose services `counter` calls, in the order of its services (a counter may serve several
    agencies, or none: services without an agency)."""
    called = (config.services[code].agency for code in config.counters[counter].services if code in config.services)
    return list(dict.fromkeys(agency for agency in called if agency is not None))


def _calls_for(config: SiteConfig, counter: str, agency: str) -> bool:
    return agency in agencies_called(config, counter)
