"""QR codes for a ticket's status page, drawn on the hub (no browser library, no CDN)."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from starlette.requests import Request

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def status_url(base: str, token: str) -> str:
    return f"{base}/t/{token}"


def base_url(request: Request, public_url: str | None) -> str:
    """The address a phone on the hall's Wi-Fi uses: `[kiosk] public_url`, else the kiosk's own Host."""
    if public_url:
        return public_url
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"


def is_loopback(url: str) -> bool:
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


@lru_cache(maxsize=256)
def svg(data: str) -> str:
    """A compact, scalable SVG: one path of horizontal runs on a white square."""
    rows = matrix(data)
    size = len(rows)
    runs = []
    for y, row in enumerate(rows):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{"".join(runs)}"/></svg>'
    )
