"""The display's HTTP routes through TestClient: the page, its errors, the logo and the media folder."""

from __future__ import annotations

import json
import re

import pytest

from config.site import ConfigError, load_config
from tests.conftest import TEST_CONFIG, site_config
from tests.hub.support import login, running

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="9"><rect width="16" height="9" fill="#08c"/></svg>'


def with_display(tmp_path, section: dict | None = None, **site):
    """The test configuration, located in tmp_path, with a [display] section and site fields changed."""
    return site_config(path=tmp_path / "site.toml", display=section or {}, site=site)


def setup_of(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S)
    assert found, html
    return json.loads(found.group(1))


def test_display_page_for_a_zone(tmp_path):
    """The page names the site and zone, and passes zone, audio, the site's time zone and the hub's time."""
    with running(tmp_path) as client:
        response = client.get("/display?zone=lantai-2")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "MPP Uji Coba" in response.text and "Lantai 2" in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp  # no eval, no inline code: tests fit the page
    setup = setup_of(response.text)
    assert setup["zone"] == "lantai-2" and setup["audio"] is True
    assert setup["timezone"] == "Asia/Jakarta" and setup["now"] == "2026-03-02T02:00:00+00:00"
    assert 'data-theme="gelap"' in response.text


def test_unknown_zone_is_a_404_page_in_indonesian(tmp_path):
    """An unknown zone answers 404 with an Indonesian page linking the configured zones."""
    with running(tmp_path) as client:
        response = client.get("/display?zone=lantai-9")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Zona tidak ditemukan" in response.text and "lantai-9" in response.text
    assert 'href="/display?zone=lantai-2"' in response.text and 'href="/display?zone=lantai-3"' in response.text


def test_theme_and_silent_options(tmp_path):
    """theme=terang switches the colours, an unknown theme falls back, audio=0 makes a silent screen."""
    with running(tmp_path) as client:
        light = client.get("/display?zone=lantai-2&theme=terang&audio=0")
        unknown = client.get("/display?zone=lantai-2&theme=ungu")
    assert 'data-theme="terang"' in light.text and setup_of(light.text)["audio"] is False
    assert 'data-theme="gelap"' in unknown.text


def test_names_are_escaped_in_the_page(tmp_path):
    """A site name holding HTML reaches the page escaped."""
    config = with_display(tmp_path, name="<img src=x onerror=alert(1)>MPP")
    with running(tmp_path, config=config) as client:
        response = client.get("/display?zone=lantai-2")
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;MPP" in response.text


def test_invalid_display_section_stops_the_start_naming_the_key(tmp_path):
    """A mistake in [display] stops the hub at start with the file and key, instead of a blank TV later."""
    path = tmp_path / "site.toml"
    path.write_text(TEST_CONFIG.read_text(encoding="utf-8") + "\n[display]\nimage_second = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "display.image_second" and "unknown key" in str(caught.value)
    assert str(caught.value).startswith(f"{path}: display.image_second: ")


def test_logo_is_served_from_beside_the_config(tmp_path):
    """site.logo relative to the configuration file is shown in the header and served at /display/logo."""
    (tmp_path / "logo.svg").write_bytes(SVG)
    with running(tmp_path / "data", config=with_display(tmp_path, logo="logo.svg")) as client:
        page = client.get("/display?zone=lantai-2")
        logo = client.get("/display/logo")
    assert 'src="/display/logo"' in page.text
    assert logo.status_code == 200 and logo.headers["content-type"].startswith("image/svg+xml")
    assert logo.content == SVG


def test_missing_logo_is_left_out(tmp_path):
    """Without a logo file the header has no image and /display/logo is 404."""
    with running(tmp_path, config=with_display(tmp_path, logo="nowhere.png")) as client:
        assert 'src="/display/logo"' not in client.get("/display?zone=lantai-2").text
        missing = client.get("/display/logo")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "logo_not_set"


def test_media_folder_lists_and_serves_only_media(tmp_path):
    """The media list holds the images and videos of media_dir; other files and paths outside it are refused."""
    media = tmp_path / "promo"
    media.mkdir()
    (media / "01-layanan.svg").write_bytes(SVG)
    (media / "02-video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (media / "notes.txt").write_text("not media")
    (media / ".hidden.png").write_bytes(b"x")
    (tmp_path / "secret.png").write_bytes(b"secret")
    config = with_display(tmp_path, {"media_dir": "promo", "image_seconds": 7})
    with running(tmp_path / "data", config=config) as client:
        listed = client.get("/display/media").json()["media"]
        image = client.get("/display/media/01-layanan.svg")
        refused = [client.get(f"/display/media/{name}")
                   for name in ("notes.txt", ".hidden.png", "..%2Fsecret.png", "missing.png", "a%00.png",
                                "x" * 300 + ".png")]  # a name too long for the file system: not a 500
        setup = setup_of(client.get("/display?zone=lantai-2").text)
    assert listed == [{"url": "/display/media/01-layanan.svg", "kind": "image"},
                      {"url": "/display/media/02-video.mp4", "kind": "video"}]
    assert image.status_code == 200 and image.content == SVG
    assert [r.status_code for r in refused] == [404] * 6
    assert all(r.json()["error"]["code"] in ("media_not_found", "not_found") for r in refused)  # the hub's shape
    assert setup["image_seconds"] == 7


def test_media_defaults_to_the_data_folder(tmp_path):
    """Without media_dir the folder is <data-dir>/media; an absent folder simply means no media."""
    with running(tmp_path / "data") as client:
        assert client.get("/display/media").json() == {"media": []}
        (tmp_path / "data" / "media").mkdir()
        (tmp_path / "data" / "media" / "a.png").write_bytes(b"png")
        assert client.get("/display/media").json() == {"media": [{"url": "/display/media/a.png", "kind": "image"}]}


def test_the_playlist_orders_and_picks_the_media(tmp_path):
    """[display] playlist plays the named files in its order, skipping names not in the folder; the admin
    console lists every file of the folder with whether it plays."""
    media = tmp_path / "data" / "media"
    media.mkdir(parents=True)
    for name in ("01-a.png", "02-b.png", "03-c.mp4"):
        (media / name).write_bytes(b"x")
    config = site_config(display={"playlist": ["03-c.mp4", "hilang.png", "01-a.png"]})
    with running(tmp_path / "data", config=config) as client:
        assert [m["url"] for m in client.get("/display/media").json()["media"]] == [
            "/display/media/03-c.mp4", "/display/media/01-a.png"]
        admin = login(client, "koordinator", "1111")
        listed = client.get("/api/admin/media", headers=admin).json()
        assert listed["playlist"] == ["03-c.mp4", "hilang.png", "01-a.png"]
        assert [(f["name"], f["kind"], f["in_playlist"]) for f in listed["files"]] == [
            ("01-a.png", "image", True), ("02-b.png", "image", False), ("03-c.mp4", "video", True)]
        assert client.get("/api/admin/media", headers=login(client)).status_code == 403

