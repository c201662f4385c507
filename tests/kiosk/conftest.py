"""Kiosk fixtures: hubs on the kiosk test site (plus any [kiosk] section), and a 22-agency site."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import HubProcess

KIOSK_SITE = Path(__file__).with_name("site.toml")

AGENCY_NAMES = [
    ("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Perekaman KTP-el"),
    ("DPMPTSP", "Dinas Penanaman Modal dan PTSP", "Perizinan Berusaha"),
    ("BAPPENDA", "Badan Pendapatan Daerah", "Pajak Bumi dan Bangunan"),
    ("DINKES", "Dinas Kesehatan", "Surat Keterangan Sehat"),
    ("DISHUB", "Dinas Perhubungan", "Uji KIR Kendaraan"),
    ("BPJSKES", "BPJS Kesehatan", "Pendaftaran Peserta JKN"),
    ("BPJSTK", "BPJS Ketenagakerjaan", "Klaim Jaminan Hari Tua"),
    ("ATRBPN", "Kantor Pertanahan", "Pengecekan Sertifikat"),
    ("IMIGRASI", "Kantor Imigrasi", "Paspor Baru"),
    ("POLRES", "Kepolisian Resor", "Surat Keterangan Catatan Kepolisian (SKCK)"),
    ("SAMSAT", "Samsat", "Pajak Kendaraan Bermotor"),
    ("KPP", "Kantor Pelayanan Pajak Pratama", "Konsultasi NPWP"),
    ("PLN", "PLN Unit Layanan Pelanggan", "Pasang Baru Listrik"),
    ("PDAM", "Perumda Air Minum", "Sambungan Air Baru"),
    ("KEMENAG", "Kantor Kementerian Agama", "Pendaftaran Haji"),
    ("DINSOS", "Dinas Sosial", "Bantuan Sosial"),
    ("DISNAKER", "Dinas Tenaga Kerja", "Kartu Pencari Kerja (AK/I)"),
    ("DISKOP", "Dinas Koperasi dan Usaha Mikro", "Izin Usaha Mikro"),
    ("DISDIK", "Dinas Pendidikan", "Legalisir Ijazah"),
    ("PA", "Pengadilan Agama", "Informasi Perkara"),
    ("KEJARI", "Kejaksaan Negeri", "Tilang"),
    ("DLH", "Dinas Lingkungan Hidup", "Persetujuan Lingkungan"),
]


def many_agencies_site() -> str:
    """A hall with 22 agencies, one service each (prefixes AA, AB, ...)."""
    parts = ['[site]\nname = "MPP Besar"\ntimezone = "Asia/Jakarta"\n']
    codes = []
    for i, (code, name, service) in enumerate(AGENCY_NAMES):
        prefix = "A" + chr(ord("A") + i)
        codes.append(prefix)
        parts.append(f'[[agencies]]\ncode = "{code}"\nname = "{name}"\n')
        parts.append(f'[[services]]\ncode = "{prefix}"\nname = "{service}"\nagency = "{code}"\n')
    parts.append(f'[[counters]]\nid = "1"\nname = "Loket 1"\nservices = {codes!r}\n'.replace("'", '"'))
    return "\n".join(parts)


@pytest.fixture
def start_hub(tmp_path):
    """Start hubs on the kiosk test site (or `text`) with `extra` TOML appended; all stopped afterwards."""
    hubs: list[HubProcess] = []

    def start(extra: str = "", text: str | None = None) -> HubProcess:
        n = len(hubs)
        path = tmp_path / f"site-{n}.toml"
        base = KIOSK_SITE.read_text(encoding="utf-8") if text is None else text
        path.write_text(base + "\n" + extra, encoding="utf-8")
        hub = HubProcess(tmp_path / f"data-{n}", config=path)
        hubs.append(hub)
        return hub.start()

    yield start
    for hub in hubs:
        hub.stop()
