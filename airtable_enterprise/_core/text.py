"""Text and JSON values before they are sent or compared (pure, no I/O).

- :func:`email_key`: the one key an email address is compared by, however it was typed
  (case, Unicode NFC/NFD, surrounding spaces).
- :func:`check_text`: a name (a person's, a group's, a title) without characters that
  cannot be shown or stored safely: controls (NUL, CR, LF, tab), lone surrogates, line
  separators and the bidi controls that reorder what a reader sees.
- :func:`check_json`: a value JSON can carry as it is (no ``NaN``, dates, sets, bytes
  or objects), checked before the request reaches the rate limiter.
"""

from __future__ import annotations

import math
import unicodedata

from ..errors import InvalidInputError

__all__ = [
    "BIDI_CONTROLS",
    "check_json",
    "check_text",
    "email_key",
    "name_key",
    "unsafe_character",
]

#: Characters that reorder displayed text (Unicode's bidi controls: ALM, LRM, RLM,
#: LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI), the "Trojan Source" characters.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Controls (Cc: NUL, CR, LF, tab, ...), lone surrogates (Cs: not encodable as UTF-8),
# line and paragraph separators (Zl, Zp). Joiners (ZWJ in emoji) stay allowed.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
#: Nesting accepted in a JSON value (deeper is refused, never a RecursionError).
MAX_JSON_DEPTH = 32


def email_key(email: str) -> str:
    """The key an email address is matched by: surrounding spaces dropped, Unicode NFC,
    lower case (``" Zoë@X.example"`` typed with a combining diaeresis and ``"zoë@x.example"``
    have one key)."""
    return name_key(email)


def name_key(text: str) -> str:
    """The key a name (a group's, a domain) is matched by: as :func:`email_key`.

    Lower case, not ``casefold()``: full case folding also merges different letters
    (``ß`` and ``ss``, ``ﬁ`` and ``fi``, ``ſ`` and ``s``), so ``straße@`` would match,
    update or deactivate the user ``strasse@``, another address (IDNA2008 keeps ``ß``
    too). RFC 8265 (PRECIS usernames) moved from case folding to ``toLowerCase`` for
    this reason, which is also how a JavaScript server compares addresses."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text.strip()).lower())


def unsafe_character(text: str) -> str | None:
    """The first character of ``text`` that :func:`check_text` refuses, or ``None``."""
    for char in text:
        if char in BIDI_CONTROLS or unicodedata.category(char) in _UNSAFE_CATEGORIES:
            return char
    return None


def check_text(argument: str, value: object) -> str:
    """Return ``value`` if it is a non-blank string without controls, lone surrogates,
    line separators or bidi controls (see the module doc)."""
    if not isinstance(value, str):
        raise InvalidInputError(argument, value, f"must be a string, not a {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(argument, value, "must not be blank")
    bad = unsafe_character(value)
    if bad is not None:
        raise InvalidInputError(
            argument, value, f"must not contain control or bidi characters (found U+{ord(bad):04X})"
        )
    return value


def check_json(argument: str, value: object) -> object:
    """Return ``value`` if JSON carries it as it is: ``str`` (no lone surrogates),
    ``bool``, ``int``, finite ``float``, ``None``, and lists, tuples and ``str``-keyed
    dicts of those, at most :data:`MAX_JSON_DEPTH` deep. Anything else (``NaN``,
    ``datetime``, ``set``, ``bytes``, objects, a cycle) is an :class:`InvalidInputError`."""
    _walk(argument, value, 0)
    return value


def _walk(argument: str, value: object, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise InvalidInputError(argument, "<nested value>", f"nests deeper than {MAX_JSON_DEPTH}")
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(argument, value, "JSON has no NaN or infinity")
    elif isinstance(value, str):
        if any(unicodedata.category(char) == "Cs" for char in value):
            raise InvalidInputError(argument, value, "contains a lone surrogate (not UTF-8)")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _walk(f"{argument}[{index}]", item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInputError(argument, key, "JSON object keys must be strings")
            _walk(f"{argument}.{key}", item, depth + 1)
    else:
        raise InvalidInputError(argument, value, f"a {type(value).__name__} cannot be sent as JSON")
