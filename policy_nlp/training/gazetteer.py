"""Build the entity tagger's name lists (``policy_nlp.gazetteer``) from jieba's dictionary.

jieba (MIT licence, a ``dev`` extra) ships ``dict.txt``: about 350,000 words with a
frequency and a part-of-speech tag in the PKU tag set, among them person names (nr, nrt
transliterated, nrfg), place names (ns) and organisation names (nt). Those become the
PERSON, GPE and ORG lists, words of 2 to 12 characters. Checked for leakage into the
People's Daily test: the share of its entities found in the lists (PERSON 52%, GPE 73%,
ORG 34%) equals that of the People's Daily dev set and of MSRA (48-50%, 72-73%, 33-34%),
so the lists know 1990s news names in general, not the test sentences.

``divisions_from_jionlp`` adds China's administrative divisions to the GPE list: the 34
provinces, 350 prefectures, 3,192 counties and 43,104 townships of ``china_location.txt``
in the ``jionlp`` wheel (Apache-2.0; fetched with ``pip download``, the only network use of
this step), by full name, and provinces, prefectures and counties also by short name
(嘉定区 and 嘉定). Local speeches name their own counties and towns, which 1990s news
dictionaries do not know.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from pathlib import Path

from ..ml.gazetteer import Gazetteer
from .data import pip_download

TAG_LISTS = {"nr": "PERSON", "nrt": "PERSON", "nrfg": "PERSON", "ns": "GPE", "nt": "ORG"}
LISTS = ("PERSON", "GPE", "ORG")
MIN_LENGTH, MAX_LENGTH = 2, 12
DIVISIONS_PACKAGE = "jionlp==1.5.31"
DIVISIONS_MEMBER = ("jionlp/dictionary/china_location.zip", "china_location.txt")
DIVISION_LEVELS = 4  # province, prefecture, county, township (villages are left out)
SHORT_NAME_LEVELS = 3  # short names (嘉定) of provinces, prefectures and counties


def jieba_dictionary() -> Path:
    """The ``dict.txt`` of the installed jieba package."""
    try:
        import jieba
    except ImportError as error:
        raise SystemExit("the name lists are built from jieba's dictionary: pip install 'jieba==0.42.1'") from error
    return Path(jieba.__file__).resolve().parent / "dict.txt"


def gazetteer_from_jieba(path: Path | None = None) -> Gazetteer:
    """PERSON/GPE/ORG lists from a jieba-format dictionary (``word freq tag`` per line)."""
    path = path or jieba_dictionary()
    raw = Path(path).read_bytes()
    lists: dict[str, list[str]] = {name: [] for name in LISTS}
    for line in raw.decode("utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] in TAG_LISTS and MIN_LENGTH <= len(parts[0]) <= MAX_LENGTH:
            lists[TAG_LISTS[parts[2]]].append(parts[0])
    header = [f"PERSON (nr, nrt, nrfg), GPE (ns) and ORG (nt) words of {MIN_LENGTH}-{MAX_LENGTH} characters "
              f"from jieba's dict.txt (MIT licence, https://github.com/fxsjy/jieba), sha256 "
              f"{hashlib.sha256(raw).hexdigest()}; built by policy_nlp.training.gazetteer"]
    return Gazetteer(lists, header)


def division_names(text: str) -> list[str]:
    """Names in jionlp's ``china_location.txt``: one place per line, indented by one tab per
    level, ``name<TAB>code<TAB>short name`` down to counties, ``name`` below."""
    names = []
    for line in text.splitlines():
        level = len(line) - len(line.lstrip("\t"))
        parts = line.strip().split("\t")
        if level >= DIVISION_LEVELS or not parts[0]:
            continue
        names.append(parts[0])
        if level < SHORT_NAME_LEVELS and len(parts) == 3 and parts[2] != parts[0]:
            names.append(parts[2])
    return [n for n in dict.fromkeys(names) if MIN_LENGTH <= len(n) <= MAX_LENGTH]


def divisions_from_jionlp(wheel: Path | None = None) -> tuple[list[str], str]:
    """(division names, header line) from a jionlp wheel, downloaded when none is given."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(wheel or pip_download(DIVISIONS_PACKAGE, Path(tmp))).read_bytes()
    outer, inner = DIVISIONS_MEMBER
    with zipfile.ZipFile(io.BytesIO(raw)) as archive, zipfile.ZipFile(io.BytesIO(archive.read(outer))) as nested:
        names = division_names(nested.read(inner).decode("utf-8"))
    header = (f"GPE also: {len(names)} names of China's provinces, prefectures, counties and townships (full and "
              f"short names) from china_location.txt of {DIVISIONS_PACKAGE} (JioNLP, Copyright dongrixinyu, "
              f"Apache License 2.0, https://github.com/dongrixinyu/JioNLP), wheel sha256 "
              f"{hashlib.sha256(raw).hexdigest()}")
    return names, header


def build_gazetteer(names_from: Path | None = None, divisions: Path | None | bool = None) -> Gazetteer:
    """jieba's name lists, with the administrative divisions added to GPE unless
    ``divisions`` is False (a jionlp wheel path, or None to download it)."""
    gazetteer = gazetteer_from_jieba(names_from)
    if divisions is False:
        return gazetteer
    names, line = divisions_from_jionlp(divisions or None)
    lists = {name: [w for w, found in gazetteer.words.items() if t in found] for t, name in enumerate(gazetteer.lists)}
    lists["GPE"] = lists["GPE"] + names
    return Gazetteer(lists, [*gazetteer.header, line])


__all__ = ["build_gazetteer", "division_names", "divisions_from_jionlp", "gazetteer_from_jieba", "jieba_dictionary"]
