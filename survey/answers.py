"""One citizen's answers to the SKM, read and checked (pure: no I/O).

A response is the nine scores by unsur key, an optional free-text *saran* and an
optional respondent profile (jenis kelamin, usia, pendidikan, pekerjaan: the
regulation's questionnaire asks for these, as ranges and groups here so that the
tablet needs one touch each). No name and no NIK are ever taken. Every refusal is
a `HubError` with status 422 and an Indonesian message naming what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from server.errors import HubError
from survey.ikm import SCORES, UNSUR

SARAN_MAX = 1000  # characters of a saran
Channel = Literal["tablet", "status"]  # the counter tablet, or the citizen's phone (status page, ticket QR)
CHANNELS: tuple[str, ...] = ("tablet", "status")

# The optional respondent profile: key -> (label, ((code, label), ...)), in the order asked.
PROFILE: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "jenis_kelamin": ("Jenis kelamin", (("laki_laki", "Laki-laki"), ("perempuan", "Perempuan"))),
    "usia": ("Usia", (("di_bawah_20", "Di bawah 20 tahun"), ("20_29", "20–29 tahun"), ("30_39", "30–39 tahun"),
                      ("40_49", "40–49 tahun"), ("50_59", "50–59 tahun"), ("60_ke_atas", "60 tahun ke atas"))),
    "pendidikan": ("Pendidikan terakhir", (("sd", "SD atau di bawahnya"), ("smp", "SMP/sederajat"),
                                           ("sma", "SMA/SMK/sederajat"), ("diploma", "Diploma (D1–D4)"),
                                           ("s1", "Sarjana (S1)"), ("s2", "Pascasarjana (S2/S3)"))),
    "pekerjaan": ("Pekerjaan", (("pns", "PNS/ASN"), ("tni_polri", "TNI/Polri"), ("swasta", "Pegawai swasta"),
                                ("wirausaha", "Wirausaha"), ("pelajar", "Pelajar/mahasiswa"),
                                ("lainnya", "Lainnya"))),
}

CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Response:
    """A checked response: `answers` holds all nine unsur keys with scores 1–4; `profile` only what was given."""

    answers: dict[str, int]
    saran: str | None = None
    profile: dict[str, str] = field(default_factory=dict)
    channel: str = "status"


def invalid(code: str, message: str) -> HubError:
    return HubError(code, message, status=422)


def read_response(data: dict[str, Any]) -> Response:
    """A response from a request's JSON object `{"answers": {...}, "saran": "...", "profile": {...}}`.
    Raises HubError 422: a missing unsur, an unknown key, a score outside 1–4, a saran too long, an
    unknown profile field or answer."""
    return Response(answers=read_answers(data.get("answers")), saran=read_saran(data.get("saran")),
                    profile=read_profile(data.get("profile")), channel=read_channel(data.get("channel")))


def read_answers(answers: Any) -> dict[str, int]:
    if not isinstance(answers, dict):
        raise invalid("missing_field" if answers is None else "invalid_field",
                      "Kolom 'answers' wajib diisi: nilai 1 sampai 4 untuk setiap unsur.")
    unknown = [key for key in answers if key not in UNSUR]
    if unknown:
        raise invalid("unknown_unsur", f"Unsur '{str(unknown[0])[:40]}' tidak dikenal. Unsur yang ada: "
                      f"{', '.join(UNSUR)}.")
    missing = [key for key in UNSUR if key not in answers or answers[key] is None]
    if missing:
        raise invalid("missing_unsur", f"Jawaban untuk unsur '{missing[0]}' belum diisi.")
    for key in UNSUR:
        score = answers[key]
        if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
            raise invalid("invalid_score", f"Nilai unsur '{key}' harus bilangan bulat 1 sampai 4.")
    return {key: answers[key] for key in UNSUR}


def read_saran(saran: Any) -> str | None:
    if saran is None:
        return None
    if not isinstance(saran, str):
        raise invalid("invalid_field", "Kolom 'saran' harus berupa teks.")
    text = CONTROL_RE.sub("", saran.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > SARAN_MAX:
        raise invalid("saran_too_long", f"Saran terlalu panjang: paling banyak {SARAN_MAX} karakter "
                      f"(sekarang {len(text)}).")
    return text or None


def read_profile(profile: Any) -> dict[str, str]:
    if profile is None:
        return {}
    if not isinstance(profile, dict):
        raise invalid("invalid_field", "Kolom 'profile' harus berupa objek.")
    read = {}
    for key, value in profile.items():
        if key not in PROFILE:
            raise invalid("unknown_profile_field", f"Data responden '{str(key)[:40]}' tidak dikenal. Yang dapat "
                          f"diisi: {', '.join(PROFILE)}.")
        if value is None:
            continue
        label, choices = PROFILE[key]
        codes = [code for code, _ in choices]
        if value not in codes:
            raise invalid("invalid_profile", f"Pilihan {label.lower()} tidak dikenal. Pilihan yang ada: "
                          f"{', '.join(codes)}.")
        read[key] = value
    return read


def read_channel(channel: Any) -> str:
    if channel is None:
        return "status"
    if channel not in CHANNELS:
        raise invalid("invalid_field", "Kolom 'channel' harus 'tablet' atau 'status'.")
    return channel
