"""The `[audio]` and `[pronunciation]` sections, validated once at start.

Every key is declared in `SETTINGS` with its default and a help text;
`docs/audio.md` documents each one and a test checks that it does.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.site import ConfigError, SiteConfig

OUTPUTS = ("display", "server", "both", "off")
ENGINES = ("espeak-ng", "pyttsx3")
NUMBER_MODES = ("words", "digits")
PLAYERS = ("auto", "paplay", "aplay", "none")
SECOND_LANGUAGES = ("", "en")
PLACEHOLDERS = ("letter", "number", "counter", "service", "agency", "zone")

DEFAULT_TEMPLATE = "Nomor antrian, {letter}, {number}. Silakan menuju {counter}."
# The comma after {letter} matters: without it espeak-ng's English voice reads "A" as the article.
DEFAULT_TEMPLATE_EN = "Queue number {letter}, {number}. Please proceed to {counter}."


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    help: str


SETTINGS = (
    Setting("output", "display", 'Where calls are heard: "display" (the TV browsers play them), '
            '"server" (the hub PC\'s own sound output), "both", or "off" (text only).'),
    Setting("engine", "espeak-ng", 'Speech engine: "espeak-ng" (the espeak-ng command, one process per phrase; '
            'the default) or "pyttsx3" (libespeak-ng in-process through pyttsx3, hardened; see docs/audio.md).'),
    Setting("voice", "id", "espeak-ng voice for the Indonesian phrase (`espeak-ng --voices=id` lists them)."),
    Setting("rate", 150, "Speaking rate in words per minute, 80 to 450."),
    Setting("volume", 1.0, "Speech volume from 0.0 to 1.0."),
    Setting("number_mode", "words", '"words" says A123 as "a, seratus dua puluh tiga"; '
            '"digits" says A007 as "a, nol nol tujuh".'),
    Setting("template", DEFAULT_TEMPLATE, "The Indonesian phrase. Placeholders: "
            + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + "."),
    Setting("agency_templates", {}, "Table of agency code = template, replacing `template` for that "
            "agency's services."),
    Setting("second_language", "", 'Set to "en" to repeat every call in English after the Indonesian phrase.'),
    Setting("template_en", DEFAULT_TEMPLATE_EN, "The English phrase used when second_language is \"en\"."),
    Setting("voice_en", "en", "espeak-ng voice for the English phrase."),
    Setting("chime", True, "Play a two-tone ding-dong before every call."),
    Setting("cache_dir", "", "Directory for rendered WAV files; relative paths are relative to the "
            "configuration file. Empty: the directory the hub chooses."),
    Setting("cache_max_files", 2000, "Rendered calls kept on disk; beyond this the least recently used are deleted."),
    Setting("player", "auto", 'Server-mode sound output: "auto" (paplay, else aplay), "paplay", "aplay" or "none".'),
)


@dataclass(frozen=True)
class AudioSettings:
    output: str = "display"
    engine: str = "espeak-ng"
    voice: str = "id"
    rate: int = 150
    volume: float = 1.0
    number_mode: str = "words"
    template: str = DEFAULT_TEMPLATE
    agency_templates: dict[str, str] = field(default_factory=dict)
    second_language: str = ""
    template_en: str = DEFAULT_TEMPLATE_EN
    voice_en: str = "en"
    chime: bool = True
    cache_dir: Path | None = None
    cache_max_files: int = 2000
    player: str = "auto"
    # [pronunciation]: lower-cased word -> spoken form
    pronunciation: dict[str, str] = field(default_factory=dict)


def load_settings(config: SiteConfig) -> AudioSettings:
    """Validate `[audio]` and `[pronunciation]`; raise `ConfigError` naming the key."""
    raw = dict(config.sections.get("audio") or {})
    path = config.path

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(path, f"audio.{key}", problem)

    known = {s.key for s in SETTINGS}
    for key in raw:
        if key not in known:
            raise fail(key, f"unknown key (allowed: {', '.join(sorted(known))})")

    def choice(key: str, allowed: tuple[str, ...], default: str) -> str:
        value = raw.get(key, default)
        if value not in allowed:
            shown = ", ".join(f'"{a}"' for a in allowed)
            raise fail(key, f"must be one of {shown}, got {value!r}")
        return value

    def text(key: str, default: str) -> str:
        value = raw.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise fail(key, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def template(key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(path, key, f"must be a non-empty string, got {value!r}")
        try:
            fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(value) if f is not None]
        except ValueError as exc:
            raise ConfigError(path, key, f"has unbalanced braces ({exc}); write {{{{ for a literal brace") from None
        for name, spec, conv in fields:
            if name not in PLACEHOLDERS or spec or conv:
                allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                raise ConfigError(path, key, f"unknown placeholder {{{name}}} (allowed: {allowed})")
        return value.strip()

    rate = raw.get("rate", 150)
    if isinstance(rate, bool) or not isinstance(rate, int) or not 80 <= rate <= 450:
        raise fail("rate", f"must be a whole number of words per minute from 80 to 450, got {rate!r}")
    volume = raw.get("volume", 1.0)
    if isinstance(volume, bool) or not isinstance(volume, int | float) or not 0 <= volume <= 1:
        raise fail("volume", f"must be a number from 0.0 to 1.0, got {volume!r}")
    chime = raw.get("chime", True)
    if not isinstance(chime, bool):
        raise fail("chime", f"must be true or false, got {chime!r}")
    max_files = raw.get("cache_max_files", 2000)
    if isinstance(max_files, bool) or not isinstance(max_files, int) or not 10 <= max_files <= 1_000_000:
        raise fail("cache_max_files", f"must be a whole number from 10 to 1000000, got {max_files!r}")

    cache_dir = raw.get("cache_dir", "")
    if not isinstance(cache_dir, str):
        raise fail("cache_dir", f"must be a directory path string, got {cache_dir!r}")
    resolved_cache: Path | None = None
    if cache_dir.strip():
        resolved_cache = Path(cache_dir.strip())
        if not resolved_cache.is_absolute():
            resolved_cache = Path(path).resolve().parent / resolved_cache

    agency_templates = raw.get("agency_templates", {})
    if not isinstance(agency_templates, dict):
        raise fail("agency_templates", "must be a table [audio.agency_templates]")
    checked_agency_templates = {}
    for code, value in agency_templates.items():
        if code not in config.agencies:
            raise fail(f"agency_templates.{code}", f"unknown agency {code!r} (declare it in [[agencies]])")
        checked_agency_templates[code] = template(f"audio.agency_templates.{code}", value)

    return AudioSettings(
        output=choice("output", OUTPUTS, "display"),
        engine=choice("engine", ENGINES, "espeak-ng"),
        voice=text("voice", "id"),
        rate=rate,
        volume=float(volume),
        number_mode=choice("number_mode", NUMBER_MODES, "words"),
        template=template("audio.template", raw.get("template", DEFAULT_TEMPLATE)),
        agency_templates=checked_agency_templates,
        second_language=choice("second_language", SECOND_LANGUAGES, ""),
        template_en=template("audio.template_en", raw.get("template_en", DEFAULT_TEMPLATE_EN)),
        voice_en=text("voice_en", "en"),
        chime=chime,
        cache_dir=resolved_cache,
        cache_max_files=max_files,
        player=choice("player", PLAYERS, "auto"),
        pronunciation=_pronunciation(config),
    )


def _pronunciation(config: SiteConfig) -> dict[str, str]:
    out: dict[str, str] = {}
    for word, spoken in (config.sections.get("pronunciation") or {}).items():
        key = f"pronunciation.{word}"
        if not word.strip():
            raise ConfigError(config.path, key, "the word to replace must not be empty")
        if not isinstance(spoken, str) or not spoken.strip():
            raise ConfigError(config.path, key, f'must be the spoken form as a string, e.g. "bapenda", got {spoken!r}')
        if word.strip().lower() in out:
            raise ConfigError(config.path, key, "listed twice (words match regardless of case)")
        out[word.strip().lower()] = spoken.strip()
    return out
