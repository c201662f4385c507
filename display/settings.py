"""The `[display]` section: the TVs' media area and colours (keys in docs/configuration.md)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from config.fields import Names, Section, Text, labelled

Theme = Literal["gelap", "terang"]
THEMES = get_args(Theme)


class DisplaySettings(Section):
    """`[display]`: what every TV shows beside the calls. Every key is optional."""

    media_dir: Text | None = Field(
        None, description="Folder of images and videos (.jpg .jpeg .png .webp .gif .svg .mp4 .webm .ogv) shown "
        "in name order in a loop beside the calls (name them 01-..., 02-...). A relative path is relative to the "
        "site file's folder. No folder or no files: no media area. Files added or removed are picked up within "
        "5 minutes, without a restart.",
        **labelled("Folder media", "Folder gambar dan video yang diputar bergantian di samping panggilan. Kosong: "
                                   "folder media di folder data hub.", **{"x-default": "<data-dir>/media"}))
    playlist: Names | None = Field(
        None, description="File names from the media folder, in the order they are shown (a file not in the "
        "folder is skipped). Unset: every file of the folder in name order.",
        **labelled("Daftar putar", "Berkas dari folder media, dalam urutan tampil. Kosong: semua berkas menurut "
                                   "nama."))
    image_seconds: int = Field(10, ge=2, le=3600, description="Seconds each image stays on screen.",
        **labelled("Lama gambar (detik)", "Berapa detik setiap gambar tampil."))
    media_sound: bool = Field(
        False, description="Let videos play their own sound between calls; always muted while a call is spoken "
        "and on audio=0 screens.",
        **labelled("Suara video", "Video boleh bersuara di antara panggilan; selalu dibisukan saat panggilan "
                                  "diucapkan."))
    theme: Theme = Field(
        "gelap", description='"gelap" (dark) or "terang" (light) colours; a TV\'s ?theme= overrides it.',
        **labelled("Tema warna", "Gelap atau terang; ?theme= di alamat TV mengesampingkannya."))
