"""Real media files of the simulated GPU and speech services: PNG and MP4 written, audio recognised.

- ``png``: a valid RGB PNG of the requested size, a gradient with bands whose
  colours and positions come from a hash of prompt and seed (same inputs, same bytes).
- ``mp4``: a valid ISO base media file (``ftyp``, ``moov``/``mvhd`` with the
  requested duration, empty ``mdat``); players read its duration, it holds no frames.
- ``audio_info``: what an uploaded file is: WAV read with the standard
  library (real duration); MP3, Ogg, FLAC and MP4/M4A recognised by their
  signatures, their duration estimated from size at 128 kbit/s; anything
  else has no audio.
"""

from __future__ import annotations

import hashlib
import io
import struct
import wave
import zlib
from dataclasses import dataclass

ASPECTS: dict[str, tuple[int, int]] = {"1:1": (512, 512), "4:5": (512, 640), "16:9": (512, 288), "9:16": (288, 512)}
"""Pixel size of a generated image per aspect ratio."""
_ESTIMATE_BYTES_PER_SECOND = 16_000
"""128 kbit/s, for compressed audio the twin cannot decode."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, prompt: str, seed: int) -> bytes:
    digest = hashlib.sha256(f"{prompt}\n{seed}".encode()).digest()
    top, bottom, band = digest[0:3], digest[3:6], digest[6:9]
    band_every = 8 + digest[9] % 24
    rows = []
    for y in range(height):
        t = y / max(height - 1, 1)
        colour = bytes(int(a + (b - a) * t) for a, b in zip(top, bottom))
        if (y // band_every) % 5 == digest[10] % 5:
            colour = band
        rows.append(b"\x00" + colour * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) \
        + _chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(duration_sec: int) -> bytes:
    scale = 1000
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = struct.pack(">B3xIIII", 0, 0, 0, scale, duration_sec * scale) + struct.pack(">IH10x", 0x10000, 0x100) \
        + matrix + b"\x00" * 24 + struct.pack(">I", 2)
    return _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41") \
        + _box(b"moov", _box(b"mvhd", mvhd)) + _box(b"mdat", b"")


def mp4_duration(data: bytes) -> float:
    at = data.index(b"mvhd") + 4
    scale, duration = struct.unpack(">II", data[at + 12: at + 20])
    return float(duration) / float(scale)


@dataclass(frozen=True, slots=True)
class AudioInfo:
    container: str
    duration_sec: float
    measured: bool
    """True when the duration was read from the file, False when estimated from its size."""


def audio_info(data: bytes) -> AudioInfo | None:
    """What the upload holds, or None when it is no audio the service takes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        try:
            with wave.open(io.BytesIO(data)) as reader:
                rate, frames = reader.getframerate(), reader.getnframes()
        except (wave.Error, EOFError):
            return None
        return AudioInfo("wav", round(frames / rate, 3), True) if rate and frames else None
    estimate = round(len(data) / _ESTIMATE_BYTES_PER_SECOND, 3)
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return AudioInfo("mp3", estimate, False)
    if data[:4] == b"OggS":
        return AudioInfo("ogg", estimate, False)
    if data[:4] == b"fLaC":
        return AudioInfo("flac", estimate, False)
    if data[4:8] == b"ftyp":
        return AudioInfo("m4a", estimate, False)
    return None
