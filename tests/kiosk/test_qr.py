"""QR codes for the status page, drawn on the hub as SVG."""

import re

from starlette.requests import Request

from kiosk import qr


def _request(host: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/kiosk", "scheme": "http", "query_string": b"",
                    "server": ("127.0.0.1", 8000), "headers": [(b"host", host.encode())]})


def test_svg_draws_exactly_the_qr_matrix():
    """Every dark module of the qrcode matrix, and nothing else, is filled in the SVG."""
    url = "http://192.168.1.10:8000/t/abcdefghijklmnopqrstuv"
    rows = qr.matrix(url)
    svg = qr.svg(url)
    size = len(rows)
    assert f'viewBox="0 0 {size} {size}"' in svg and '<rect width="' in svg
    drawn = [[False] * size for _ in range(size)]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for dx in range(int(width)):
            drawn[int(y)][int(x) + dx] = True
    assert drawn == rows
    assert not any(rows[0]) and not any(row[0] for row in rows), "a white quiet zone surrounds the code"


def test_base_url_prefers_public_url():
    """`[kiosk] public_url` wins; otherwise the Host the kiosk used."""
    request = _request("192.168.1.10:8000")
    assert qr.base_url(request, "http://antrian.lan") == "http://antrian.lan"
    assert qr.base_url(request, None) == "http://192.168.1.10:8000"
    assert qr.status_url("http://h", "tok") == "http://h/t/tok"


def test_loopback_is_recognised():
    """Addresses a phone cannot reach are spotted, so the hub can warn."""
    assert qr.is_loopback("http://127.0.0.1:8000") and qr.is_loopback("http://localhost")
    assert qr.is_loopback("http://[::1]:8000")
    assert not qr.is_loopback("http://192.168.1.10:8000")
