"""The pure decisions of the downloader, as tables: answers, validators, completeness,
file names."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from airtable_enterprise import DownloadError, ResponseValidationError
from airtable_enterprise.jobs.transfer import (
    MAX_NAME_BYTES,
    Answer,
    Validator,
    check_answered_id,
    confined,
    is_complete,
    is_expired_answer,
    read_answer,
    redirect_allowed,
    validator_of,
)

V1 = Validator(etag='"v1"', total=100)
DATE = "Wed, 21 Oct 2026 07:28:00 GMT"


@pytest.mark.parametrize(
    ("status", "headers", "have", "known", "expected"),
    [
        # 200: a fresh start, whatever was held; the length and validator it carries.
        (200, {"content-length": "100", "etag": '"v1"'}, 0, None, Answer(total=100, validator=V1)),
        (
            200,
            {"content-length": "100", "etag": '"v2"'},
            40,
            V1,
            Answer(total=100, validator=Validator(etag='"v2"', total=100)),
        ),
        (200, {}, 0, None, Answer()),
        (200, {"content-length": "ten"}, 0, None, Answer()),
        (200, {"content-length": "-5"}, 0, None, Answer()),
        # 206 continuing the held bytes of the same version.
        (
            206,
            {"content-range": "bytes 40-99/100", "etag": '"v1"'},
            40,
            V1,
            Answer(append=True, total=100, validator=V1),
        ),
        (
            206,
            {"content-range": " bytes 40-99/100 "},
            40,
            V1,
            Answer(append=True, total=100, validator=V1),
        ),
        (
            206,
            {"content-range": "bytes 40-99/*"},
            40,
            Validator(etag='"v1"'),
            Answer(append=True, total=None, validator=Validator(etag='"v1"')),
        ),
        (
            206,
            {"content-range": "bytes 0-99/100", "etag": '"v1"'},
            0,
            None,
            Answer(total=100, validator=V1),
        ),
        (
            206,
            {"content-range": "bytes 40-59/100", "etag": '"v1"'},
            40,
            V1,
            Answer(append=True, total=100, validator=V1),
        ),
        # A one-byte range is a range.
        (
            206,
            {"content-range": "bytes 40-40/41"},
            40,
            Validator(etag='"v1"', total=41),
            Answer(append=True, total=41, validator=Validator(etag='"v1"', total=41)),
        ),
        # From byte 1: the held byte is continued (have > 0, not have > 1).
        (
            206,
            {"content-range": "bytes 1-99/100"},
            1,
            V1,
            Answer(append=True, total=100, validator=V1),
        ),
        # 206 from another version: the held bytes are not its prefix.
        (206, {"content-range": "bytes 40-99/100", "etag": '"v2"'}, 40, V1, Answer(restart=True)),
        (206, {"content-range": "bytes 40-119/120", "etag": '"v1"'}, 40, V1, Answer(restart=True)),
        (206, {"content-range": "bytes 40-99/*", "etag": '"v1"'}, 40, V1, Answer(restart=True)),
        (
            206,
            {"content-range": "bytes 40-99/100", "last-modified": "Thu, 22 Oct 2026 07:28:00 GMT"},
            40,
            Validator(last_modified=DATE, total=100),
            Answer(restart=True),
        ),
        (
            206,
            {"content-range": "bytes 40-99/100", "last-modified": DATE},
            40,
            Validator(last_modified=DATE, total=100),
            Answer(append=True, total=100, validator=Validator(last_modified=DATE, total=100)),
        ),
        # A weak ETag in the answer says nothing; the length and held validator decide.
        (
            206,
            {"content-range": "bytes 40-99/100", "etag": 'W/"v2"'},
            40,
            V1,
            Answer(append=True, total=100, validator=V1),
        ),
        (
            206,
            {"content-range": "bytes 40-99/100", "etag": '"v2"'},
            40,
            Validator(last_modified=DATE, total=100),
            Answer(append=True, total=100, validator=Validator(etag='"v2"', total=100)),
        ),
    ],
)
def test_what_an_answer_means(
    status: int, headers: dict[str, str], have: int, known: Validator | None, expected: Answer
) -> None:
    # A plain mapping with lowercase names, as httpx.Headers answers them.
    assert read_answer(status, headers, have, known, url="u") == expected


@pytest.mark.parametrize(
    ("status", "headers", "have", "message"),
    [
        (204, {}, 0, "unexpected HTTP 204 for a file"),
        (201, {"content-length": "5"}, 0, "unexpected HTTP 201 for a file"),
        (206, {}, 40, "a 206 answer without a valid Content-Range"),
        (
            206,
            {"content-range": "bytes=40-99/100"},
            40,
            "a 206 answer without a valid Content-Range",
        ),
        (206, {"content-range": "bytes 40-99"}, 40, "a 206 answer without a valid Content-Range"),
        (206, {"content-range": "bytes */100"}, 40, "a 206 answer without a valid Content-Range"),
        (
            206,
            {"content-range": "bytes 40-99/100, 0-1/100"},
            40,
            "a 206 answer without a valid Content-Range",
        ),
        (
            206,
            {"content-range": "items 40-99/100"},
            40,
            "a 206 answer without a valid Content-Range",
        ),
        (
            206,
            {"content-range": "bytes 41-99/100"},
            40,
            "asked for bytes from 40, got them from 41",
        ),
        (
            206,
            {"content-range": "bytes 39-99/100"},
            40,
            "asked for bytes from 40, got them from 39",
        ),
        (206, {"content-range": "bytes 0-99/100"}, 40, "asked for bytes from 40, got them from 0"),
        (
            206,
            {"content-range": "bytes 40-100/100"},
            40,
            "an impossible Content-Range 'bytes 40-100/100'",
        ),
        (
            206,
            {"content-range": "bytes 40-39/100"},
            40,
            "an impossible Content-Range 'bytes 40-39/100'",
        ),
    ],
)
def test_answers_that_cannot_be_right(
    status: int, headers: dict[str, str], have: int, message: str
) -> None:
    with pytest.raises(DownloadError) as caught:
        read_answer(status, headers, have, V1, url="https://f.example/x")
    assert str(caught.value) == f"https://f.example/x: {message}"
    assert caught.value.url == "https://f.example/x"


@pytest.mark.parametrize(
    ("headers", "total", "expected"),
    [
        ({"etag": '"abc"'}, 10, Validator(etag='"abc"', total=10)),
        ({"etag": 'W/"abc"'}, 10, None),
        ({"etag": ""}, 10, None),
        ({"etag": "  "}, 10, None),
        ({"etag": 'W/"abc"', "last-modified": DATE}, None, Validator(last_modified=DATE)),
        (
            {"etag": '"abc"', "last-modified": DATE},
            3,
            Validator(etag='"abc"', last_modified=DATE, total=3),
        ),
        ({"last-modified": ""}, 10, None),
        ({}, 10, None),
    ],
)
def test_the_validator_of_an_answer(
    headers: dict[str, str], total: int | None, expected: Validator | None
) -> None:
    assert validator_of(headers, total) == expected


@pytest.mark.parametrize(
    "validator",
    [V1, Validator(last_modified=DATE), Validator(etag='"e"', last_modified=DATE, total=0)],
)
def test_a_validator_survives_its_meta_file(validator: Validator) -> None:
    assert Validator.loads(validator.dumps()) == validator
    assert "http" not in validator.dumps()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "null",
        "[]",
        '{"etag": "\\"e\\"", "last_modified": null}',
        '{"etag": null, "last_modified": null, "total": 5}',
        '{"etag": 1, "last_modified": null, "total": 5}',
        '{"etag": null, "last_modified": 1, "total": 5}',
        '{"etag": "\\"e\\"", "last_modified": null, "total": "5"}',
        '{"etag": "\\"e\\"", "last_modified": null, "total": 5.0}',
        '{"etag": "\\"e\\"", "last_modified": null, "total": true}',
    ],
)
def test_a_meta_file_that_is_not_a_validator_reads_as_none(text: str) -> None:
    assert Validator.loads(text) is None


def test_if_range_prefers_the_etag() -> None:
    assert Validator(etag='"e"', last_modified=DATE).if_range == '"e"'
    assert Validator(last_modified=DATE).if_range == DATE
    assert Validator().if_range is None


@pytest.mark.parametrize(
    ("done", "total", "chunked", "complete"),
    [
        (100, 100, False, True),
        (99, 100, False, False),
        (101, 100, True, False),
        (0, 0, False, True),
        (50, None, True, True),
        (50, None, False, False),
        (0, None, False, False),
    ],
)
def test_what_counts_as_the_whole_file(
    done: int, total: int | None, chunked: bool, complete: bool
) -> None:
    assert is_complete(done, total, chunked=chunked) is complete


@pytest.mark.parametrize(
    ("status", "body", "expired"),
    [
        (403, "Request has expired", True),
        (400, "EXPIRED token", True),
        (410, "link expires", True),
        (403, "Access Denied", False),
        (404, "expired", False),
        (401, "expired", False),
        (500, "expired", False),
        (416, "expired", False),
    ],
)
def test_which_answers_mean_an_expired_link(status: int, body: str, expired: bool) -> None:
    assert is_expired_answer(status, body) is expired


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("https://a.example/", "https://b.example/", True),
        ("https://a.example/", "http://b.example/", False),
        ("https://a.example/", "http://localhost/", False),
        ("http://localhost/", "https://b.example/", True),
        ("http://localhost/", "http://127.0.0.1/", True),
        ("http://127.0.0.1/", "http://b.example/", False),
        ("http://b.example/", "http://localhost/", False),
        ("http://b.example/", "https://c.example/", False),
        ("http://localhost/", "ftp://localhost/", False),
    ],
)
def test_which_redirects_may_be_followed(source: str, target: str, allowed: bool) -> None:
    assert redirect_allowed(httpx.URL(source), httpx.URL(target)) is allowed


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "..",
        "../escape",
        "../../etc/passwd",
        "a/b",
        "a\\b",
        "/etc/passwd",
        "\\\\server\\share",
        "nul\x00byte",
        "line\nbreak",
        "tab\there",
        "del\x7f",
        "x" * (MAX_NAME_BYTES + 1),
        "é" * 128,  # 256 bytes in UTF-8
    ],
)
def test_names_that_could_land_outside_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(DownloadError, match="refusing to write the file") as caught:
        confined(tmp_path, name, url="https://f.example/x")
    assert "\x00" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name", ["etkAAAAAAAAAAAAAA.json", "x" * MAX_NAME_BYTES, "é" * 127, "..hidden", "a..b", " x"]
)
def test_plain_file_names_are_kept_in_the_folder(tmp_path: Path, name: str) -> None:
    assert confined(tmp_path, name, url="u") == tmp_path / name


@pytest.mark.parametrize(
    ("value", "prefix", "ok"),
    [
        ("etkJkReGfIaW8DZq5", "etk", True),
        ("ealLvFqm3oJNxg30m", "eal", True),
        ("ealLvFqm3oJNxg30m", "etk", False),
        ("etkJkReGfIaW8DZq", "etk", False),
        ("etkJkReGfIaW8DZq55", "etk", False),
        ("etk../../escape00", "etk", False),
        ("../../escape", "etk", False),
        ("/etc/passwd", "eal", False),
        ("etkJkReGfIaW8D\x00q5", "etk", False),
        (None, "etk", False),
        (17, "etk", False),
    ],
)
def test_ids_answered_by_the_server_are_checked_before_any_file_name(
    value: object, prefix: str, ok: bool
) -> None:
    if ok:
        assert check_answered_id(value, prefix, path="/v0/x") == value
    else:
        with pytest.raises(ResponseValidationError, match="no file written") as caught:
            check_answered_id(value, prefix, path="/v0/x")
        assert caught.value.path == "/v0/x"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "is not a file name"),
        (".", "is not a file name"),
        ("..", "is not a file name"),
        ("a/b", "is a path, not a file name"),
        ("a\\b", "is a path, not a file name"),
        ("/abs", "is a path, not a file name"),
        ("a\x00b", "holds a control character"),
        ("x" * 300, "is longer than 255 bytes"),
    ],
)
def test_the_reason_a_name_is_refused(tmp_path: Path, name: str, reason: str) -> None:
    with pytest.raises(DownloadError) as caught:
        confined(tmp_path, name, url="https://f.example/x")
    assert str(caught.value) == (
        f"https://f.example/x: refusing to write the file {name!r:.80} {reason}"
    )
    assert caught.value.url == "https://f.example/x"


def test_a_name_that_is_not_a_string_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="is not a file name"):
        confined(tmp_path, 42, url="u")  # type: ignore[arg-type]


def test_the_exact_error_for_an_answered_id_that_is_not_one() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        check_answered_id("../x", "etk", path="/v0/meta/enterpriseAccounts/ent1/exports")
    assert caught.value.method == "GET"
    assert str(caught.value) == (
        "GET /v0/meta/enterpriseAccounts/ent1/exports: the server answered '../x' where an "
        "ID starting with 'etk' belongs; no file written"
    )
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://u:p@f.example/a/b?sig=1#frag", "https://f.example/a/b"),
        ("http://127.0.0.1:9/x?expires=1&signature=2", "http://127.0.0.1:9/x"),
        ("https://[::1/x?signature=SIG", "<invalid URL>"),
    ],
)
def test_redact_url_keeps_no_credential(url: str, safe: str) -> None:
    from airtable_enterprise.jobs.redaction import redact_url

    assert redact_url(url) == safe
