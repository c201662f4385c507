"""The columns of a summary, declared once: the CSV and XLSX files and the page's table are built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["key", "text", "count", "duration"]


@dataclass(frozen=True)
class Column:
    """`field`: the JSON field (and the CSV header); `title`: the Indonesian heading of the XLSX file and the
    page; `kind`: how a value is written (a duration is seconds in JSON and CSV, minutes:seconds on the page
    and as a time value in XLSX)."""

    field: str
    title: str
    kind: Kind


MEASURES = (
    Column("issued", "Nomor diambil", "count"),
    Column("served", "Dilayani", "count"),
    Column("no_show", "Tidak hadir", "count"),
    Column("transferred", "Dialihkan", "count"),
    Column("wait_avg_s", "Tunggu rata-rata", "duration"),
    Column("wait_p50_s", "Tunggu median", "duration"),
    Column("wait_p90_s", "Tunggu P90", "duration"),
    Column("wait_max_s", "Tunggu terlama", "duration"),
    Column("service_avg_s", "Layanan rata-rata", "duration"),
    Column("service_p90_s", "Layanan P90", "duration"),
    Column("over_target", "Melebihi target", "count"),
)

# The key and label columns' headings for each breakdown.
KEYS = {
    "service": ("Kode", "Layanan"),
    "agency": ("Kode", "Instansi"),
    "counter": ("Loket", "Nama loket"),
    "officer": ("Pengguna", "Nama petugas"),
    "day": ("Tanggal", "Hari"),
    "hour": ("Jam", "Rentang jam"),
}

# The breakdowns as the page offers them.
BY_TITLES = {
    "service": "Layanan",
    "agency": "Instansi",
    "counter": "Loket",
    "officer": "Petugas",
    "day": "Hari",
    "hour": "Jam",
}


def summary_columns(by: str) -> list[Column]:
    """Every column of a summary by `by`, in order."""
    key, label = KEYS[by]
    return [Column("key", key, "key"), Column("label", label, "text"), *MEASURES]

# What the numbers mean, in Indonesian, for the people who read and sign a report (the XLSX
# "Keterangan" sheet and the printed page). The same definitions, in English, are in docs/reports.md.
DEFINITIONS = (
    "Nomor diambil: nomor yang diambil di kios, tidak termasuk nomor yang masuk karena dialihkan dari layanan "
    "lain.",
    "Waktu tunggu: dari nomor diambil sampai panggilan pertama. Nomor yang dialihkan menunggu di layanan barunya "
    "sejak saat dialihkan.",
    "Waktu layanan: dari panggilan terakhir di loket sampai selesai dilayani.",
    "Tidak hadir: dilewati dan tidak dilayani pada hari itu (nomor yang dipanggil kembali lalu dilayani tidak "
    "dihitung).",
    "Median dan P90: persentil peringkat terdekat (nearest rank); semua waktu dibulatkan ke detik terdekat.",
    "Melebihi target: nomor yang waktu tunggunya lebih lama dari target waktu tunggu layanannya.",
    "Per loket dan per petugas: waktu tunggu dihitung di loket panggilan pertama, waktu layanan dan jumlah "
    "dilayani di loket yang menyelesaikan, tidak hadir di loket yang melewati.",
)
