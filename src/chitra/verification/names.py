"""Compare the name BHXH holds with the name the population database holds (issue 16, item 3).

Pure Python, no Django and no database. A name is read as a list of words; each word is kept
as its letters (with the vowel marks â ă ê ô ơ ư and đ) and its tone marks apart, so old and
new tone placement (``hoà``/``hòa``, ``thuý``/``thúy``, ``khoẻ``/``khỏe``) and NFC/NFD input
compare equal, while a different tone or vowel (``Hoa``/``Hòa``, ``An``/``Ân``) does not.

Tolerated, in decreasing order of confidence (each costs points off 100):

- case, repeated spaces, punctuation, spacing, tone placement → ``SAME_AFTER_NORMALIZING``;
- one side written **entirely** without diacritics (``NGUYEN THI HOA``) → ``ACCENTS_MISSING``.
  When both sides carry diacritics, words must agree on every mark: ``Lê Thị Hoa`` and
  ``Lê Thị Hòa`` are two names (``ACCENTS_DIFFER``);
- the filler middle names ``Thị``/``Văn`` missing, or written ``Thi``/``Van``, between the
  family and the given name → ``MIDDLE_NAME_VARIANT``;
- the family name moved to the end, or the given name to the front (``Hoa Nguyễn Thị``,
  ``Thị Hoa Nguyễn``) → ``ORDER_DIFFERS``. Other reorderings are refused: ``Trần Anh Tuấn``
  and ``Trần Tuấn Anh`` are different people.

Anything else is ``DIFFERENT``. The score of a name that does not match is never above
:data:`DIFFERENT_SCORE_CAP`, below :data:`MATCH_THRESHOLD`.

A name that is not a name (empty, longer than :data:`MAX_NAME_LENGTH` characters, digits,
control or invisible characters, letters of a script other than Latin) is refused:
:func:`compare_names` raises :class:`InvalidName` and :func:`name_problems` reports it as a
:class:`~chitra.core.errors.Problem` for the file readers.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import NamedTuple

from chitra.core.errors import Problem

MAX_NAME_LENGTH = 200
"""Longest name accepted, in characters after normalization; longer input is refused."""

MATCH_THRESHOLD = 75
"""A :class:`NameMatch` with at least this score ``matches``."""

DIFFERENT_SCORE_CAP = 60
"""Highest score given to names that do not match (a similarity hint for the reviewer)."""

# Points off 100 for each tolerated difference.
_NORMALIZED_SCORE = 95
_SPACING_PENALTY = 5
_ACCENTS_PENALTY = 5
_MIDDLE_PENALTY = 10
_ORDER_PENALTY = 15

# The five Vietnamese tones as combining marks (NFD); U+0340/U+0341 normalize to these.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_SEPARATORS = frozenset("'’ʼ‘`-‐‑‒–—.,")
# Filler middle names: may be missing, or written without their mark, between family and
# given name. The value is the correct spelling.
_FILLERS = {"thi": "thị", "van": "văn"}


class NameReason(StrEnum):
    EXACT = "exact"
    SAME_AFTER_NORMALIZING = "same_after_normalizing"
    ACCENTS_MISSING = "accents_missing"
    MIDDLE_NAME_VARIANT = "middle_name_variant"
    ORDER_DIFFERS = "order_differs"
    ACCENTS_DIFFER = "accents_differ"
    DIFFERENT = "different"

    @property
    def text_vi(self) -> str:
        return _REASON_TEXTS[self][0]

    @property
    def text_en(self) -> str:
        return _REASON_TEXTS[self][1]


_REASON_TEXTS = {
    NameReason.EXACT: ("Trùng khớp hoàn toàn", "Exactly the same"),
    NameReason.SAME_AFTER_NORMALIZING: (
        "Giống nhau sau khi chuẩn hoá (chữ hoa/thường, khoảng trắng, dấu câu, vị trí dấu thanh)",
        "Same after normalizing (case, spacing, punctuation, tone-mark placement)"),
    NameReason.ACCENTS_MISSING: (
        "Một bên viết không dấu", "One side is written without diacritics"),
    NameReason.MIDDLE_NAME_VARIANT: (
        "Tên đệm Thị/Văn bị thiếu hoặc viết khác",
        "Middle name Thị/Văn missing or spelled differently"),
    NameReason.ORDER_DIFFERS: (
        "Thứ tự họ và tên khác nhau", "Family and given names in a different order"),
    NameReason.ACCENTS_DIFFER: (
        "Khác dấu: hai tên khác nhau", "Diacritics differ: different names"),
    NameReason.DIFFERENT: ("Tên khác nhau", "Different names"),
}

# The more severe reason wins when several differences are tolerated together.
_SEVERITY = [NameReason.SAME_AFTER_NORMALIZING, NameReason.ACCENTS_MISSING,
             NameReason.MIDDLE_NAME_VARIANT, NameReason.ORDER_DIFFERS]


@dataclass(frozen=True)
class NameMatch:
    """How the name we hold compares with theirs: an integer score 0–100 and why."""

    score: int
    reason: NameReason

    def __post_init__(self) -> None:
        if type(self.score) is not int or not 0 <= self.score <= 100:
            raise ValueError(f"score must be an integer 0-100, not {self.score!r}")

    @property
    def matches(self) -> bool:
        """The same person's name, allowing for the tolerated differences."""
        return self.score >= MATCH_THRESHOLD

    @property
    def needs_correction(self) -> bool:
        """The names differ beyond normalization: report it, even if they match."""
        return self.reason not in (NameReason.EXACT, NameReason.SAME_AFTER_NORMALIZING)

    @property
    def reason_vi(self) -> str:
        return self.reason.text_vi

    @property
    def reason_en(self) -> str:
        return self.reason.text_en


class InvalidName(ValueError):
    """A value that cannot be compared as a name."""

    def __init__(self, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en


class _Word(NamedTuple):
    letters: str  # casefolded NFC, vowel marks and đ kept, tone marks removed
    tones: tuple[str, ...]  # tone marks in order of appearance
    folded: str  # no mark at all, đ → d

    @property
    def filler(self) -> str | None:
        """``thi``/``van`` if this word is the filler middle name, with or without marks."""
        spelled = unicodedata.normalize("NFC", self.letters + "".join(self.tones))
        correct = _FILLERS.get(self.folded)
        return self.folded if correct is not None and spelled in (correct, self.folded) else None


class _Name(NamedTuple):
    words: tuple[_Word, ...]
    accented: bool  # carries at least one mark or đ


# What a Vietnamese name holds after NFKC, casefold and NFD: checked at once, in C.
_MARKS = "".join(chr(c) for c in range(0x300, 0x370))
_FAST_OK = frozenset(string.ascii_lowercase + "đ" + _MARKS + " " + "".join(_SEPARATORS))
_STRAY_MARK = re.compile(f"(?:^|[\\s{re.escape(''.join(_SEPARATORS))}])[{_MARKS}]")
_WORD_SPLIT = re.compile(f"[\\s{re.escape(''.join(_SEPARATORS))}]+")
_DROP_TONES = str.maketrans(dict.fromkeys(_TONE_MARKS))
_FOLD = str.maketrans({"đ": "d", **dict.fromkeys(_MARKS)})


def _parse(name: str) -> _Name:
    decomposed = _checked(name)
    words = []
    accented = False
    for word in _WORD_SPLIT.split(decomposed):
        if not word:
            continue
        folded = word.translate(_FOLD)
        accented = accented or folded != word
        tones = tuple(c for c in word if c in _TONE_MARKS)
        letters = unicodedata.normalize("NFC", word.translate(_DROP_TONES)) if tones else (
            unicodedata.normalize("NFC", word))
        words.append(_Word(letters, tones, folded))
    return _Name(tuple(words), accented)


def _checked(name: str) -> str:
    """``name`` casefolded and decomposed (NFD), or :class:`InvalidName` if it is no name."""
    if not isinstance(name, str):
        raise TypeError(f"a name must be a str, not {type(name).__name__}")
    # Cap the work before normalizing: NFD of a 200-letter name is at most 3 × 200 points.
    if len(name) > 4 * MAX_NAME_LENGTH or len(
            text := unicodedata.normalize("NFKC", name)) > MAX_NAME_LENGTH:
        raise InvalidName("name_too_long",
                          f"Họ tên dài quá {MAX_NAME_LENGTH} ký tự.",
                          f"Name longer than {MAX_NAME_LENGTH} characters.")
    decomposed = unicodedata.normalize("NFD", text.casefold())
    if not set(decomposed) <= _FAST_OK or _STRAY_MARK.search(decomposed):
        _refuse_characters(decomposed)
    if not _WORD_SPLIT.sub("", decomposed):
        raise InvalidName("name_empty", "Họ tên trống.", "Name is empty.")
    return decomposed


def _refuse_characters(decomposed: str) -> None:
    """Raise :class:`InvalidName` for the first character a name may not hold, if any.

    Other Latin letters (ø, ß, æ…) are allowed; they are compared as they are.
    """
    after_letter = False
    for ch in decomposed:
        category = unicodedata.category(ch)
        if category[0] == "L":
            if not (ch.isascii() or ch == "đ" or unicodedata.name(ch, "").startswith("LATIN")):
                raise InvalidName("name_script",
                                  "Họ tên có chữ không thuộc bảng chữ cái Latinh/tiếng Việt.",
                                  "Name has letters outside the Latin/Vietnamese alphabet.")
            after_letter = True
        elif category[0] == "M":
            if not after_letter:
                raise InvalidName("name_characters", "Họ tên có dấu không đi kèm chữ cái.",
                                  "Name has a diacritic that is not on a letter.")
        elif category == "Zs" or ch in "\t\n\r" or ch in _SEPARATORS:
            after_letter = False
        elif category == "Cc":
            raise InvalidName("name_control", "Họ tên có ký tự điều khiển.",
                              "Name has a control character.")
        elif category == "Cf":
            raise InvalidName("name_invisible",
                              "Họ tên có ký tự ẩn hoặc ký tự đảo chiều văn bản.",
                              "Name has an invisible or text-direction character.")
        else:
            raise InvalidName("name_characters",
                              f"Họ tên có ký tự không hợp lệ: {ch!r}.",
                              f"Name has a character that is not allowed: {ch!r}.")


_EXACT = NameMatch(100, NameReason.EXACT)


def name_problems(value: str, *, row: int | None = None, column: str = "") -> list[Problem]:
    """Why ``value`` cannot be compared as a name, as data problems; empty if it can."""
    try:
        _parse(value)
    except InvalidName as error:
        return [Problem(row, column, value, error.code, error.message_vi, error.message_en)]
    return []


def compare_names(ours: str, theirs: str) -> NameMatch:
    """Compare the name BHXH holds (``ours``) with the population database's (``theirs``).

    Raises :class:`InvalidName` (a ``ValueError``) if either is not a name; see the module
    docstring for what is tolerated.
    """
    if ours == theirs:
        _checked(ours)
        return _EXACT
    mine, other = _parse(ours), _parse(theirs)
    fold = mine.accented != other.accented  # one side has no mark at all
    if len(mine.words) == len(other.words) and all(
            _same_word(a, b, fold) for a, b in zip(mine.words, other.words, strict=True)):
        best: tuple[int, bool] | None = (0, False)
    else:
        best = _best_alignment(mine.words, other.words, fold)
    if best is not None:
        middle_ops, rotated = best
        score = _NORMALIZED_SCORE
        reasons = [NameReason.SAME_AFTER_NORMALIZING]
        if fold:
            score -= _ACCENTS_PENALTY
            reasons.append(NameReason.ACCENTS_MISSING)
        if middle_ops:
            score -= _MIDDLE_PENALTY * middle_ops
            reasons.append(NameReason.MIDDLE_NAME_VARIANT)
        if rotated:
            score -= _ORDER_PENALTY
            reasons.append(NameReason.ORDER_DIFFERS)
        return NameMatch(max(score, 0), max(reasons, key=_SEVERITY.index))
    if _same_letters(mine.words, other.words, fold):
        # Only the spacing between words differs ("H'Nhí"/"HNhí", "Thị Hoa"/"ThịHoa").
        score = _NORMALIZED_SCORE - _SPACING_PENALTY - (_ACCENTS_PENALTY if fold else 0)
        reason = NameReason.ACCENTS_MISSING if fold else NameReason.SAME_AFTER_NORMALIZING
        return NameMatch(score, reason)
    folded_mine = " ".join(w.folded for w in mine.words)
    folded_other = " ".join(w.folded for w in other.words)
    reason = (NameReason.ACCENTS_DIFFER if folded_mine == folded_other
              else NameReason.DIFFERENT)
    return NameMatch(_similarity(folded_mine, folded_other) * DIFFERENT_SCORE_CAP // 100, reason)


def _same_word(a: _Word, b: _Word, fold: bool) -> bool:
    if fold:
        return a.folded == b.folded
    return a.letters == b.letters and a.tones == b.tones


def _best_alignment(
    a: tuple[_Word, ...], b: tuple[_Word, ...], fold: bool
) -> tuple[int, bool] | None:
    """(middle-name operations, rotated) of the cheapest alignment, or None if there is none.

    Either side may be read as is, or rotated by one word either way (family name last,
    given name first); filler middle names may be missing on one side, or written without
    marks.
    """
    if Counter(w.folded for w in a if w.folded not in _FILLERS) != Counter(
            w.folded for w in b if w.folded not in _FILLERS):
        return None  # no reordering or missing filler makes them agree
    candidates = [(a, b, False)]
    for x, y in ((a, b), (b, a)):
        if len(x) > 1:
            candidates += [(x[1:] + x[:1], y, True), (x[-1:] + x[:-1], y, True)]
    found: list[tuple[int, int, bool]] = []
    for x, y, rotated in candidates:
        for skip_in_a in (True, False):
            ops = _align(x, y, fold, skip_in_a=skip_in_a)
            if ops is not None:
                penalty = ops * _MIDDLE_PENALTY + rotated * _ORDER_PENALTY
                found.append((penalty, ops, rotated))
    if not found:
        return None
    _, ops, rotated = min(found)
    return ops, rotated


def _align(
    a: tuple[_Word, ...], b: tuple[_Word, ...], fold: bool, *, skip_in_a: bool
) -> int | None:
    """Fewest middle-name operations that make ``a`` and ``b`` agree, or None.

    The first and last words always pair with each other. In between, a filler may be
    missing, on one side only (``skip_in_a`` says which: ``Nguyễn Thị Hoa`` and ``Nguyễn Văn
    Hoa`` do not agree), and when both sides carry marks ``Thi``/``Van`` pair with
    ``Thị``/``Văn``.
    """
    n, m = len(a), len(b)
    longer, skipped = (a, n) if skip_in_a else (b, m)

    @cache
    def cost(i: int, j: int) -> int | None:
        if i == n and j == m:
            return 0
        options: list[int] = []
        if i < n and j < m:
            if _same_word(a[i], b[j], fold):
                step: int | None = 0
            elif (0 < i < n - 1 and 0 < j < m - 1 and a[i].filler is not None
                  and a[i].filler == b[j].filler):
                step = 1
            else:
                step = None
            if step is not None and (rest := cost(i + 1, j + 1)) is not None:
                options.append(rest + step)
        k = i if skip_in_a else j
        if k < skipped and 0 < k < skipped - 1 and longer[k].filler is not None:
            rest = cost(i + 1, j) if skip_in_a else cost(i, j + 1)
            if rest is not None:
                options.append(rest + 1)
        return min(options) if options else None

    try:
        return cost(0, 0)
    finally:
        cost.cache_clear()


def _same_letters(a: tuple[_Word, ...], b: tuple[_Word, ...], fold: bool) -> bool:
    if fold:
        return "".join(w.folded for w in a) == "".join(w.folded for w in b)
    return ("".join(w.letters for w in a) == "".join(w.letters for w in b)
            and [t for w in a for t in w.tones] == [t for w in b for t in w.tones])


def _similarity(a: str, b: str) -> int:
    """100 × (1 − edit distance / longer length), in integers."""
    longer = max(len(a), len(b))
    if longer == 0:
        return 100
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return (longer - previous[-1]) * 100 // longer
