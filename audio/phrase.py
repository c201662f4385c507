"""What a citizen hears: a ticket call turned into speakable words.

Pure functions, no I/O. espeak-ng reads "A123" and "Loket 20" unreliably in
Indonesian (letters as English, numbers digit by digit), so we spell
everything out ourselves and hand the engine plain words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from num2words import num2words

from audio.settings import AudioSettings, spoken_words
from config.site import SiteConfig

# How Indonesians name the letters of the alphabet.
LETTER_NAMES = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha", "I": "i",
    "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe", "Q": "ki", "R": "er",
    "S": "es", "T": "te", "U": "u", "V": "ve", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}
DIGIT_NAMES = {
    "id": ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
}

TICKET_RE = re.compile(r"^\s*([A-Za-z]*)\s*(\d*)\s*$")
# A boundary between a digit and a letter ("3A"), so each side is spoken as its own word.
DIGIT_LETTER_RE = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
TOKEN_RE = re.compile(r"\d+|[^\W\d_]+")
VOWELS = re.compile(r"[AIUEO]")


@dataclass(frozen=True)
class Segment:
    """One stretch of speech in one voice."""

    text: str
    voice: str


def letter_words(prefix: str, lang: str = "id") -> str:
    """Spell a ticket prefix letter by letter: "A" -> "a", "AB" -> "a be"; in English "AB" -> "A, B"."""
    letters = [ch for ch in prefix.upper() if ch.isalpha()]
    if lang == "id":
        return " ".join(LETTER_NAMES.get(ch, ch.lower()) for ch in letters)
    # The English voice reads a lone "A" before a word as the article ("uh"); a comma after
    # each letter makes it name the letter ("ay") and gives the same pause between letters.
    return ", ".join(letters)


def number_words(digits: str, mode: str = "words", lang: str = "id") -> str:
    """Say a ticket number: "123" -> "seratus dua puluh tiga"; digits mode "007" -> "nol nol tujuh"."""
    if not digits:
        return ""
    if mode == "digits":
        return " ".join(DIGIT_NAMES[lang][int(d)] for d in digits)
    return num2words(int(digits), lang=lang)


def speakable(text: str, pronunciation: dict[str, str] | None = None, lang: str = "id") -> str:
    """Make a name speakable: dictionary words replaced, numbers as words, acronyms spelled.

    "Loket 20" -> "loket dua puluh"; "UPT Loket 3" -> "u pe te loket tiga"; "LOKET 3" -> "loket tiga".
    A word in capitals is spelled when it has at most three letters or no vowel. Dictionary keys
    match whole words regardless of case and their spoken form is used verbatim.
    """
    pronunciation = pronunciation or {}
    if not pronunciation:
        return _plain(text, lang)
    keys = sorted(pronunciation, key=len, reverse=True)  # longest first, so "PBB-P2" beats "PBB"
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)", re.IGNORECASE)
    out, pos = [], 0
    for match in pattern.finditer(text):
        out.append(_plain(text[pos:match.start()], lang))
        out.append(pronunciation[match.group(1).lower()])
        pos = match.end()
    out.append(_plain(text[pos:], lang))
    return "".join(out)


def _plain(text: str, lang: str) -> str:
    def word(match: re.Match[str]) -> str:
        token = match.group()
        if token.isdigit():
            return num2words(int(token), lang=lang)
        if token.isupper() and (len(token) <= 3 or not VOWELS.search(token)):
            # Acronyms and single letters: "UPT" -> "u pe te", "BPJS" -> "be pe je es". A longer
            # capitalised word with a vowel is a word in capitals ("LOKET", "SAMSAT"): read it.
            return letter_words(token, lang)
        return token.lower()

    return TOKEN_RE.sub(word, DIGIT_LETTER_RE.sub(" ", text))


def split_ticket(number: str) -> tuple[str, str]:
    """ "A123" -> ("A", "123"). A number we cannot parse is treated as letters to spell."""
    match = TICKET_RE.match(number or "")
    if not match:
        return "".join(ch for ch in number if ch.isalpha()), "".join(ch for ch in number if ch.isdigit())
    return match.group(1).upper(), match.group(2)


class Phrasebook:
    """Builds the spoken segments of a call from the site configuration."""

    def __init__(self, settings: AudioSettings, config: SiteConfig) -> None:
        self.settings = settings
        self.config = config
        self.pronunciation = spoken_words(config.pronunciation)

    def segments(self, ticket: dict, counter: dict) -> list[Segment]:
        s = self.settings
        service = self.config.services.get(str(ticket.get("service") or ""))
        agency_code = service.agency if service else None
        template = s.agency_templates.get(agency_code or "", s.template)
        out = [Segment(self._fill(template, ticket, counter, "id"), s.voice)]
        if s.second_language == "en":
            out.append(Segment(self._fill(s.template_en, ticket, counter, "en"), s.voice_en))
        return out

    def text(self, ticket: dict, counter: dict) -> str:
        return " ".join(seg.text for seg in self.segments(ticket, counter))

    def _fill(self, template: str, ticket: dict, counter: dict, lang: str) -> str:
        s, cfg = self.settings, self.config
        prefix, digits = split_ticket(str(ticket.get("number") or ""))
        service = cfg.services.get(str(ticket.get("service") or prefix))
        agency = cfg.agencies.get(service.agency) if service and service.agency else None
        known = cfg.counters.get(str(counter.get("id")))
        counter_name = counter.get("name") or (known.name if known else f"Loket {counter.get('id', '')}")
        zone_id = counter.get("zone") or (known.zone if known else "")
        zone = cfg.zones.get(zone_id)

        def say(name: str) -> str:
            return speakable(name, self.pronunciation, lang)

        return template.format(
            letter=letter_words(prefix, lang),
            number=number_words(digits, s.number_mode, lang),
            counter=say(str(counter_name)),
            service=say(service.name) if service else "",
            agency=say(agency.short_name) if agency else "",
            zone=say(zone.name if zone else zone_id),
        )
