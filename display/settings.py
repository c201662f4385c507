"""The `[display]` section: the TVs' media area and colours (keys in docs/configuration.md)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from config.fields import Section, Text

Theme = Literal["gelap", "terang"]
THEMES = get_args(Theme)


class DisplaySettings(Section):
    """`[display]`: what every TV shows beside the calls. Every key is optional."""

    media_dir: Text | None = Field(
        None, description="Folder of images and videos (.jpg .jpeg .png .webp .gif .svg .mp4 .webm .ogv) shown "
        "in name order in a loop beside the calls (name them 01-..., 02-...). A relative path is relative to the "
        "site file's folder. No folder or no files: no media area. Files added or removed are picked up within "
        "5 minutes, without a restart.", json_schema_extra={"x-default": "<data-dir>/media"})
    image_seconds: int = Field(10, ge=2, le=3600, description="Seconds each image stays on screen.")
    media_sound: bool = Field(
        False, description="Let videos play their own sound between calls; always muted while a call is spoken "
        "and on audio=0 screens.")
    theme: Theme = Field(
        "gelap", description='"gelap" (dark) or "terang" (light) colours; a TV\'s ?theme= overrides it.')
