"""The site configuration: one typed model per section of the TOML file.

`SiteConfig` is the whole file: `[site]`, `[[zones]]`, `[[agencies]]`,
`[[services]]`, `[[counters]]`, `[[officers]]` (declared here) and the parts'
own sections `[display]`, `[kiosk]`, `[counter_panel]`, `[audio]`,
`[survey]`, `[pronunciation]` (declared in each package's `settings.py`) and `[data]`
(config/data.py). Every key is
declared once, as a pydantic field with its type, default, range and help text;
validation, defaults, the error wording and the key tables in
docs/configuration.md all come from that declaration.

`load_config(path)` reads and validates a file and raises `ConfigError` naming
the file, the key path (`services[3].open`) and the problem; `run.py` prints it
in one line. `dump_config(config)` gives the file's shape back (lists of tables,
times as "HH:MM"), so `parse_config(dump_config(c), c.path) == c`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w
from pydantic import AfterValidator, BeforeValidator, Field, PrivateAttr, ValidationError, model_validator

from audio.settings import (
    KEPT_CALLS_PER_ZONE,
    PRERENDERS_PER_COUNTER,
    AudioSettings,
    Pronunciation,
    minimum_cache_files,
)
from config.calendar import Calendar
from config.data import DataSettings
from config.errors import ConfigError, from_validation, invalid, shown
from config.fields import Clock, Code, Item, Line, Names, Section, Table, Text, labelled, table
from counter_panel.settings import CounterPanelSettings
from display.settings import DisplaySettings
from kiosk.settings import KioskSettings
from survey.settings import SurveySettings

__all__ = ["DEFAULT_CONFIG", "Agency", "ConfigError", "Counter", "Officer", "Service", "Site", "SiteConfig", "Zone",
           "dump_config", "dump_toml", "load_config", "parse_config"]

DEFAULT_CONFIG = Path(__file__).with_name("default.toml")

PREFIX_RE = re.compile(r"^[A-Z]{1,3}$")
Role = Literal["petugas", "koordinator", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
PIN_HASH_RE = re.compile(r"^scrypt\$[^$]*\$[^$]*\$[^$]*\$[^$]*\$[^$]*$")


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid("unknown_timezone", f'unknown time zone {value!r} (e.g. "Asia/Jakarta")',
                      f'zona waktu {shown(value)} tidak dikenal (misalnya "Asia/Jakarta")') from None
    return value


def _prefix(value: str) -> str:
    if not PREFIX_RE.match(value):
        raise invalid("prefix_format", f"ticket prefix {value!r} must be 1 to 3 capital letters A-Z",
                      f"kode antrian {shown(value)} harus 1 sampai 3 huruf kapital A-Z")
    return value


def _pin_hash(value: str) -> str:
    if not PIN_HASH_RE.match(value):
        raise invalid("pin_hash_format", "not a hash from `python run.py hash-pin PIN`",
                      "bukan hash dari `python run.py hash-pin PIN`")
    return value


def _counter_id(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Site(Section):
    """`[site]`: the hall itself."""

    name: Text = Field(description="The hall's name, shown on the TVs, the kiosk and the tickets.",
        **labelled("Nama MPP", "Nama mal pelayanan publik, tampil di TV, kios, dan tiket."))
    timezone: Annotated[Text, AfterValidator(_timezone)] = Field(
        "Asia/Jakarta", description="IANA time zone; the day (and ticket numbering) restarts at local midnight. "
        "Use Asia/Makassar (WITA) or Asia/Jayapura (WIT) elsewhere.",
        **labelled("Zona waktu", "Zona waktu IANA: Asia/Jakarta (WIB), Asia/Makassar (WITA) atau Asia/Jayapura "
                                 "(WIT). Nomor antrian dimulai lagi setiap tengah malam waktu setempat."))
    address: Line = Field("", description="Shown on the TVs and printed on tickets.",
        **labelled("Alamat", "Tampil di TV dan dicetak di tiket."))
    logo: Annotated[Line | None, AfterValidator(lambda v: v or None)] = Field(
        None, description="Image file for the TV header (PNG, JPG, SVG, WebP, GIF); a relative path is relative "
        "to the site file's folder (see docs/display.md).",
        **labelled("Logo", "Berkas gambar logo untuk kepala layar TV (PNG, JPG, SVG, WebP, GIF), relatif terhadap "
                           "folder berkas pengaturan."))
    running_text: Line = Field("", description="The TVs' running text line; empty hides it.",
        **labelled("Teks berjalan", "Teks berjalan di layar TV; kosongkan untuk menyembunyikannya."))
    max_consecutive_priority: int = Field(
        3, ge=1, le=100, description="Priority tickets a counter calls in a row while regular tickets wait.",
        **labelled("Prioritas berturut-turut", "Berapa nomor prioritas yang dipanggil berturut-turut di satu loket "
                                               "selama masih ada nomor biasa yang menunggu."))
    session_idle_minutes: int = Field(
        480, ge=1, le=24 * 60, description="An officer's session ends after this many minutes without activity.",
        **labelled("Batas diam sesi (menit)", "Petugas otomatis keluar setelah sekian menit tanpa kegiatan."))
    tickets_per_minute: int = Field(
        6, ge=0, le=10_000, description="Tickets one device (network address) may take per minute, after a burst "
        "of tickets_burst; 0 = no limit. A kiosk at the morning rush stays well under it; a script on a phone "
        "cannot empty a quota.",
        **labelled("Nomor per menit per perangkat", "Nomor yang boleh diambil satu perangkat per menit setelah "
                                                    "batas awal; 0 = tanpa batas."))
    tickets_burst: int = Field(
        20, ge=1, le=10_000, description="Tickets one device may take at once before tickets_per_minute applies.",
        **labelled("Batas awal per perangkat", "Nomor yang boleh diambil satu perangkat sekaligus sebelum batas "
                                               "per menit berlaku."))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Zone(Item):
    """`[[zones]]`: an area of the hall with its own TVs."""

    key = "id"
    duplicate = ("duplicate zone {key}", "zona {key} dipakai dua kali")
    copied = {"name": "id"}

    id: Text = Field(description="Used in the TV's address: /display?zone=ID.",
        **labelled("Kode zona", "Dipakai di alamat TV: /display?zone=KODE."))
    name: Text = Field(None, description="Shown on the TV.",
        **labelled("Nama zona", "Tampil di TV. Kosong: kode zona.", **{"x-default": "the id"}))



class Agency(Item):
    """`[[agencies]]`: an agency (instansi) serving in the hall."""

    key = "code"
    duplicate = ("duplicate agency code {key}", "kode instansi {key} dipakai dua kali")
    copied = {"short_name": "code"}

    code: Code = Field(description="Short id: letters, digits, '-', '_'.",
        **labelled("Kode instansi", "Kode singkat: huruf, angka, '-' dan '_'."))
    name: Text = Field(description='Full name, e.g. "Dinas Kependudukan dan Pencatatan Sipil".',
        **labelled("Nama instansi", "Nama lengkap, misalnya \"Dinas Kependudukan dan Pencatatan Sipil\"."))
    short_name: Text = Field(None, description="Short name for tiles, tickets and spoken calls.",
        **labelled("Nama singkat", "Untuk ubin kios, tiket, dan panggilan suara. Kosong: kode instansi.",
                                   **{"x-default": "the code"}))



class Service(Item):
    """`[[services]]`: a service (layanan) citizens take a ticket for."""

    key = "code"
    duplicate = ("duplicate ticket prefix {key}", "kode antrian {key} dipakai dua kali")

    code: Annotated[Text, AfterValidator(_prefix)] = Field(
        description="1 to 3 capital letters; also the ticket prefix (A -> A001), restarting every day.",
        **labelled("Kode antrian", "1 sampai 3 huruf kapital; juga awalan nomor antrian (A menjadi A001), dimulai "
                                   "lagi setiap hari. Tidak dapat diganti pada hari layanan ini sudah membagikan "
                                   "nomor.", **{"pattern": PREFIX_RE.pattern}))
    name: Text = Field(description='e.g. "Perekaman KTP-el".',
        **labelled("Nama layanan", "Misalnya \"Perekaman KTP-el\"."))
    agency: Text | None = Field(None, description="The code of the agency that serves it.",
        **labelled("Instansi", "Instansi yang melayani layanan ini."))
    daily_quota: int | None = Field(
        None, ge=1, le=99_999, description="Tickets per day; the kiosk refuses more with a clear message. "
        "Unset: no limit.",
        **labelled("Kuota harian", "Jumlah nomor per hari; sesudahnya kios menolak dengan pesan yang jelas. "
                                   "Kosong: tanpa batas."))
    open: Clock | None = Field(None, description="Local time from which tickets are handed out. Unset: all day.",
        **labelled("Jam buka", "Mulai pukul berapa nomor dibagikan (di dalam jam buka MPP). Kosong: sepanjang jam "
                               "buka MPP."))
    close: Clock | None = Field(None, description="Local time after which no more tickets are handed out "
                                "(after open). Unset: all day.",
        **labelled("Jam tutup", "Sesudah pukul berapa nomor tidak dibagikan lagi (sesudah jam buka). Kosong: "
                                "sepanjang jam buka MPP."))
    target_wait_minutes: int = Field(
        30, ge=1, le=24 * 60, description="The longest wait (issue to first call) this service aims for, in "
        "minutes; reports count the tickets that waited longer (`over_target`, docs/reports.md).",
        **labelled("Target waktu tunggu (menit)", "Waktu tunggu terlama yang diharapkan, dari ambil nomor sampai "
                                                  "dipanggil. Laporan menghitung nomor yang menunggu lebih lama."))
    description: Line = Field("", description="Shown on the kiosk.",
        **labelled("Keterangan", "Tampil di kios di bawah nama layanan."))
    active: bool = Field(True, description="false: the kiosk does not offer it and no ticket is issued for it; it "
                         "stays in the configuration, its counters and its reports.",
        **labelled("Aktif", "Matikan untuk menghentikan layanan sementara: kios tidak menawarkannya dan nomor "
                            "tidak dibagikan; layanan tetap tersimpan beserta loket dan laporannya."))

    @model_validator(mode="after")
    def _hours(self) -> Service:
        if self.open and self.close and self.close <= self.open:
            raise invalid("hours_order",
                          f"closing time {self.close:%H:%M} must be after opening time {self.open:%H:%M}",
                          f"jam tutup {self.close:%H:%M} harus sesudah jam buka {self.open:%H:%M}", at=("close",))
        return self


class Counter(Item):
    """`[[counters]]`: a counter (loket) and the services it calls."""

    key = "id"
    duplicate = ("duplicate counter id {key}", "nomor loket {key} dipakai dua kali")

    id: Annotated[Code, BeforeValidator(_counter_id)] = Field(
        description="Unique; letters, digits, '-', '_' (a number is accepted too).",
        **labelled("Kode loket", "Unik; huruf, angka, '-' dan '_'."))
    name: Text = Field(description='"Loket 3": shown on the TVs and spoken in calls.',
        **labelled("Nama loket", "Misalnya \"Loket 3\": tampil di TV dan diucapkan saat memanggil."))
    services: Annotated[Names, Field(min_length=1)] = Field(
        description='Codes of the services this counter calls, e.g. ["A", "B"].',
        **labelled("Layanan", "Layanan yang dipanggil di loket ini."))
    zone: Text = Field("utama", description="The zone (id) whose TVs show this counter's calls.",
        **labelled("Zona", "Zona yang TV-nya menampilkan panggilan loket ini."))


class Officer(Item):
    """`[[officers]]`: someone who logs in: a petugas at the counter panel, a koordinator or an admin also
    at the admin console (/admin)."""

    key = "username"
    duplicate = ("duplicate username {key}", "nama pengguna {key} dipakai dua kali")

    username: Text = Field(description="Log-in name, unique.",
        **labelled("Nama pengguna", "Untuk masuk; unik."))
    name: Text = Field(description="Full name.",
        **labelled("Nama lengkap", "Nama lengkap petugas."))
    pin_hash: Annotated[Text, AfterValidator(_pin_hash)] | None = Field(
        None, description="From `python run.py hash-pin 123456` (scrypt, salted); never the PIN itself. Unset: the "
        "officer cannot log in until a PIN is set in the admin console.",
        **labelled("Hash PIN", "Dari `python run.py hash-pin 123456`; bukan PIN-nya. Di konsol admin cukup isi PIN "
                               "baru."))
    counters: Names | None = Field(
        None, description="Ids of the counters this officer may use. Unset: any counter; an empty list: none yet.",
        **labelled("Loket", "Loket yang boleh dipakai: semua loket (tidak diisi), atau loket yang dicentang. Tanpa "
                            "loket dicentang: belum dapat memanggil di loket mana pun."))
    role: Role = Field("petugas", description='"petugas" works at the counters; "koordinator" also manages the '
                       "services, counters and officers of one agency in the admin console; \"admin\" manages "
                       "everything.",
        **labelled("Peran", "Petugas bekerja di loket; koordinator juga mengelola layanan, loket, dan petugas satu "
                            "instansi; admin mengelola semuanya."))
    agency: Text | None = Field(
        None, description="The agency (code) the officer belongs to; required for a koordinator, who manages "
        "that agency only.",
        **labelled("Instansi", "Instansi petugas; wajib untuk koordinator, yang hanya mengelola instansi itu."))
    active: bool = Field(True, description="false: the officer cannot log in and their sessions end; they stay in "
                         "the configuration and in the history.",
        **labelled("Aktif", "Matikan untuk menonaktifkan: petugas tidak dapat masuk dan sesinya berakhir; datanya "
                            "tetap tersimpan."))

    def may_use(self, counter_id: str) -> bool:
        return self.active and (self.counters is None or counter_id in self.counters)


class SiteConfig(Section):
    """The whole site file. Sections in the order a file is written."""

    site: Site = Field(description="The hall itself.", **labelled("Pengaturan umum"))
    zones: Table[Zone] = table("Areas of the hall with their own TVs. Without [[zones]], the zones named by "
                               "counters are used as they are.", "Zona", "Area MPP yang punya TV sendiri.")
    agencies: Table[Agency] = table("The agencies serving in the hall.", "Instansi", "Instansi yang melayani di MPP.")
    services: Table[Service] = table("What citizens take a ticket for; at least one.", "Layanan",
                                     "Layanan yang nomornya diambil warga; paling sedikit satu.")
    counters: Table[Counter] = table("The counters and the services each calls; at least one.", "Loket",
                                     "Loket dan layanan yang dipanggil di masing-masing; paling sedikit satu.")
    officers: Table[Officer] = table("Who may log in at a counter panel and at the admin console.", "Petugas",
                                     "Siapa yang boleh masuk di panel loket dan di konsol admin.")
    calendar: Calendar = Field(
        default_factory=Calendar, description="When the hall hands out tickets: opening hours per weekday, breaks, "
        "holidays and closures (server/opening.py).",
        **labelled("Kalender", "Kapan MPP membagikan nomor: jam buka per hari, istirahat, hari libur, dan "
                               "penutupan."))
    display: DisplaySettings = Field(default_factory=DisplaySettings, description="The TVs (docs/display.md).",
                                     **labelled("Layar TV"))
    kiosk: KioskSettings = Field(default_factory=KioskSettings,
                                 description="The ticket kiosks and their printers (docs/kiosk.md).",
                                 **labelled("Kios"))
    counter_panel: CounterPanelSettings = Field(default_factory=CounterPanelSettings,
                                                description="The officers' counter panel (docs/counter_panel.md).",
                                                **labelled("Panel loket"))
    audio: AudioSettings = Field(default_factory=AudioSettings, description="Spoken calls (docs/audio.md).",
                                 **labelled("Suara panggilan"))
    survey: SurveySettings = Field(default_factory=SurveySettings,
                                   description="The citizen satisfaction survey (SKM) and its IKM (docs/survey.md).",
                                   **labelled("Survei kepuasan"))
    pronunciation: Pronunciation = Field(
        default_factory=dict, description='How names are spoken: word = "spoken form" (docs/audio.md).',
        **labelled("Pelafalan"))
    data: DataSettings = Field(default_factory=DataSettings, description="Backups and how long ticket history is "
                               "kept (docs/operations.md).", **labelled("Data dan cadangan"))

    _path: str = PrivateAttr("<config>")

    @model_validator(mode="after")
    def _references(self) -> SiteConfig:
        if not self.services:
            raise invalid("required", "at least one [[services]] entry is required",
                          "paling sedikit satu layanan [[services]] harus ada", at=("services",))
        if not self.counters:
            raise invalid("required", "at least one [[counters]] entry is required",
                          "paling sedikit satu loket [[counters]] harus ada", at=("counters",))
        for i, service in enumerate(self.services.values()):
            if service.agency is not None and service.agency not in self.agencies:
                raise _unknown("agency", service.agency, "[[agencies]]", ("services", i, "agency"))
        declared_zones = list(self.zones)
        for i, counter in enumerate(self.counters.values()):
            for code in counter.services:
                if code not in self.services:
                    raise _unknown("service", code, "[[services]]", ("counters", i, "services"))
            if declared_zones and counter.zone not in self.zones:
                listed = ", ".join(declared_zones)
                raise invalid("unknown_reference", f"unknown zone {counter.zone!r} (declared zones: {listed})",
                              f"zona {shown(counter.zone)} tidak dikenal (zona yang ada: {listed})",
                              at=("counters", i, "zone"))
            if counter.zone not in self.zones:  # no [[zones]]: the counters' zones are the zones
                self.zones[counter.zone] = Zone(id=counter.zone)
        for i, officer in enumerate(self.officers.values()):
            for counter_id in officer.counters or ():
                if counter_id not in self.counters:
                    raise _unknown("counter", counter_id, "[[counters]]", ("officers", i, "counters"))
            if officer.agency is not None and officer.agency not in self.agencies:
                raise _unknown("agency", officer.agency, "[[agencies]]", ("officers", i, "agency"))
            if officer.role == "koordinator" and officer.agency is None:
                raise invalid("required", "a koordinator needs `agency`: the agency they manage",
                              "koordinator wajib punya instansi (agency) yang dikelolanya",
                              at=("officers", i, "agency"))
        for code in self.audio.agency_templates:
            if code not in self.agencies:
                raise _unknown("agency", code, "[[agencies]]", ("audio", "agency_templates", code))
        zones, counters = len(self.zones), len(self.counters)
        if self.audio.cache_max_files < (needed := minimum_cache_files(zones, counters)):
            raise invalid(
                "too_small",
                f"must be at least {needed} for this site ({KEPT_CALLS_PER_ZONE} calls kept for each of {zones} "
                f"zone(s) while a TV may still play them, and {PRERENDERS_PER_COUNTER} rendered ahead for each of "
                f"{counters} counter(s)), got {self.audio.cache_max_files}",
                f"paling sedikit {needed} untuk lokasi ini ({KEPT_CALLS_PER_ZONE} panggilan disimpan untuk setiap "
                f"zona dari {zones} zona selama TV mungkin masih memutarnya, dan {PRERENDERS_PER_COUNTER} disiapkan "
                f"lebih dulu untuk setiap loket dari {counters} loket), bukan {self.audio.cache_max_files}",
                at=("audio", "cache_max_files"))
        return self

    @property
    def path(self) -> str:
        """The file this configuration was read from ("<config>" when it was not read from a file)."""
        return self._path

    def beside(self, value: str) -> Path:
        """A path from the configuration (a logo, a media folder): relative ones are relative to the file's folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else Path(self._path).resolve().parent / path

    def counters_serving(self, service: str) -> list[Counter]:
        return [c for c in self.counters.values() if service in c.services]


_WORDS_ID = {"agency": "instansi", "service": "layanan", "counter": "loket"}


def _unknown(what: str, value: str, section: str, at: tuple) -> Exception:
    return invalid("unknown_reference", f"unknown {what} {value!r} (declare it in {section})",
                   f"{_WORDS_ID[what]} {shown(value)} tidak dikenal (tambahkan di {section})", at=at)


def load_config(path: str | Path = DEFAULT_CONFIG) -> SiteConfig:
    """Read and validate a TOML site file. Raises ConfigError (file, key path, problem)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "file not found", "berkas tidak ditemukan", "file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "(file)", f"cannot be read: {exc}", f"berkas tidak dapat dibaca: {exc}",
                          "file") from None
    return parse_toml(text, path)


def parse_toml(text: str, path: str | Path = "<config>") -> SiteConfig:
    """Validate a site file's text. Raises ConfigError; a TOML syntax error has the path "(syntax)"."""
    return parse_config(read_toml(text, path), path)


def read_toml(text: str, path: str | Path = "<config>") -> dict[str, Any]:
    """A TOML text's tables, not yet validated. Raises ConfigError with the path "(syntax)" when it is
    not TOML, or nests arrays or tables past what Python's stack holds (tomllib recurses)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(syntax)", f"invalid TOML: {exc}", f"TOML tidak sah: {exc}", "syntax") from None
    except RecursionError:
        raise ConfigError(path, "(syntax)", "invalid TOML: arrays or tables nested too deeply",
                          "TOML tidak sah: larik atau tabel bertingkat terlalu dalam", "syntax") from None


def parse_config(raw: dict[str, Any], path: str | Path = "<config>") -> SiteConfig:
    """Validate an already-parsed configuration (the TOML file's tables, or the same shape as JSON).

    `path` is the file it came from: error messages name it, and relative paths in the
    configuration are relative to its folder. Raises ConfigError on the first problem.
    """
    try:
        config = SiteConfig.model_validate(raw)
    except ValidationError as exc:
        raise from_validation(exc, path, SiteConfig) from None
    config._path = str(path)
    return config


def dump_config(config: SiteConfig) -> dict[str, Any]:
    """The configuration in the file's shape, JSON-ready: sections as tables, `[[services]]` and the
    like as lists of tables, times as "HH:MM"; unset optional keys are left out."""
    return config.model_dump(mode="json", exclude_none=True)


def dump_toml(config: SiteConfig) -> str:
    """The configuration as a TOML site file that `load_config` reads back to an equal configuration."""
    return tomli_w.dumps(dump_config(config))
