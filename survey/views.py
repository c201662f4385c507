"""The survey's payloads (pydantic v2, like server/views.py): the form a citizen fills in, what a
response is, the IKM report and the counter tablet's messages.

Built from the configuration (`[survey]`), the domain (survey/ikm.py, survey/answers.py) and
the database's sums; they hold no rule of their own.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

from pydantic import ConfigDict, Field, create_model

from config.site import SiteConfig
from server.views import Body, CounterRef, HolderView, Timestamp, View
from survey.answers import CHANNELS, PROFILE, SARAN_MAX
from survey.ikm import SCORES, UNSUR, UNSUR_NAMES, Index

Mutu = Literal["A", "B", "C", "D"]
Kinerja = Literal["Sangat baik", "Baik", "Kurang baik", "Tidak baik"]

# ---------------------------------------------------------------- the form


class Option(View):
    score: int = Field(ge=1, le=4, description="1 is the worst answer, 4 the best")
    label: str = Field(examples=["Gratis"])


class QuestionView(View):
    """One unsur's question with its four answers."""

    key: str = Field(examples=["biaya"], description="the unsur: one of " + ", ".join(UNSUR))
    name: str = Field(examples=["Biaya/Tarif"], description="the unsur's name in the regulation")
    question: str
    options: list[Option] = Field(min_length=4, max_length=4)


class ProfileChoice(View):
    code: str = Field(examples=["perempuan"])
    label: str = Field(examples=["Perempuan"])


class ProfileQuestion(View):
    """An optional question about the respondent."""

    key: str = Field(examples=["jenis_kelamin"])
    label: str = Field(examples=["Jenis kelamin"])
    choices: list[ProfileChoice]


SurveyState = Literal["open", "answered", "not_finished"]


class SurveyForm(View):
    """GET /api/survey/{ticket_token}: the ticket, the nine questions, and whether it can be answered now."""

    ticket: HolderView
    questions: list[QuestionView] = Field(min_length=9, max_length=9)
    state: SurveyState = Field(description="open: served and not answered yet; answered: its one response is "
                                           "saved; not_finished: the ticket is not served (yet)")
    message: str = Field(description="the state in a sentence for the citizen")
    intro: str = Field(description="[survey] intro")
    thanks: str = Field(description="[survey] thanks: what to show once the answers are saved")
    profile: list[ProfileQuestion] = Field(description="optional questions about the respondent (no name, no NIK)")
    saran_max: int = Field(description="longest saran, in characters")


STATE_MESSAGES: dict[str, str] = {
    "open": "Layanan Anda sudah selesai. Bagaimana pelayanan kami?",
    "answered": "Anda sudah mengisi survei untuk nomor antrian ini. Terima kasih!",
    "not_finished": "Survei dapat diisi setelah layanan Anda selesai.",
}


def questions_of(config: SiteConfig) -> list[QuestionView]:
    """The nine questions in the regulation's order, worded as the configuration says."""
    survey = config.survey
    return [QuestionView(key=key, name=UNSUR_NAMES[key], question=getattr(survey, key).question,
                         options=[Option(score=score, label=label)
                                  for score, label in zip(SCORES, getattr(survey, key).options, strict=True)])
            for key in UNSUR]


def form_of(config: SiteConfig, ticket: HolderView, state: SurveyState) -> SurveyForm:
    return SurveyForm(
        ticket=ticket, questions=questions_of(config), state=state, message=STATE_MESSAGES[state],
        intro=config.survey.intro, thanks=config.survey.thanks, saran_max=SARAN_MAX, profile=profile_questions(),
    )


def profile_questions() -> list[ProfileQuestion]:
    return [ProfileQuestion(key=key, label=label, choices=[ProfileChoice(code=c, label=text) for c, text in choices])
            for key, (label, choices) in PROFILE.items()]


# ---------------------------------------------------------------- a response (the request's schema)

Answers = create_model(
    "Answers", __base__=Body, __doc__="A score 1–4 for each of the nine unsur, by key",
    **{key: (int, Field(ge=1, le=4, description=UNSUR_NAMES[key])) for key in UNSUR},
)
Profile = create_model(
    "Profile", __base__=Body, __doc__="The optional respondent profile: any of these, each one of its codes",
    **{key: (Literal[tuple(code for code, _ in choices)] | None, Field(None, description=label))
       for key, (label, choices) in PROFILE.items()},
)


class SurveyRequest(Body):
    """POST /api/survey/{ticket_token}. Read by survey/answers.py, which words each refusal (422)."""

    answers: Answers  # type: ignore[valid-type]
    saran: str | None = Field(None, max_length=SARAN_MAX, description="free text, optional")
    profile: Profile | None = None  # type: ignore[valid-type]
    channel: Literal[CHANNELS] | None = Field(  # type: ignore[valid-type]
        None, description="where it was answered: tablet (at the counter) or status (the citizen's phone, "
                          "the default)")


class SurveySaved(View):
    """201: the response is saved."""

    saved: Literal[True]
    message: str = Field(description="[survey] thanks")


# ---------------------------------------------------------------- the report


class UnsurView(View):
    key: str = Field(examples=["biaya"])
    name: str = Field(examples=["Biaya/Tarif"])
    total: int = Field(ge=0, description="the sum of its scores")
    nrr: float | None = Field(description="nilai rata-rata: the mean score, 1–4, unrounded; null without "
                                          "respondents")
    mutu: Mutu | None = Field(description="from the NRR on the 1–4 scale")


class SaranView(View):
    number: str = Field(examples=["A012"], description="the ticket's number")
    day: str = Field(examples=["2026-03-02"])
    service: str
    counter: str | None
    answered_at: Timestamp
    text: str


class IkmReport(View):
    """GET /api/reports/ikm: the IKM of the tickets served in a period and scope (PermenPANRB 14/2017)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: str = Field(alias="from", examples=["2026-03-01"])
    to: str = Field(examples=["2026-03-31"])
    agency: str | None
    service: str | None
    counter: str | None
    respondents: int = Field(ge=0)
    population: int = Field(ge=0, description="tickets served (done) in the period and scope")
    sample_target: int = Field(ge=0, description="Krejcie–Morgan's sample size for that population")
    unsur: list[UnsurView] = Field(min_length=9, max_length=9)
    ikm: float | None = Field(description="mean of the nine NRR × 25, rounded to 2 decimals; null without "
                                          "respondents")
    mutu: Mutu | None
    kinerja: Kinerja | None
    profile: dict[str, dict[str, int]] = Field(description="respondents per answer of each profile question")
    saran_count: int = Field(ge=0, description="responses with a saran")
    saran: list[SaranView] = Field(description="the latest saran, newest first (at most 200)")

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def _float(value: Fraction | None) -> float | None:
    return float(value) if value is not None else None


def unsur_views(index: Index) -> list[UnsurView]:
    return [UnsurView(key=u.key, name=u.name, total=u.total, nrr=_float(u.nrr), mutu=u.mutu) for u in index.unsur]


# ---------------------------------------------------------------- the counter tablet (/ws/survey/{counter})


class OfferedTicket(View):
    id: int
    number: str = Field(examples=["A012"])
    service_name: str


class SurveyOffer(View):
    """A ticket was just finished at the tablet's counter: offer its survey."""

    type: Literal["survey.offer"] = "survey.offer"
    counter: CounterRef
    ticket: OfferedTicket
    token: str = Field(description="the ticket's token, for GET and POST /api/survey/{token}")
    finished_at: Timestamp
    expires_at: Timestamp = Field(description="after this the tablet no longer offers it ([survey] "
                                              "tablet_offer_seconds)")


class TabletSettings(View):
    idle_seconds: int = Field(description="[survey] tablet_idle_seconds")
    thanks_seconds: int = Field(description="[survey] thanks_seconds")


class SurveyTablet(View):
    """The first message on /ws/survey/{counter}, again after every configuration change."""

    type: Literal["survey.tablet"] = "survey.tablet"
    counter: CounterRef
    now: Timestamp
    settings: TabletSettings
    offer: SurveyOffer | None = Field(description="the counter's last finished ticket, while it is still offered "
                                                  "and not answered")


TABLET_MESSAGES = (SurveyTablet, SurveyOffer)
