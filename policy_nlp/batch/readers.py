"""Finding documents (files, directories, zip/tar archives) and turning their bytes into text.

Order of trust: a byte-order mark; UTF-16 without BOM recognised by its NUL-byte pattern;
strict UTF-8; strict GB18030 (a superset of GBK and GB2312); strict Big5. Data with NUL
bytes that is not UTF-16, or that decodes to mostly control characters, is refused as binary. Nothing is decoded with replacement
characters: text that fits no encoding raises :class:`DecodeError` with the reason.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

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


# ---------------------------------------------------------------------------
# Documents from files, directories and archives
# ---------------------------------------------------------------------------

TEXT_SUFFIXES = {".txt", ".md", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
DOC_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".docx", ".pdf"}
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
MEMBER_SEP = "::"
DEFAULT_MAX_MEMBER_BYTES = 200 * 1024 * 1024


class SourceError(ValueError):
    """A document or archive member that cannot be read (the reason is the message)."""


@dataclass(frozen=True)
class Source:
    """One document to process: where it comes from and how to get its bytes.

    ``id`` is stable across runs: the path as given, plus ``::member`` for archive members.
    """

    id: str
    source: str
    member: str | None
    size: int
    read: "Callable[[], bytes]"

    @property
    def suffix(self) -> str:
        return Path(self.member or self.source).suffix.lower()


@dataclass(frozen=True)
class Skipped:
    """Something that was found but not read: unsupported type, unsafe path, too large, broken archive."""

    id: str
    source: str
    member: str | None
    reason: str


def _archive_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith(ARCHIVE_SUFFIXES):
        return "tar"
    return None


def _matches(name: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    from fnmatch import fnmatch

    base = name.rsplit("/", 1)[-1]
    if include and not any(fnmatch(name, g) or fnmatch(base, g) for g in include):
        return False
    return not any(fnmatch(name, g) or fnmatch(base, g) for g in exclude)


def safe_member_name(name: str) -> str | None:
    """The member path normalised, or None when it is absolute or climbs out with ``..``
    (such a member would escape any folder it is extracted to: zip-slip)."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or not parts:
        return None
    return "/".join(parts)


def iter_sources(
    inputs: Iterable[str | Path],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
) -> Iterator[Source | Skipped]:
    """Documents under ``inputs`` (files, directories searched recursively, .zip and .tar
    archives), in a stable order. Nothing is read yet except archive directories."""
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                yield from _file_sources(child, include, exclude, max_member_bytes)
        elif path.exists():
            yield from _file_sources(path, include, exclude, max_member_bytes)
        else:
            yield Skipped(str(path), str(path), None, "does not exist")


def _file_sources(path: Path, include, exclude, max_member_bytes) -> Iterator[Source | Skipped]:
    kind = _archive_kind(path)
    if kind is not None:
        yield from _archive_sources(path, kind, include, exclude, max_member_bytes)
    elif not _matches(path.as_posix(), include, exclude):
        return
    elif path.suffix.lower() not in DOC_SUFFIXES:
        yield Skipped(str(path), str(path), None, f"unsupported file type {path.suffix or '(none)'}")
    else:
        yield Source(str(path), str(path), None, path.stat().st_size, path.read_bytes)


def _member_checks(archive: Path, name: str, size: int, include, exclude, max_member_bytes):
    """(Source-id, safe name, skip reason or None) for an archive member; None if filtered out."""
    safe = safe_member_name(name)
    doc_id = f"{archive}{MEMBER_SEP}{name}"
    if safe is None:
        return doc_id, None, "unsafe member path (absolute or with ..): refused"
    if not _matches(safe, include, exclude):
        return None
    if Path(safe).suffix.lower() not in DOC_SUFFIXES:
        if _archive_kind(Path(safe)):
            return doc_id, safe, "nested archive: not opened"
        return doc_id, safe, f"unsupported file type {Path(safe).suffix or '(none)'}"
    if size > max_member_bytes:
        return doc_id, safe, f"member of {size:,} bytes exceeds the {max_member_bytes:,}-byte limit"
    return f"{archive}{MEMBER_SEP}{safe}", safe, None


def _archive_members(path: Path, kind: str) -> list[tuple[str, int, Callable[[int], bytes]]]:
    """(name, declared size, read(at most n bytes)) of every file in a zip or tar archive."""
    import tarfile
    import zipfile

    if kind == "zip":
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]

        def zip_reader(info):
            def read(limit: int) -> bytes:
                with zipfile.ZipFile(path) as archive, archive.open(info) as handle:
                    return handle.read(limit)
            return read

        return [(i.filename, i.file_size, zip_reader(i)) for i in infos]
    with tarfile.open(path) as archive:
        members = [m for m in archive.getmembers() if m.isfile()]

    def tar_reader(name):
        def read(limit: int) -> bytes:
            with tarfile.open(path) as archive:
                handle = archive.extractfile(name)
                if handle is None:
                    raise SourceError("not a regular file")
                return handle.read(limit)
        return read

    return [(m.name, m.size, tar_reader(m.name)) for m in members]


def _archive_sources(path: Path, kind: str, include, exclude, max_member_bytes) -> Iterator[Source | Skipped]:
    import tarfile
    import zipfile

    try:
        members = _archive_members(path, kind)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as err:
        yield Skipped(str(path), str(path), None, f"broken {kind} archive: {err}")
        return
    for name, size, read in members:
        checked = _member_checks(path, name, size, include, exclude, max_member_bytes)
        if checked is None:
            continue
        doc_id, safe, reason = checked
        if reason:
            yield Skipped(doc_id, str(path), safe or name, reason)
            continue

        def read_capped(read=read) -> bytes:
            # The declared size can lie (zip bombs): never read past the limit.
            data = read(max_member_bytes + 1)
            if len(data) > max_member_bytes:
                raise SourceError(f"member inflates past the {max_member_bytes:,}-byte limit")
            return data

        yield Source(doc_id, str(path), safe, size, _wrap_archive_errors(read_capped))


def _wrap_archive_errors(read):
    import tarfile
    import zipfile
    import zlib

    def guarded() -> bytes:
        try:
            return read()
        except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError, NotImplementedError) as err:
            raise SourceError(f"corrupt archive member: {type(err).__name__}: {err}") from None
        except RuntimeError as err:  # e.g. an encrypted zip member
            raise SourceError(f"unreadable archive member: {err}") from None

    return guarded


# ---------------------------------------------------------------------------
# Text from the bytes of one document
# ---------------------------------------------------------------------------


def extract_text(data: bytes, suffix: str) -> DecodedText:
    """Plain text of a document's bytes by its type: .txt/.md decoded, .html text only,
    .docx paragraphs, .pdf text layer. Raises :class:`DecodeError` or :class:`SourceError`."""
    suffix = suffix.lower()
    if suffix in HTML_SUFFIXES:
        return _html_text(data)
    if suffix == ".docx":
        return DecodedText(_docx_text(data), "docx")
    if suffix == ".pdf":
        return DecodedText(_pdf_text(data), "pdf")
    return decode_text(data)


_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
               "table", "ul", "ol", "blockquote", "pre", "title", "header", "footer", "td", "th"}


def _html_text(data: bytes) -> DecodedText:
    from html.parser import HTMLParser

    head = data[:4096].decode("ascii", "ignore")
    declared = re.search(r"""charset=["']?([A-Za-z0-9_-]+)""", head)
    decoded = None
    if declared:
        try:
            decoded = DecodedText(data.decode(declared.group(1).lower()), declared.group(1).lower())
        except (LookupError, UnicodeDecodeError):
            decoded = None
    decoded = decoded or decode_text(data)

    class _Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "noscript", "template"):
                self.skip += 1
            elif tag in _BLOCK_TAGS:
                self.parts.append("\n")

        def handle_endtag(self, tag):
            if tag in ("script", "style", "noscript", "template"):
                self.skip = max(0, self.skip - 1)
            elif tag in _BLOCK_TAGS:
                self.parts.append("\n")

        def handle_data(self, text):
            if not self.skip:
                self.parts.append(text)

    parser = _Text()
    parser.feed(decoded.text)
    parser.close()
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n")]
    return DecodedText("\n".join(line for line in lines if line), decoded.encoding)


def _docx_text(data: bytes) -> str:
    import io
    import zipfile
    from xml.etree import ElementTree

    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("word/document.xml")
        root = ElementTree.fromstring(xml)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as err:
        raise SourceError(f"not a readable .docx file: {err}") from None
    paragraphs = []
    for para in root.iter(f"{ns}p"):
        pieces = []
        for node in para.iter():
            if node.tag == f"{ns}t" and node.text:
                pieces.append(node.text)
            elif node.tag == f"{ns}tab":
                pieces.append("\t")
            elif node.tag in (f"{ns}br", f"{ns}cr"):
                pieces.append("\n")
        paragraphs.append("".join(pieces))
    return "\n".join(paragraphs)


def _pdf_text(data: bytes) -> str:
    import io

    try:
        import pypdf
    except ImportError:  # pragma: no cover - pypdf is a dependency
        raise SourceError("reading .pdf needs pypdf (pip install pypdf)") from None
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as err:  # pypdf raises many kinds of errors on broken files
        raise SourceError(f"not a readable .pdf file: {type(err).__name__}: {err}") from None
    text = "\n\n".join(p.strip("\n") for p in pages)
    if not text.strip():
        raise SourceError("the PDF has no text layer (scanned images?)")
    return text
