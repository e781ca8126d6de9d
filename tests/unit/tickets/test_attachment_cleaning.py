"""What an uploaded file's name and media type are stored as: a base name (never a path)
without control or format characters, at most 200 characters with the extension kept; a valid
``type/subtype`` or ``application/octet-stream``."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sladesk.tickets import clean_content_type, clean_filename


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\bob\\report.pdf", "report.pdf"),
        ("..\\..//boot.ini", "boot.ini"),
        ("  résumé final.docx  ", "résumé final.docx"),
        ("re\u0301sume\u0301.txt", "résumé.txt"),  # NFD (macOS) becomes NFC
        ("bad\x00na\x1bme\r\n.txt", "badname.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override disguising .exe
        ("line\u2028break.txt", "linebreak.txt"),
        ("日本語の資料.xlsx", "日本語の資料.xlsx"),
        (".bashrc", ".bashrc"),
        ("", "attachment"),
        ("   ", "attachment"),
        ("dir/", "attachment"),
        ("..", "attachment"),
        ("a/b/...", "attachment"),
        ("\x00\x01", "attachment"),
    ],
)
def test_file_names(sent: str, stored: str) -> None:
    assert clean_filename(sent) == stored


def test_a_long_name_keeps_its_extension() -> None:
    name = clean_filename("a" * 300 + ".pdf")
    assert name == "a" * 196 + ".pdf" and len(name) == 200
    assert clean_filename("é" * 250 + ".tar") == "é" * 196 + ".tar"  # characters, not bytes


def test_a_long_extension_is_cut_with_the_name() -> None:
    assert clean_filename("x." + "y" * 300) == "x." + "y" * 198
    assert clean_filename("z" * 300) == "z" * 200


@given(st.text(max_size=400))
def test_any_name_is_a_short_base_name_without_control_characters(raw: str) -> None:
    name = clean_filename(raw)
    assert 1 <= len(name) <= 200
    assert "/" not in name and "\\" not in name
    assert name == name.strip()
    # no control, format or surrogate character, no line or paragraph separator
    assert not {unicodedata.category(c) for c in name} & {"Cc", "Cf", "Cs", "Zl", "Zp"}
    assert name.strip(".")


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("image/png", "image/png"),
        ("Image/PNG", "image/png"),
        ("text/plain; charset=utf-8", "text/plain"),
        ("image/svg+xml", "image/svg+xml"),
        ("application/vnd.ms-excel", "application/vnd.ms-excel"),
        (None, "application/octet-stream"),
        ("", "application/octet-stream"),
        ("png", "application/octet-stream"),
        ("a/b/c", "application/octet-stream"),
        ("/png", "application/octet-stream"),
        ("image/", "application/octet-stream"),
        ("text/html\r\nX-Evil: 1", "application/octet-stream"),
        ("text /html", "application/octet-stream"),
        ("imáge/png", "application/octet-stream"),
        ("x/" + "y" * 128, "application/octet-stream"),
    ],
)
def test_media_types(sent: str | None, stored: str) -> None:
    assert clean_content_type(sent) == stored
