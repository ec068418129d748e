"""Turning bytes into text: encoding detection for Chinese archives.

Order of trust: a byte-order mark; UTF-16 without BOM recognised by its NUL-byte pattern;
strict UTF-8; strict GB18030 (a superset of GBK and GB2312); strict Big5. Data with NUL
bytes that is not UTF-16, or that decodes to mostly control characters, is refused as binary. Nothing is decoded with replacement
characters: text that fits no encoding raises :class:`DecodeError` with the reason.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


# C0 controls other than tab, line feed, vertical tab, form feed, carriage return and escape.
_CONTROLS = frozenset(chr(c) for c in range(32) if c not in (9, 10, 11, 12, 13, 27)) | {"\x7f"}


class DecodeError(ValueError):
    """The bytes are not text in any encoding we accept."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0) / (len(data) / 2)
    odd_nuls = data[1::2].count(0) / (len(data) / 2)
    # ASCII-heavy UTF-16 has NULs in every other byte; CJK-heavy UTF-16 has few NULs,
    # which we cannot tell from other encodings, so we only claim the clear cases.
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> DecodedText:
    """Decode ``data`` to text, detecting its encoding (see module docstring)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"decode_text expects bytes, got {type(data).__name__}")
    data = bytes(data)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), encoding)
            except UnicodeDecodeError as err:
                raise DecodeError(f"starts with a {encoding} byte-order mark but does not decode: {err}") from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return _checked(data.decode(utf16), utf16)
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise DecodeError("contains NUL bytes and is not UTF-16: looks like a binary file")
    for encoding in ("utf-8", "gb18030", "big5"):
        try:
            return _checked(data.decode(encoding), encoding)
        except UnicodeDecodeError:
            continue
    raise DecodeError("is not valid UTF-8, UTF-16, GB18030 or Big5 text")


def _checked(text: str, encoding: str) -> DecodedText:
    """Refuse text that is mostly control characters: a binary file that happens to decode."""
    if text:
        controls = sum(1 for c in text[:4096] if c in _CONTROLS)
        if controls / min(len(text), 4096) > 0.1:
            raise DecodeError(f"decodes as {encoding} but is mostly control characters: looks like a binary file")
    return DecodedText(text, encoding)


def read_text_file(path: str | Path) -> DecodedText:
    """Read and decode a text file; errors name the file."""
    path = Path(path)
    try:
        return decode_text(path.read_bytes())
    except DecodeError as err:
        raise DecodeError(f"{path}: {err}") from None
