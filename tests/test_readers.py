"""Encoding detection: BOMs, UTF-16 without BOM, UTF-8, GB18030/GBK, Big5; binary and broken data refused."""

from __future__ import annotations

import codecs

import pytest

from policy_nlp.batch.readers import DecodeError, decode_text, read_text_file

TEXT = "同志们：要持续优化营商环境，确保完成全年目标任务。"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (("Report 2024: " + TEXT).encode("utf-16-le")[: 2 * 13] + "Plain ASCII words here".encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gbk"), "gb18030"),
        ("營商環境持續優化，經濟穩定增長。".encode("big5"), "gb18030"),
    ],
)
def test_encodings(data, encoding):
    decoded = decode_text(data)
    assert decoded.encoding == encoding
    assert not decoded.text.startswith("\ufeff")


def test_gb18030_text_round_trips():
    assert decode_text(TEXT.encode("gb18030")).text == TEXT


def test_big5_only_bytes_decode_as_big5():
    data = "營商環境".encode("big5") + b"\xf9\xd6"  # 0xF9D6 (碁) is Big5 but not valid GB18030 here
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        assert decode_text(data).encoding == "big5"
    else:
        assert decode_text(data).encoding == "gb18030"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        bytes(range(256)) * 4,
        b"\x00\x01\x02\x03" * 10,
        b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 20,  # control bytes only: valid UTF-8, still not text
    ],
)
def test_binary_is_refused(data):
    with pytest.raises(DecodeError, match="binary"):
        decode_text(data)


def test_undecodable_is_refused():
    with pytest.raises(DecodeError, match="not valid"):
        decode_text(b"abc\x80\xffdef")


def test_broken_bom_text_is_refused():
    with pytest.raises(DecodeError, match="byte-order mark"):
        decode_text(codecs.BOM_UTF8 + b"\xe8\xa6")


def test_non_bytes_is_a_type_error():
    with pytest.raises(TypeError, match="str"):
        decode_text("已经是文本")


def test_read_text_file_names_the_file(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\x00\x01\x02binary\x00")
    with pytest.raises(DecodeError, match="broken.txt"):
        read_text_file(path)
