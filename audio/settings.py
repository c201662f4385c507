"""The `[audio]` and `[pronunciation]` sections (keys in docs/configuration.md).

Declared once as typed models; `config.site.SiteConfig` holds them as
`config.audio` and `config.pronunciation`, validated at every start whether
spoken calls are on or off.
"""

from __future__ import annotations

import string
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from config.errors import invalid, shown
from config.fields import Line, Section, Text

PLACEHOLDERS = ("letter", "number", "counter", "service", "agency", "zone")

# The pyttsx3 worker's deadline stays short of what waits for it: the espeak-ng command's own 5 s
# fallback render must still fit in a TV's 10 s wait for the call's WAV (audio/routes.py).
MIN_WORKER_TIMEOUT, MAX_WORKER_TIMEOUT = 0.5, 4.0
# A call's WAV is never deleted while a TV may still play it: at least the last 12 calls of each zone
# (the displays' history, display/static/display.js RECENT) are kept, whatever the cache size. The
# hall also renders the next 2 calls of each counter ahead (server/hall.py). cache_max_files must
# leave room for both, or every new render would push out one that is about to be used.
KEPT_CALLS_PER_ZONE = 12
PRERENDERS_PER_COUNTER = 2


def minimum_cache_files(zones: int, counters: int) -> int:
    """The smallest `cache_max_files` for a site with `zones` zones and `counters` counters (at least 10)."""
    return max(10, KEPT_CALLS_PER_ZONE * zones + PRERENDERS_PER_COUNTER * counters)


DEFAULT_TEMPLATE = "Nomor antrian, {letter}, {number}. Silakan menuju {counter}."
# The comma after {letter} matters: without it espeak-ng's English voice reads "A" as the article.
DEFAULT_TEMPLATE_EN = "Queue number {letter}, {number}. Please proceed to {counter}."


def _template(value: str) -> str:
    allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    try:
        fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(value) if f is not None]
    except ValueError as exc:
        raise invalid("template_braces", f"has unbalanced braces ({exc}); write {{{{ for a literal brace",
                      f"kurung kurawal tidak berpasangan ({exc}); tulis {{{{ untuk kurung kurawal biasa") from None
    for name, spec, conv in fields:
        if name not in PLACEHOLDERS or spec or conv:
            raise invalid("template_placeholder", f"unknown placeholder {{{name}}} (allowed: {allowed})",
                          f"isian {{{name}}} tidak dikenal (yang boleh: {allowed})")
    return value


# A spoken phrase with {placeholders}.
Template = Annotated[Text, AfterValidator(_template)]


def _words(table: dict[str, str]) -> dict[str, str]:
    seen: set[str] = set()
    for word in table:
        if not word.strip():
            raise invalid("empty_word", "the word to replace must not be empty",
                          "kata yang diganti tidak boleh kosong", at=(word,))
        if word.strip().lower() in seen:
            raise invalid("duplicate", "listed twice (words match regardless of case)",
                          f"{shown(word)} tertulis dua kali (huruf besar dan kecil dianggap sama)", at=(word,))
        seen.add(word.strip().lower())
    return table


# [pronunciation]: word = "spoken form". Words match whole words regardless of case.
Pronunciation = Annotated[dict[str, Text], AfterValidator(_words)]


def spoken_words(pronunciation: dict[str, str]) -> dict[str, str]:
    """`[pronunciation]` as the phrase builder looks words up: lower-cased word -> spoken form."""
    return {word.strip().lower(): spoken for word, spoken in pronunciation.items()}


class AudioSettings(Section):
    """`[audio]`: spoken calls. Every key is optional."""

    output: Literal["display", "server", "both", "off"] = Field(
        "display", description='Where calls are heard: "display" (the TV browsers play them), "server" (the hub '
        'PC\'s own sound output; the TVs do not play them), "both", or "off" (text only, nothing rendered).')
    engine: Literal["pyttsx3", "espeak-ng"] = Field(
        "pyttsx3", description='Speech engine: "pyttsx3" (pyttsx3 on espeak-ng in a worker process the hub restarts '
        'when it hangs, the espeak-ng command rendering what it fails; the default) or "espeak-ng" (the espeak-ng '
        'command, one process per phrase). See docs/audio.md.')
    worker_timeout: float = Field(
        2.0, ge=MIN_WORKER_TIMEOUT, le=MAX_WORKER_TIMEOUT, description="Seconds the pyttsx3 worker has to render one "
        "phrase (it takes ~15 ms); past it the worker is killed and restarted and the phrase is rendered by the "
        "espeak-ng command.")
    voice: Text = Field("id", description="espeak-ng voice for the Indonesian phrase (`espeak-ng --voices=id` lists "
                        "them). A missing voice is reported at start and the hub plays the chime only.")
    rate: int = Field(150, ge=80, le=450, description="Speaking rate in words per minute.")
    volume: float = Field(1.0, ge=0.0, le=1.0, description="Speech volume.")
    number_mode: Literal["words", "digits"] = Field(
        "words", description='"words" says A123 as "a, seratus dua puluh tiga"; "digits" says A007 as '
        '"a, nol nol tujuh".')
    template: Template = Field(
        DEFAULT_TEMPLATE, description="The Indonesian phrase. Placeholders: {letter} (the prefix's letter names), "
        "{number}, {counter}, {service}, {agency} (short name), {zone}; unknown placeholders are refused; write {{ "
        "for a literal brace.")
    agency_templates: dict[str, Template] = Field(
        default_factory=dict, description='Table [audio.agency_templates] of AGENCY_CODE = "template", replacing '
        "template for that agency's services.")
    second_language: Literal["", "en"] = Field(
        "", description='"en" repeats every call in English after the Indonesian phrase, in the same sound file.')
    template_en: Template = Field(
        DEFAULT_TEMPLATE_EN, description='The English phrase used when second_language is "en" (same placeholders; '
        'numbers in English words). Keep a comma after {letter}: espeak-ng\'s English voice reads a lone "A" before '
        'a word as the article "uh".')
    voice_en: Text = Field("en", description="espeak-ng voice for the English phrase.")
    chime: bool = Field(True, description="A two-tone ding-dong before every call; also the fallback sound when "
                        "speech is unavailable.")
    cache_dir: Line = Field(
        "", description="Folder for rendered calls (WAV); a relative path is relative to the site file's folder. "
        "Empty: the hub's data folder (data/audio-cache).")
    cache_max_files: int = Field(
        2000, ge=10, le=1_000_000, description="Rendered calls kept on disk (about 300 KB each); beyond it the least "
        "recently used are deleted down to 90%, never a call a TV may still play. At least 12 per zone plus 2 per "
        "counter: a smaller value is refused with the number the site needs.")
    voice_pack: bool = Field(
        False, description="Speak calls in the hall's own recorded voice (the clips in voice_pack_dir) whenever every "
        "clip a call needs is recorded; any other call is spoken whole by the engine.")
    voice_pack_dir: Line = Field(
        "", description="Folder of the recorded clips; a relative path is relative to the site file's folder. "
        "Empty: the hub's data folder (data/voice-pack).")
    player: Literal["auto", "paplay", "aplay", "none"] = Field(
        "auto", description='Server-mode sound output: "auto" (paplay when a PulseAudio/PipeWire server runs, else '
        'aplay when ALSA lists a sound card), "paplay", "aplay" or "none".')
