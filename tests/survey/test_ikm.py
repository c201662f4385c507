"""The IKM rules of PermenPANRB 14/2017 (survey/ikm.py) and the reading of a response (survey/answers.py)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from server.errors import HubError
from survey.answers import SARAN_MAX, read_response
from survey.ikm import (
    IKM_FLOORS,
    NRR_FLOORS,
    PRINTED_INTERVALS,
    UNSUR,
    index_of,
    index_of_responses,
    mutu_ikm,
    mutu_nrr,
    round_half_up,
    sample_target,
)

ALL = {key: 4 for key in UNSUR}


def test_the_nine_unsur_by_key():
    """The nine unsur are stored by key, in the regulation's order."""
    assert UNSUR == ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "pengaduan",
                     "sarana")


def test_known_answers():
    """Hand-computed IKMs: all 4 is 100 (A), all 1 is 25 (D), one 4s and two 3s is 83.33 (B)."""
    best = index_of_responses([ALL])
    assert (best.ikm, best.mutu, best.kinerja) == (Decimal("100.00"), "A", "Sangat baik")
    worst = index_of_responses([{key: 1 for key in UNSUR}])
    assert (worst.ikm, worst.mutu, worst.kinerja) == (Decimal("25.00"), "D", "Tidak baik")
    mixed = index_of_responses([ALL, {key: 3 for key in UNSUR}, {key: 3 for key in UNSUR}])
    assert mixed.unsur[0].nrr == Fraction(10, 3) and mixed.unsur[0].mutu == "B"
    assert (mixed.ikm, mixed.mutu, mixed.kinerja) == (Decimal("83.33"), "B", "Baik")


def test_each_unsur_has_its_own_nrr_and_mutu_and_the_ikm_weighs_them_one_ninth():
    """NRR per unsur is its mean; the IKM is the mean of the nine NRR × 25 (weight 1/9)."""
    other = dict(zip(UNSUR, (1, 2, 3, 4, 1, 2, 3, 4, 1), strict=True))
    index = index_of_responses([ALL, other])
    nrr = [u.nrr for u in index.unsur]
    assert nrr == [Fraction(5, 2), 3, Fraction(7, 2), 4, Fraction(5, 2), 3, Fraction(7, 2), 4, Fraction(5, 2)]
    assert [u.mutu for u in index.unsur] == ["D", "C", "B", "A", "D", "C", "B", "A", "D"]
    assert [u.weighted for u in index.unsur] == [n / 9 for n in nrr]
    assert [u.total for u in index.unsur] == [5, 6, 7, 8, 5, 6, 7, 8, 5]
    assert index.index == Fraction(57, 18)  # Σ NRR tertimbang = 28.5 / 9
    assert index.ikm == Decimal("79.17") and index.mutu == "B"  # 79.1666… rounded at the end


def test_rounded_only_at_the_end():
    """NRRs of 3.0642 give an IKM of 76.605 → 76.61 (B); rounding the NRRs first would give 76.50 (C)."""
    index = index_of({key: 15321 for key in UNSUR}, 5000)
    assert index.unsur[0].nrr == Fraction("3.0642")
    assert index.ikm == Decimal("76.61") and index.mutu == "B" and index.kinerja == "Baik"
    assert round(Decimal("3.0642"), 2) * 25 == Decimal("76.50")


@pytest.mark.parametrize(("per_unsur", "respondents", "ikm", "mutu", "unsur_mutu"), [
    (25996, 10000, "64.99", "D", "D"),  # NRR 2.5996: the top of D on both scales
    (26, 10, "65.00", "C", "C"),  # NRR 2.60
    (3064, 1000, "76.60", "C", "C"),  # NRR 3.064
    (30644, 10000, "76.61", "B", "B"),  # NRR 3.0644
    (3532, 1000, "88.30", "B", "B"),  # NRR 3.532
    (35324, 10000, "88.31", "A", "A"),  # NRR 3.5324
])
def test_category_boundaries_from_answers(per_unsur, respondents, ikm, mutu, unsur_mutu):
    """Answers whose NRR and IKM fall exactly on the printed interval bounds get the category written there."""
    index = index_of({key: per_unsur for key in UNSUR}, respondents)
    assert index.ikm == Decimal(ikm) and index.mutu == mutu
    assert {u.mutu for u in index.unsur} == {unsur_mutu}


@pytest.mark.parametrize(("ikm", "mutu"), [
    ("25.00", "D"), ("64.99", "D"), ("65.00", "C"), ("76.60", "C"), ("76.61", "B"), ("88.30", "B"), ("88.31", "A"),
    ("100.00", "A"),
])
def test_ikm_categories_on_the_25_to_100_scale(ikm, mutu):
    """25.00–64.99 D, 65.00–76.60 C, 76.61–88.30 B, 88.31–100.00 A, bounds included."""
    assert mutu_ikm(Decimal(ikm)) == mutu


@pytest.mark.parametrize(("nrr", "mutu"), [
    ("1.00", "D"), ("2.5996", "D"), ("2.5999", "D"), ("2.60", "C"), ("3.064", "C"), ("3.0642", "C"),
    ("3.0644", "B"), ("3.532", "B"), ("3.5323", "B"), ("3.5324", "A"), ("4.00", "A"),
])
def test_unsur_categories_on_the_1_to_4_scale(nrr, mutu):
    """1.00–2.5996 D, 2.60–3.064 C, 3.0644–3.532 B, 3.5324–4.00 A; a value between two printed intervals is
    in the lower one."""
    assert mutu_nrr(Fraction(nrr)) == mutu


def test_values_outside_the_scales_are_refused():
    """An IKM outside 25–100 or an NRR outside 1–4 is a programming error, not a category."""
    with pytest.raises(ValueError):
        mutu_ikm(Decimal("24.99"))
    with pytest.raises(ValueError):
        mutu_nrr(Fraction("4.01"))
    with pytest.raises(ValueError):
        index_of({key: 1 for key in UNSUR}, 2)  # a sum below one point per respondent


def test_the_printed_intervals_start_at_the_floors():
    """The XLSX legend's intervals begin at the floors the categories are decided with."""
    for (nrr_floor, letter), (ikm_floor, same) in zip(NRR_FLOORS, IKM_FLOORS, strict=True):
        nrr_text, ikm_text = PRINTED_INTERVALS[letter]
        assert letter == same
        assert Fraction(nrr_text.split(" – ")[0].replace(",", ".")) == nrr_floor
        assert Decimal(ikm_text.split(" – ")[0].replace(",", ".")) == ikm_floor


def test_no_respondents_no_index():
    """Without respondents there is no NRR, IKM or category."""
    index = index_of({key: 0 for key in UNSUR}, 0)
    assert index.ikm is None and index.mutu is None and index.kinerja is None
    assert {u.nrr for u in index.unsur} == {None}


def test_round_half_up():
    """Halves go up: 76.605 → 76.61, 64.994999 → 64.99, 64.995 → 65.00."""
    assert round_half_up(Fraction("76.605")) == Decimal("76.61")
    assert round_half_up(Fraction("64.994999")) == Decimal("64.99")
    assert round_half_up(Fraction("64.995")) == Decimal("65.00")


@pytest.mark.parametrize(("population", "sample"), [
    (0, 0), (1, 1), (10, 10), (50, 45), (100, 80), (200, 132), (500, 218), (1000, 278), (5000, 357), (10000, 370),
    (100000, 383),
])
def test_krejcie_morgan(population, sample):
    """S = 3.841·N·0.25 / (0.0025·(N−1) + 3.841·0.25), rounded up (50 → 44.3 → 45)."""
    assert sample_target(population) == sample


def test_a_response_is_read_whole():
    """Nine scores, a trimmed saran and the profile given; nothing else is kept."""
    response = read_response({"answers": ALL, "saran": "  Antrean cepat.\r\nTerima kasih  ",
                              "profile": {"usia": "30_39", "pekerjaan": None}, "nama": "Budi", "nik": "3579"})
    assert response.answers == ALL and response.saran == "Antrean cepat.\nTerima kasih"
    assert response.profile == {"usia": "30_39"} and response.channel == "status"
    assert read_response({"answers": ALL, "saran": "   "}).saran is None


@pytest.mark.parametrize(("body", "code"), [
    ({}, "missing_field"),
    ({"answers": [4] * 9}, "invalid_field"),
    ({"answers": {k: v for k, v in ALL.items() if k != "biaya"}}, "missing_unsur"),
    ({"answers": {**ALL, "keramahan": 4}}, "unknown_unsur"),
    ({"answers": {**ALL, "biaya": 5}}, "invalid_score"),
    ({"answers": {**ALL, "biaya": 0}}, "invalid_score"),
    ({"answers": {**ALL, "biaya": "4"}}, "invalid_score"),
    ({"answers": {**ALL, "biaya": 3.5}}, "invalid_score"),
    ({"answers": {**ALL, "biaya": True}}, "invalid_score"),
    ({"answers": ALL, "saran": "x" * (SARAN_MAX + 1)}, "saran_too_long"),
    ({"answers": ALL, "saran": 12}, "invalid_field"),
    ({"answers": ALL, "profile": {"nama": "Budi"}}, "unknown_profile_field"),
    ({"answers": ALL, "profile": {"usia": "45"}}, "invalid_profile"),
    ({"answers": ALL, "channel": "kiosk"}, "invalid_field"),
])
def test_refusals_are_422_with_a_reason(body, code):
    """A missing unsur, an unknown key, a score outside 1–4 and the like: 422 naming what is wrong."""
    with pytest.raises(HubError) as caught:
        read_response(body)
    assert caught.value.status == 422 and caught.value.code == code and caught.value.message
