"""The Indeks Kepuasan Masyarakat (IKM): the rules of PermenPANRB No. 14 Tahun 2017, pure.

Peraturan Menteri PANRB No. 14 Tahun 2017 tentang Pedoman Penyusunan Survei Kepuasan
Masyarakat Unit Penyelenggara Pelayanan Publik (Lampiran, Bab III "Metode Pengolahan Data"):

- Nine *unsur* (`UNSUR`, stored and sent by key, never by position: two orders circulate).
  Every answer scores 1 to 4.
- NRR (nilai rata-rata) per unsur = the mean of its scores over the respondents.
- NRR tertimbang per unsur = NRR × bobot, with bobot = 1/9 (one over the number of unsur),
  exactly: the regulation's printed 0.111 is that fraction rounded.
- IKM = Σ NRR tertimbang × 25, the index converted to the 25–100 scale; the mean of the nine
  NRR × 25. Rounded once, at the end, to 2 decimals (half up); everything before is exact
  (`fractions.Fraction`).
- Mutu pelayanan and kinerja unit pelayanan from the table of intervals (Lampiran, Tabel
  "Nilai Persepsi, Interval IKM, Interval Konversi IKM, Mutu Pelayanan dan Kinerja Unit
  Pelayanan"): on the 25–100 scale 25.00–64.99 D (Tidak baik), 65.00–76.60 C (Kurang baik),
  76.61–88.30 B (Baik), 88.31–100.00 A (Sangat baik); on the 1–4 scale of one unsur's NRR
  1.00–2.5996 D, 2.60–3.064 C, 3.0644–3.532 B, 3.5324–4.00 A. Each category starts at its
  lower bound as written and runs up to the next category's lower bound, so a value between
  two printed intervals (an NRR of 3.0642) belongs to the lower one.
- Sample size (Lampiran, Bab II "Penentuan Jumlah Responden"): Krejcie and Morgan (1970),
  S = X²·N·P(1−P) / (d²·(N−1) + X²·P(1−P)) with X² = 3.841, P = 0.5, d = 0.05:
  S = 3.841·N·0.25 / (0.0025·(N−1) + 3.841·0.25), rounded up to whole respondents.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

# The nine unsur in the order of the regulation's list (Lampiran, Bab II), U1 to U9.
UNSUR: tuple[str, ...] = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
                          "pengaduan", "sarana")
UNSUR_NAMES: dict[str, str] = {
    "persyaratan": "Persyaratan",
    "prosedur": "Sistem, Mekanisme, dan Prosedur",
    "waktu": "Waktu Penyelesaian",
    "biaya": "Biaya/Tarif",
    "produk": "Produk Spesifikasi Jenis Pelayanan",
    "kompetensi": "Kompetensi Pelaksana",
    "perilaku": "Perilaku Pelaksana",
    "pengaduan": "Penanganan Pengaduan, Saran dan Masukan",
    "sarana": "Sarana dan Prasarana",
}
SCORES = (1, 2, 3, 4)
WEIGHT = Fraction(1, len(UNSUR))  # bobot nilai rata-rata tertimbang: 1/9 exactly
SCALE = 25  # the 1–4 index times 25 is the 25–100 IKM

KINERJA = {"A": "Sangat baik", "B": "Baik", "C": "Kurang baik", "D": "Tidak baik"}
# Each category's lower bound, best first: on the 25–100 scale (the rounded IKM) and on the 1–4 scale (one NRR).
IKM_FLOORS: tuple[tuple[Decimal, str], ...] = ((Decimal("88.31"), "A"), (Decimal("76.61"), "B"),
                                               (Decimal("65.00"), "C"), (Decimal("25.00"), "D"))
NRR_FLOORS: tuple[tuple[Fraction, str], ...] = ((Fraction("3.5324"), "A"), (Fraction("3.0644"), "B"),
                                                (Fraction("2.60"), "C"), (Fraction("1.00"), "D"))

# The table of intervals as the regulation prints it (for the XLSX legend): mutu -> (1–4, 25–100).
PRINTED_INTERVALS: dict[str, tuple[str, str]] = {"A": ("3,5324 – 4,00", "88,31 – 100,00"),
                                                 "B": ("3,0644 – 3,532", "76,61 – 88,30"),
                                                 "C": ("2,60 – 3,064", "65,00 – 76,60"),
                                                 "D": ("1,00 – 2,5996", "25,00 – 64,99")}

# Krejcie–Morgan's constants as the regulation prints them: chi-square for 1 degree of freedom at 95 %,
# the population proportion P = 0.5 (P(1−P) = 0.25) and the margin of error d = 0.05 (d² = 0.0025).
CHI_SQUARE = Fraction("3.841")
P_Q = Fraction("0.25")
D_SQUARED = Fraction("0.0025")


def mutu_ikm(ikm: Decimal) -> str:
    """The mutu pelayanan ("A" to "D") of an IKM on the 25–100 scale (already rounded to 2 decimals).
    Raises ValueError outside 25–100."""
    if not Decimal(25) <= ikm <= Decimal(100):
        raise ValueError(f"an IKM lies between 25 and 100, not {ikm}")
    return next(letter for floor, letter in IKM_FLOORS if ikm >= floor)


def mutu_nrr(nrr: Fraction) -> str:
    """The mutu ("A" to "D") of one unsur's NRR on the 1–4 scale (exact). Raises ValueError outside 1–4."""
    if not 1 <= nrr <= 4:
        raise ValueError(f"an NRR lies between 1 and 4, not {nrr}")
    return next(letter for floor, letter in NRR_FLOORS if nrr >= floor)


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """`value` (≥ 0) rounded to `places` decimals, a half rounded up (as the regulation's worked examples)."""
    scale = 10 ** places
    return Decimal(math.floor(value * scale + Fraction(1, 2))) / scale


def sample_target(population: int) -> int:
    """Krejcie–Morgan's sample size for a population of `population` served citizens (PermenPANRB 14/2017,
    Lampiran Bab II): S = 3.841·N·0.25 / (0.0025·(N−1) + 3.841·0.25), rounded up; 0 for no population."""
    if population <= 0:
        return 0
    s = CHI_SQUARE * population * P_Q / (D_SQUARED * (population - 1) + CHI_SQUARE * P_Q)
    return math.ceil(s)


@dataclass(frozen=True)
class UnsurResult:
    """One unsur over the respondents: the sum of its scores and its NRR (None without respondents)."""

    key: str
    total: int  # Σ of the scores
    respondents: int

    @property
    def name(self) -> str:
        return UNSUR_NAMES[self.key]

    @property
    def nrr(self) -> Fraction | None:
        """Nilai rata-rata: the mean score, exact."""
        return Fraction(self.total, self.respondents) if self.respondents else None

    @property
    def weighted(self) -> Fraction | None:
        """NRR tertimbang: NRR × 1/9."""
        nrr = self.nrr
        return nrr * WEIGHT if nrr is not None else None

    @property
    def mutu(self) -> str | None:
        nrr = self.nrr
        return mutu_nrr(nrr) if nrr is not None else None


@dataclass(frozen=True)
class Index:
    """The IKM of a set of responses: per unsur, and for the unit. `ikm` None without respondents."""

    respondents: int
    unsur: tuple[UnsurResult, ...]

    @property
    def index(self) -> Fraction | None:
        """Σ NRR tertimbang: the unit's index on the 1–4 scale, exact."""
        if not self.respondents:
            return None
        return sum((u.weighted for u in self.unsur), Fraction(0))

    @property
    def ikm(self) -> Decimal | None:
        """The IKM on the 25–100 scale, rounded to 2 decimals (the only rounding)."""
        index = self.index
        return round_half_up(index * SCALE) if index is not None else None

    @property
    def mutu(self) -> str | None:
        ikm = self.ikm
        return mutu_ikm(ikm) if ikm is not None else None

    @property
    def kinerja(self) -> str | None:
        mutu = self.mutu
        return KINERJA[mutu] if mutu is not None else None


def index_of(totals: Mapping[str, int], respondents: int) -> Index:
    """The IKM from each unsur's sum of scores over `respondents` complete responses (each answers all nine).
    Raises ValueError for a missing unsur or a sum no set of 1–4 scores can have."""
    missing = [key for key in UNSUR if key not in totals]
    if missing:
        raise ValueError(f"no sum for {', '.join(missing)}")
    for key in UNSUR:
        if not respondents <= totals[key] <= 4 * respondents:
            raise ValueError(f"{key}: a sum of {totals[key]} is impossible for {respondents} respondents")
    return Index(respondents, tuple(UnsurResult(key, totals[key], respondents) for key in UNSUR))


def index_of_responses(responses: list[Mapping[str, int]]) -> Index:
    """The IKM of complete responses, each a mapping of the nine unsur keys to scores 1–4."""
    return index_of({key: sum(r[key] for r in responses) for key in UNSUR}, len(responses))
