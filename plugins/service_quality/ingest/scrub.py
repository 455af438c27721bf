"""Personal data out of free text: e-mail addresses, phone numbers and payment-card numbers that people type
into comments are replaced by ``[email]``, ``[phone]`` and ``[card]`` before a row reaches the warehouse.

DATA_CONTRACTS.md ("Free text"): the contact columns of a survey are hashed, but customers also write their
phone number or e-mail into the comment, and an agency's shopper may paste a receipt with a card number.
Everything else a comment holds stays as written: order and receipt numbers, dates, times, prices,
quantities, article codes. The rules, and why each is shaped the way it is:

- **e-mail**: ``local@domain.tld`` (any script: ``почта@пример.рф``), also ``local @ domain.tld`` and the
  ``(at)`` / ``[at]`` spellings; the top-level domain must be letters, so ``2@100.00`` is not an address.
- **card**: 13-19 digits, alone or in groups split by single spaces or dashes, that pass the Luhn check and
  start with 2-6 (the issuer ranges of payment cards: Mir, Visa, Mastercard, Maestro, UnionPay, JCB, Amex).
  A receipt's fiscal numbers or an order id that happen to pass Luhn start elsewhere or have other lengths.
- **phone**: the forms people write, and nothing shaped like a date, a price or an id:
  ``+<country> ...`` with 9-15 digits (``+7`` and ``+1`` numbers have exactly 11), a Russian trunk prefix
  ``8``/``7`` with 10 more digits (unseparated only with a Russian area code: ``89161234567``,
  ``84951234567``, not ``81234567890``), a ten-digit number with
  its area code in parentheses or split like a phone (``(916) 123-45-67``, ``916-123-45-67``,
  ``415-555-0100``, ``415.555.0100``), and a city number ``123-45-67``. A bare run of ten digits is an id.

Comments are scrubbed one by one at load time, so the patterns are compiled once, at import, and a text
with neither a digit nor an ``@`` costs one scan.
"""

from __future__ import annotations

import re

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card]"

_SPACE = "[ \u00a0]"  # a space or a no-break space
_SEP = "[ \u00a0-]"  # what separates the digit groups of a card or a Russian phone

_EMAIL_RE = re.compile(
    r"(?<![\w.+%-])[\w.+%-]+"
    rf"(?:{_SPACE}?@{_SPACE}?|{_SPACE}?[(\[]at[)\]]{_SPACE}?)"
    r"(?:[\w-]+\.)+[^\W\d_]{2,}(?![\w-])",
    re.IGNORECASE,
)

# Each pattern opens with a lookahead on its first character ("(?=\d)", "(?=[+(\d])"): a position that cannot
# start a match is left at once, before the lookbehinds and alternatives are tried (half the time of a scan).
_CARD_RE = re.compile(rf"(?=\d)(?<![\w-])\d(?:{_SEP}?\d){{12,18}}(?!\w)")

#: Not inside a word or a number: no letter, digit or "+" just before, and no digit followed by . , or -.
_START = r"(?<![\w+])(?<!\d[.,-])"
_PHONE_RE = re.compile(
    "(?=[+(\\d])(?:"
    + "|".join(
        (
            # +<country code> and groups, one may be in parentheses: +7 (916) 123-45-67, +44 20 7946 0958
            rf"(?P<intl>{_START}\+{_SPACE}?\d{{1,3}}(?:[ \u00a0.-]?\(?\d{{1,5}}\)?){{1,6}}(?!\d))",
            # Russian trunk prefix: 8 (916) 123-45-67, 8-800-555-35-35, 89161234567, 8 (3452) 12-34-56
            rf"(?P<trunk>{_START}[78]{_SEP}?\(?\d{{3,5}}\)?(?:{_SEP}?\d{{1,4}}){{1,4}}(?!\d))",
            # ten digits shaped like a phone, without a country code
            rf"(?P<ten>{_START}(?:"
            rf"\(\d{{3}}\){_SPACE}?\d{{3}}(?:[ \u00a0-]?\d{{2}}[ \u00a0-]?\d{{2}}|[ \u00a0.-]\d{{4}})"
            rf"|\d{{3}}{_SEP}\d{{3}}-\d{{2}}-\d{{2}}"
            r"|\d{3}(?P<sep10>[.-])\d{3}(?P=sep10)\d{4}"
            r")(?![\w-]|[.,]\d))",
            # a city number: 123-45-67
            rf"(?P<city>{_START}\d{{3}}-\d{{2}}-\d{{2}}(?![\w-]|[.,]\d))",
        )
    )
    + ")"
)
_DIGITS = re.compile(r"\d+")
_DIGIT_OR_AT = re.compile(r"[\d@]|\(at\)|\[at\]", re.IGNORECASE)
_AT = re.compile(r"[(\[]at[)\]]", re.IGNORECASE)  # the spelt-out "@" the e-mail pattern knows


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and _luhn(digits)


def _card(match: re.Match) -> str:
    """The card inside the digit run, if any: the longest span of whole groups that is a card number."""
    text = match.group()
    groups = list(_DIGITS.finditer(text))
    for length in range(len(groups), 0, -1):
        for start in range(len(groups) - length + 1):
            span = groups[start : start + length]
            if _is_card("".join(g.group() for g in span)):
                return text[: span[0].start()] + CARD + text[span[-1].end() :]
    return text


def _phone_digits(kind: str, digits: str, separated: bool) -> bool:
    if kind == "intl":
        if digits[0] in "71":  # +7 (Russia, Kazakhstan) and +1 (North America): 11 digits exactly
            return len(digits) == 11
        return 9 <= len(digits) <= 15
    # trunk prefix 8/7 and ten more digits; written without separators, the area code must be a Russian one
    # (3xx, 4xx, 8xx, 9xx): 84951234567 is a phone, the order number 81234567890 is not
    return len(digits) == 11 and (separated or digits[1] in "3489")


def _phone(match: re.Match) -> str:
    kind = match.lastgroup
    text = match.group()
    if kind not in ("intl", "trunk"):
        return PHONE
    # The pattern may run on into a number that follows ("+7 916 123-45-67 2 шт"): the phone is the longest
    # run of whole digit groups from the start that has a phone's digits.
    groups = list(_DIGITS.finditer(text))
    digits = ""
    best = None
    for i, group in enumerate(groups):
        digits += group.group()
        if len(digits) > 15:
            break
        if _phone_digits(kind, digits, separated=i > 0 or "(" in text[: group.end()]):
            best = group.end()
    return text if best is None else PHONE + text[best:]


def scrub(text: str | None) -> str | None:
    """``text`` with e-mail addresses, payment-card numbers and phone numbers replaced by ``[email]``,
    ``[card]`` and ``[phone]``; everything else unchanged. ``None`` and ``""`` are returned as they are."""
    if not text or not _DIGIT_OR_AT.search(text):
        return text
    if "@" in text or _AT.search(text):
        text = _EMAIL_RE.sub(EMAIL, text)
    text = _CARD_RE.sub(_card, text)
    return _PHONE_RE.sub(_phone, text)


def found(text: str | None) -> list[str]:
    """The kinds of personal data (``email``, ``card``, ``phone``) that :func:`scrub` would replace in ``text``,
    by the same patterns: empty for a text the scrubber leaves as it is (used to check stored text)."""
    if not text or not _DIGIT_OR_AT.search(text):
        return []
    kinds = []
    if "@" in text or _AT.search(text):
        without = _EMAIL_RE.sub(EMAIL, text)
        if without != text:
            kinds.append("email")
            text = without
    without = _CARD_RE.sub(_card, text)
    if without != text:
        kinds.append("card")
        text = without
    if _PHONE_RE.sub(_phone, text) != text:
        kinds.append("phone")
    return kinds
