"""What the reports' worker process (reports/reader.py) runs for the IKM report (survey/api.py): the survey's reads
(survey/storage.py) on the worker's read-only connection, one read transaction each, and the XLSX tabulation
(survey/workbook.py, openpyxl). A year's IKM thus neither holds the hub's connection between its writes nor its
interpreter while the workbook is written. Module-level functions of plain values, so that they travel by pickle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from config.site import SiteConfig
from survey import storage, workbook
from survey.storage import Respondent, Scope, Totals


@dataclass(frozen=True)
class IkmFigures:
    """What the JSON report is made of: the sums, the population (tickets served), the latest saran and the
    respondents' profile counts, all read in one consistent state of the database."""

    totals: Totals
    population: int
    latest: list[Respondent]
    profile: dict[str, dict[str, int]]


def ikm_of(db, scope: Scope, saran_shown: int) -> IkmFigures:
    """The figures of the IKM of `scope`, with its latest `saran_shown` saran."""
    return IkmFigures(storage.totals(db, scope), storage.served(db, scope), storage.saran(db, scope, saran_shown),
                      storage.profile_counts(db, scope))


def tabulation_of(db, config: SiteConfig, scope: Scope, named: Mapping[str, str | None]) -> bytes:
    """The XLSX tabulation of `scope` (survey/workbook.py): the workbook's bytes."""
    return workbook.tabulation(config, scope, named, storage.respondents(db, scope), storage.served(db, scope))
