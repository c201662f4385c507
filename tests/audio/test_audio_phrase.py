"""The words a citizen hears, built from tickets, counters and the configuration."""

from __future__ import annotations

import pytest
from conftest import counter, make_site, ticket
from num2words import num2words

from audio.phrase import LETTER_NAMES, Phrasebook, letter_words, number_words, speakable, split_ticket


def phrase(config, number: str, cid: str) -> str:
    return Phrasebook(config.audio, config).text(ticket(number), counter(cid, config))


def test_every_number_to_9999_matches_num2words():
    """Ticket numbers 0-9999 are said as num2words' Indonesian words, leading zeros dropped."""
    for n in range(10000):
        assert number_words(f"{n:04d}") == num2words(n, lang="id")
        assert number_words(str(n)) == num2words(n, lang="id")


@pytest.mark.parametrize(("digits", "words"), [
    ("123", "seratus dua puluh tiga"), ("012", "dua belas"), ("007", "tujuh"), ("100", "seratus"),
    ("011", "sebelas"), ("1000", "seribu"), ("0", "nol"),
])
def test_known_numbers(digits, words):
    """Spot checks a listener would recognise."""
    assert number_words(digits) == words


def test_digits_mode_says_each_digit():
    """number_mode = "digits" reads every digit, zeros included."""
    assert number_words("007", "digits") == "nol nol tujuh"
    assert number_words("1203", "digits") == "satu dua nol tiga"
    assert number_words("007", "digits", "en") == "zero zero seven"


def test_letters_use_indonesian_names():
    """All 26 letters have their Indonesian names; multi-letter prefixes are spelled one by one."""
    expected = "a be ce de e ef ge ha i je ka el em en o pe ki er es te u ve we eks ye zet".split()
    assert [LETTER_NAMES[chr(ord("A") + i)] for i in range(26)] == expected
    assert letter_words("A") == "a"
    assert letter_words("PR") == "pe er"
    assert letter_words("xyz") == "eks ye zet"


def test_split_ticket():
    """A ticket number splits into its prefix and its digits."""
    assert split_ticket("A123") == ("A", "123")
    assert split_ticket("PR007") == ("PR", "007")
    assert split_ticket("12") == ("", "12")


@pytest.mark.parametrize(("name", "spoken"), [
    ("Loket 3", "loket tiga"),
    ("Loket 20", "loket dua puluh"),
    ("UPT Loket 21", "u pe te loket dua puluh satu"),
    ("Loket 3A", "loket tiga a"),
    ("Meja B", "meja be"),
    ("PBB-P2", "pe be be-pe dua"),
])
def test_names_become_words(name, spoken):
    """Counter names: numbers become words and capitals are spelled as letters."""
    assert speakable(name) == spoken


@pytest.mark.parametrize(("name", "spoken"), [
    ("LOKET 1", "loket satu"),
    ("SAMSAT", "samsat"),
    ("Loket PAJAK", "loket pajak"),
    ("PELAYANAN UMUM", "pelayanan umum"),
    ("KTP", "ka te pe"),
    ("UPT", "u pe te"),
    ("BPJS", "be pe je es"),
    ("NPWP", "en pe we pe"),
    ("STNK", "es te en ka"),
    ("DPMPTSP", "de pe em pe te es pe"),
])
def test_only_acronyms_are_spelled(name, spoken):
    """Words in capitals are read as words unless short (≤3 letters) or without a vowel."""
    assert speakable(name) == spoken


def test_pronunciation_dictionary_whole_words_any_case():
    """Dictionary words match whole words regardless of case and are used verbatim."""
    words = {"bappenda": "bapenda", "ktp-el": "ka te pe el", "pbb": "pajak bumi"}
    assert speakable("BAPPENDA Kota Batu", words) == "bapenda kota batu"
    assert speakable("Bappendaku", words) == "bappendaku"  # not a whole word: left alone
    assert speakable("Perekaman KTP-el", words) == "perekaman ka te pe el"
    assert speakable("PBB-P2", words) == "pajak bumi-pe dua"


def test_default_phrase():
    """The default template gives the phrase from the issue."""
    site = make_site()
    assert phrase(site, "A123", "3") == "Nomor antrian, a, seratus dua puluh tiga. Silakan menuju loket tiga."
    assert phrase(site, "C012", "20") == "Nomor antrian, ce, dua belas. Silakan menuju loket dua puluh."
    assert phrase(site, "A007", "1") == "Nomor antrian, a, tujuh. Silakan menuju loket satu."


def test_digits_mode_phrase():
    """number_mode = "digits" changes only the number."""
    site = make_site({"number_mode": "digits"})
    assert phrase(site, "A007", "1") == "Nomor antrian, a, nol nol tujuh. Silakan menuju loket satu."


def test_agency_template_and_all_placeholders():
    """An agency's own template replaces the default for its services; every placeholder is filled."""
    site = make_site(
        {"agency_templates": {"BAPPENDA": "{agency}, {service}: {letter} {number}, {counter}, {zone}."}},
        {"Bappenda": "bapenda"},
    )
    assert phrase(site, "H005", "20") == "bapenda, pe be be-pe dua: ha lima, loket dua puluh, lantai satu."
    assert phrase(site, "A001", "1").startswith("Nomor antrian, a, satu.")


def test_acronym_agency_spelled():
    """An all-capitals agency name is spelled letter by letter."""
    site = make_site({"template": "{agency} {letter} {number} {counter}"})
    assert phrase(site, "E002", "21") == "de pe em pe te es pe e dua u pe te loket dua puluh satu"


def test_english_second_language():
    """second_language = "en" appends the English phrase, spoken by the English voice."""
    site = make_site({"second_language": "en"})
    book = Phrasebook(site.audio, site)
    segments = book.segments(ticket("A123"), counter("3", site))
    assert [s.voice for s in segments] == ["id", "en"]
    assert segments[1].text == "Queue number A, one hundred and twenty-three. Please proceed to loket three."


def test_english_letters_are_named_not_read_as_words():
    """English letters are separated by commas, so espeak-ng says "ay", not the article "uh"."""
    assert letter_words("A", "en") == "A"
    assert letter_words("PR", "en") == "P, R"
    site = make_site({"second_language": "en"})
    book = Phrasebook(site.audio, site)
    english = book.segments(ticket("PR7"), counter("3", site))[1].text
    assert english.startswith("Queue number P, R, seven.")


def test_counter_without_name_falls_back_to_configuration():
    """A counter dict with only an id still gets its configured name."""
    site = make_site()
    book = Phrasebook(site.audio, site)
    assert book.text(ticket("A9"), {"id": "20"}).endswith("Silakan menuju loket dua puluh.")
