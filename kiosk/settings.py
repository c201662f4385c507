"""The `[kiosk]` section and its `[[kiosk.printers]]` (keys in docs/configuration.md)."""

from __future__ import annotations

from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from config.errors import invalid, shown
from config.fields import CODE_RE, Code, Item, Section, Table, Text, table

Paper = Literal["58mm", "80mm"]
PAPERS = get_args(Paper)
KIOSK_ID_RE = CODE_RE  # a kiosk id is a Code


def _public_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise invalid("url_format", f'must be an http(s) address such as "http://192.168.1.10:8000", got {value!r}',
                      f'harus alamat http(s) seperti "http://192.168.1.10:8000", bukan {shown(value)}')
    return value.rstrip("/")


def _profile(value: str) -> str:
    from escpos.capabilities import CAPABILITIES  # lazy: the import writes a cache to disk

    if value not in CAPABILITIES["profiles"]:
        raise invalid("unknown_profile", f'unknown python-escpos profile {value!r} (e.g. "TM-T88V", "default")',
                      f'profil python-escpos {shown(value)} tidak dikenal (misalnya "TM-T88V", "default")')
    return value


class PrinterSettings(Item):
    """`[[kiosk.printers]]`: an ESC/POS network printer serving one kiosk."""

    key = "kiosk"
    duplicate = ("kiosk {key} already has a printer", "kios {key} sudah punya printer")

    kiosk: Code = Field(description="The kiosk id this printer serves: the page opened as /kiosk?id=ID prints here. "
                        "Letters, digits, '-', '_'. One printer per kiosk.")
    host: Text = Field(description="The printer's IP address or host name.")
    port: int = Field(9100, ge=1, le=65535, description="The printer's raw TCP port.")
    paper: Paper | None = Field(None, description="Paper width of this printer: 32 characters a line on 58 mm, "
                                "48 on 80 mm.", json_schema_extra={"x-default": "[kiosk] paper"})
    profile: Annotated[Text, AfterValidator(_profile)] | None = Field(
        None, description='A python-escpos printer profile such as "TM-T88V".',
        json_schema_extra={"x-default": "a generic printer"})
    timeout: float = Field(3.0, ge=0.2, le=60, description="Seconds to wait for the printer to accept a connection "
                           "or data.")
    check_paper: bool = Field(True, description="Ask the printer's paper sensor (DLE EOT 4) before printing.")
    native_qr: bool = Field(True, description="Let the printer draw the QR code (GS ( k); false sends it as an image.")
    cut: bool = Field(True, description="Cut the paper after each ticket.")

    @property
    def label(self) -> str:
        return f"{self.kiosk} ({self.host}:{self.port})"


class KioskSettings(Section):
    """`[kiosk]`: the touchscreens at the entrance and their tickets. Every key is optional."""

    public_url: Annotated[Text, AfterValidator(_public_url)] | None = Field(
        None, description='Base address printed in the QR code, e.g. "http://192.168.1.10:8000". Unset: the address '
        "the kiosk browser used. Set it when the kiosk opens the hub as 127.0.0.1 (the hub warns): phones cannot "
        "reach that.")
    paper: Paper = Field("80mm", description="Thermal paper width for browser printing, and the printers' default.")
    idle_seconds: int = Field(60, ge=5, le=3600, description="Seconds without a touch before the kiosk returns to "
                              "its start screen.")
    ticket_idle_seconds: int = Field(20, ge=3, le=600, description="Seconds the issued ticket stays on screen.")
    print_wait_seconds: float = Field(5.0, ge=0.5, le=30, description="Longest time a ticket may take to be "
                                      "written out to its ESC/POS printer; after it the ticket is given up (never "
                                      "printed later) and shown as not printed.")
    browser_print: bool = Field(False, description="Print through the browser (window.print) when no ESC/POS "
                                "printer serves the kiosk.")
    footer: Text = Field("Terima kasih. Mohon menunggu panggilan nomor Anda.",
                         description="Last line printed on each ticket.")
    printers: Table[PrinterSettings] = table("ESC/POS network printers, one [[kiosk.printers]] table each.")

    def printer(self, kiosk: str) -> PrinterSettings | None:
        """The printer serving kiosk `kiosk`, its paper width filled in from `[kiosk] paper` when unset."""
        found = self.printers.get(kiosk)
        if found is None or found.paper is not None:
            return found
        return found.model_copy(update={"paper": self.paper})
