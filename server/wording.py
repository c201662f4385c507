"""How the hub phrases waits and people ahead, in Indonesian: once, for paper, screens and phones.

Pages show these texts as the hub sends them (views carry them next to the numbers).
"""

from __future__ import annotations


def wait_text(seconds: int | None) -> str:
    """An estimated wait as people say it ('± 25 menit', '± 1 jam 30 menit'); '—' when the hub cannot estimate yet.

    `seconds` is rounded to whole minutes; under half a minute reads 'kurang dari 1 menit'.
    """
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    return "kurang dari 1 menit" if minutes < 1 else f"± {minutes_text(minutes)}"


def minutes_text(minutes: int) -> str:
    """A duration in whole minutes as words: '45 menit', '8 jam', '1 jam 30 menit'."""
    if minutes < 60:
        return f"{minutes} menit"
    hours, rest = divmod(minutes, 60)
    return f"{hours} jam {rest} menit" if rest else f"{hours} jam"


def ahead_text(ahead: int) -> str:
    """Who is ahead of a ticket, after the label 'Di depan Anda'."""
    return "tidak ada, Anda berikutnya" if ahead == 0 else f"{ahead} orang"
