"""A strict reader for RIFF/WAVE PCM files, for bytes we did not write ourselves.

Two kinds of WAV reach the hub from outside: what a speech engine renders
and what a hall's staff upload as voice-pack clips. Both are checked here,
chunk by chunk, before a sample is used: the stdlib `wave` module of
Python 3.11 rejects WAVE_FORMAT_EXTENSIBLE (what many recorders write) and
says little about what is wrong. Reference: the RIFF/WAVE layout of the
Microsoft "Multimedia Programming Interface and Data Specifications 1.0"
(1991) and its WAVE_FORMAT_EXTENSIBLE amendment.

Every error carries a snake_case `code` and an Indonesian `message`: the
person who reads it is the hall's staff member who uploaded the file.
"""

from __future__ import annotations

import struct
import sys
from array import array
from dataclasses import dataclass

from audio.wav import Pcm

PCM = 0x0001
EXTENSIBLE = 0xFFFE
# The PCM sub-format GUID of WAVE_FORMAT_EXTENSIBLE: 00000001-0000-0010-8000-00aa00389b71.
PCM_GUID = bytes.fromhex("0100000000001000800000aa00389b71")
BITS = (8, 16, 24, 32)
MIN_RATE, MAX_RATE = 8000, 192000


class WavError(ValueError):
    """A file that is not a WAV we can read. `code` is snake_case, `message` Indonesian."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WavInfo:
    """What the header of a PCM WAV says: `rate` Hz, `channels`, `bits` per sample, `frames` per channel."""

    rate: int
    channels: int
    bits: int
    frames: int

    @property
    def duration(self) -> float:
        """Seconds of sound."""
        return self.frames / self.rate


def parse(data: bytes) -> tuple[WavInfo, bytes]:
    """Check that `data` is a RIFF/WAVE file with integer PCM samples; return its format and raw sample bytes.

    Raises `WavError` ("not_wav", "unsupported_format", "damaged_wav", "empty_wav") with an Indonesian message.
    A data chunk longer than the file (a recorder that never patched its sizes) is read to the end of the file.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError("not_wav", "Berkas bukan WAV: unggah rekaman berformat WAV (RIFF/WAVE PCM).")
    fmt: tuple[int, int, int, int, int] | None = None
    samples: bytes | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = data[pos + 8:pos + 8 + size]
        if chunk == b"fmt ":
            fmt = _format(body)
        elif chunk == b"data":
            samples = body
            if fmt is not None:
                break
        pos += 8 + size + (size & 1)  # chunks are padded to an even length
    if fmt is None:
        raise WavError("damaged_wav", "Berkas WAV rusak: bagian format (fmt) tidak ditemukan.")
    if samples is None:
        raise WavError("damaged_wav", "Berkas WAV rusak: bagian suara (data) tidak ditemukan.")
    tag, channels, rate, block, bits = fmt
    usable = len(samples) - len(samples) % block
    if usable == 0:
        raise WavError("empty_wav", "Berkas WAV tidak berisi suara sama sekali.")
    return WavInfo(rate, channels, bits, usable // block), samples[:usable]


def _format(body: bytes) -> tuple[int, int, int, int, int]:
    if len(body) < 16:
        raise WavError("damaged_wav", "Berkas WAV rusak: bagian format (fmt) terlalu pendek.")
    tag, channels, rate, _, block, bits = struct.unpack_from("<HHIIHH", body)
    if tag == EXTENSIBLE:
        if len(body) < 40 or body[24:40] != PCM_GUID:
            raise WavError("unsupported_format", "Format WAV ini tidak didukung: simpan rekaman sebagai WAV PCM "
                                                 "16-bit (bukan float, MP3 atau format terkompresi lain).")
        tag = PCM
    if tag != PCM:
        raise WavError("unsupported_format", "Format WAV ini tidak didukung: simpan rekaman sebagai WAV PCM 16-bit "
                                             "(bukan float, MP3 atau format terkompresi lain).")
    if bits not in BITS or channels not in (1, 2):
        raise WavError("unsupported_format", f"WAV {bits}-bit dengan {channels} kanal tidak didukung: gunakan "
                                             "PCM 16-bit mono atau stereo.")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise WavError("unsupported_format", f"Laju sampel {rate} Hz tidak didukung (harus {MIN_RATE} sampai "
                                             f"{MAX_RATE} Hz).")
    if block != channels * bits // 8:
        raise WavError("damaged_wav", "Berkas WAV rusak: ukuran blok tidak cocok dengan formatnya.")
    return tag, channels, rate, block, bits


def to_pcm(info: WavInfo, samples: bytes) -> Pcm:
    """The samples as 16-bit mono at the file's rate (channels averaged, other widths scaled)."""
    if info.bits == 16:
        values = array("h", samples)
        if sys.byteorder == "big":
            values.byteswap()
    elif info.bits == 8:  # unsigned, centred on 128
        values = array("h", ((b - 128) << 8 for b in samples))
    else:
        width = info.bits // 8
        # Keep the top two bytes of each little-endian sample: the sign and most significant bits.
        values = array("h", (int.from_bytes(samples[i + width - 2:i + width], "little", signed=True)
                             for i in range(0, len(samples), width)))
    if info.channels == 2:
        values = array("h", ((values[i] + values[i + 1]) // 2 for i in range(0, len(values) - 1, 2)))
    if sys.byteorder == "big":
        values.byteswap()
    return Pcm(info.rate, values.tobytes())


def read(data: bytes) -> Pcm:
    """`parse` then `to_pcm`: any integer PCM WAV as 16-bit mono. Raises `WavError`."""
    info, samples = parse(data)
    return to_pcm(info, samples)
