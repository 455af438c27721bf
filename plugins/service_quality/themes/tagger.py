"""Tag a survey comment with the lexicon's themes, each with a polarity and the words that put it there.

Explainable by construction: a theme is mentioned when one of its terms occurs; a store manager sees the
matched words (and the negation or cue words that decided the polarity) next to each mention.

- Words are lower-cased and lemmatised: Russian with pymorphy3 (its dictionaries ship in the
  ``pymorphy3-dicts-ru`` package: nothing is downloaded), English with the Snowball stemmer. Each word is
  read in the language of its script, so a comment mixing both is tagged in both.
- A typo in a longer word unknown to the dictionary (a letter dropped, doubled, swapped or mistyped) still
  matches a lexicon word when exactly one lexicon word is one such edit away.
- Clauses end at punctuation and at contrast words ("но", "зато", "but"): negation and cues stay within one.
- A negation word (cues file: "не", "нет", "никто", "без", "not", "no", "never", and any "...n't") up to
  four words before a term flips its polarity: "консультант так и не подошёл", "not helpful at all".
- A neutral term ("возврат", "цена") takes the polarity of the clause's cues ("отказались", "высокие",
  themselves flipped by a negation: "без проблем"), else the theme's default polarity.

``MorphAnalyzer`` reads its dictionaries on construction (about 0.2 s): it is built once, when this module
is first imported, which happens inside a task or a command, never when a DAG file is parsed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3
import snowballstemmer

from service_quality.themes.lexicon import Lexicon, Term

_MORPH = pymorphy3.MorphAnalyzer()
_STEMMER = snowballstemmer.stemmer("english")

NEGATION_WINDOW = 4  # words before a term (or a cue) in which a negation flips it
_TOKEN = re.compile(r"[a-zа-яё]+(?:['’][a-z]+)?|[.,;:!?()…–—]")
_CLAUSE_WORDS = frozenset({"но", "зато", "однако", "а", "и", "but", "however", "though", "although", "and"})
# Parts of speech whose lemmas count as content words for emerging terms (pymorphy3 tags).
_CONTENT_POS = frozenset({"NOUN", "ADJF", "ADJS", "COMP", "VERB", "INFN", "PRTF", "PRTS", "ADVB"})
_EN_STOP = frozenset(
    [
        "the",
        "and",
        "was",
        "were",
        "with",
        "for",
        "that",
        "this",
        "very",
        "but",
        "had",
        "have",
        "has",
        "our",
        "you",
        "they",
        "are",
        "all",
        "too",
        "not",
        "its",
        "it's",
        "from",
        "there",
        "their",
        "them",
        "then",
        "than",
        "what",
        "when",
        "which",
        "who",
        "will",
        "would",
        "could",
        "should",
        "been",
        "being",
        "into",
    ]
)
_WEIGHT = {"term": 2.0, "cue": 1.5, "default": 1.0}


@dataclass(frozen=True)
class Mention:
    theme: str
    polarity: str
    matched_words: tuple[str, ...]  # the words of the comment that matched the theme's terms
    cue_words: tuple[str, ...]  # negations and cues that decided the polarity


@dataclass(frozen=True)
class Tagged:
    language: str  # ru / en by the letters of the comment; "" when it has none
    mentions: tuple[Mention, ...]
    lemmas: dict[str, int]  # content lemmas and their counts (for emerging terms)


@dataclass(frozen=True)
class _Word:
    surface: str
    lemma: str
    lemmas: tuple[str, ...]  # every normal form of the word (Russian is ambiguous: "дорогой" -> дорогой, дорога)
    language: str
    clause: int
    is_content: bool


@lru_cache(maxsize=200_000)
def _russian(word: str) -> tuple[str, tuple[str, ...], bool, bool]:
    """(most likely lemma, every lemma, known to the dictionary, is a content word)."""
    parses = _MORPH.parse(word)
    lemmas = tuple(dict.fromkeys(p.normal_form.replace("ё", "е") for p in parses))
    return lemmas[0], lemmas, _MORPH.word_is_known(word), parses[0].tag.POS in _CONTENT_POS


def _lexicon_lemma(word: str) -> str:
    """A lexicon word is a lemma already: kept when one reading of it is its own normal form."""
    word = word.lower().replace("ё", "е")
    if re.search("[а-я]", word):
        _, lemmas, _, _ = _russian(word)
        return word if word in lemmas else lemmas[0]
    return _english(word)


@lru_cache(maxsize=200_000)
def _english(word: str) -> str:
    return _STEMMER.stemWord(word)


def lemma(word: str) -> str:
    """The form a word is compared in: its pymorphy3 normal form (Russian) or Snowball stem (English)."""
    word = word.lower()
    if re.search("[а-яё]", word):
        return _russian(word)[0]
    return _english(word)


def _deletions(word: str) -> set[str]:
    return {word} | {word[:k] + word[k + 1 :] for k in range(len(word))}


class Tagger:
    """A lexicon compiled for matching; build once, tag many comments."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._single: dict[tuple[str, str], list[Term]] = {}
        self._multi: dict[tuple[str, str], list[tuple[Term, tuple[str, ...]]]] = {}
        self._cues: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._negators: set[tuple[str, str]] = set()
        vocabulary: dict[str, set[tuple[str, str]]] = {"ru": set(), "en": set()}
        for term in lexicon.terms:
            lemmas = tuple(_lexicon_lemma(w) for w in term.words)
            for w, lem in zip(term.words, lemmas, strict=True):
                vocabulary[term.language].add((w, lem))
            if len(lemmas) == 1:
                self._single.setdefault((term.language, lemmas[0]), []).append(term)
            else:
                self._multi.setdefault((term.language, lemmas[0]), []).append((term, lemmas))
        for cue in lexicon.cues:
            lem = _lexicon_lemma(cue.word)
            if cue.polarity == "negation":
                self._negators.add((cue.language, lem))
            else:
                self._cues.setdefault((cue.language, lem), []).append((cue.theme, cue.polarity))
                vocabulary[cue.language].add((cue.word, lem))
        self._known = {lang: {lem for _, lem in pairs} for lang, pairs in vocabulary.items()}
        self._fuzzy: dict[tuple[str, str], set[str]] = {}
        for lang, pairs in vocabulary.items():
            for word, lem in pairs:
                for form in self._forms(word, lang):
                    if len(form) >= 5:
                        for key in _deletions(form):
                            self._fuzzy.setdefault((lang, key), set()).add(form if lang == "ru" else lem)

    @staticmethod
    def _forms(word: str, language: str) -> set[str]:
        if language == "ru":
            return {f.word.replace("ё", "е") for f in _MORPH.parse(word)[0].lexeme} | {word.replace("ё", "е")}
        return {word}  # as written: inflecting English by rule would make "waiter" one typo from "waited"

    def _word(self, surface: str, clause: int) -> _Word:
        if re.search("[а-яё]", surface):
            lem, lemmas, known, content = _russian(surface)
            if not known and len(surface) >= 5 and self._known["ru"].isdisjoint(lemmas):
                lemmas = self._correct("ru", surface.replace("ё", "е")) or lemmas
            return _Word(surface, lem, lemmas, "ru", clause, content)
        base = re.split("['’]", surface)[0]
        lem = _english(base)
        if len(base) >= 5 and lem not in self._known["en"]:
            return _Word(surface, lem, self._correct("en", base) or (lem,), "en", clause, True)
        return _Word(surface, lem, (lem,), "en", clause, len(base) >= 3 and base not in _EN_STOP)

    def _correct(self, language: str, word: str) -> tuple[str, ...]:
        """The lexicon lemmas one edit away from ``word`` (at most three: more is a guess, not a typo)."""
        found: set[str] = set()
        for key in _deletions(word):
            found |= self._fuzzy.get((language, key), set())
        if language == "ru":  # forms of the lexicon words: one lemma among them, or no correction
            found = {_russian(form)[0] for form in found}
        return tuple(sorted(found)) if len(found) <= 3 else ()

    def _is_negator(self, w: _Word) -> bool:
        return (
            any((w.language, lem) in self._negators for lem in w.lemmas)
            or w.surface.endswith(("n't", "n’t"))
            or w.surface == "cannot"
        )

    def _words(self, text: str) -> list[_Word]:
        words: list[_Word] = []
        clause = 0
        for m in _TOKEN.finditer(text.lower()):
            token = m.group()
            if not token[0].isalpha() or token in _CLAUSE_WORDS:
                clause += 1
            else:
                words.append(self._word(token, clause))
        return words

    def _negation(self, words: list[_Word], start: int, taken: set[int]) -> list[int]:
        clause = words[start].clause
        return [
            j
            for j in range(max(0, start - NEGATION_WINDOW), start)
            if j not in taken and words[j].clause == clause and self._is_negator(words[j])
        ]

    def _matches(self, words: list[_Word]) -> list[tuple[Term, tuple[int, ...]]]:
        found: list[tuple[Term, tuple[int, ...]]] = []
        for i, w in enumerate(words):
            keys = [(w.language, lem) for lem in w.lemmas]
            for term in {t: None for key in keys for t in self._single.get(key, ())}:
                found.append((term, (i,)))
            for term, lemmas in (m for key in keys for m in self._multi.get(key, ())):
                span = len(lemmas) + 2
                positions = [i]
                for other in lemmas[1:]:
                    near = [
                        j
                        for j in range(max(0, i - span), min(len(words), i + span + 1))
                        if j not in positions and words[j].clause == w.clause and other in words[j].lemmas
                    ]
                    if not near:
                        break
                    positions.append(min(near, key=lambda j: abs(j - i)))
                else:
                    found.append((term, tuple(sorted(positions))))
        # The longest match wins where two overlap ("нет в наличии" over a lone "наличие").
        found.sort(key=lambda m: (-len(m[1]), m[1][0]))
        kept, used = [], set()
        for term, positions in found:
            if used.isdisjoint(positions):
                kept.append((term, positions))
                used.update(positions)
        return sorted(kept, key=lambda m: m[1][0])

    def tag(self, text: str | None) -> Tagged:
        """The themes of one comment; an empty or theme-less comment gives no mentions."""
        text = text or ""
        words = self._words(text)
        cyrillic = len(re.findall("[а-яё]", text.lower()))
        latin = len(re.findall("[a-z]", text.lower()))
        language = "" if not (cyrillic or latin) else "ru" if cyrillic >= latin else "en"
        lemmas = Counter(w.lemma for w in words if w.is_content and len(w.lemma) >= 3 and not self._is_negator(w))
        votes: dict[str, list[tuple[str, float]]] = {}
        matched: dict[str, list[int]] = {}
        cues: dict[str, list[int]] = {}
        for term, positions in self._matches(words):
            taken = set(positions)
            negators = self._negation(words, positions[0], taken)
            matched.setdefault(term.theme, []).extend(positions)
            if term.polarity != "neutral":
                polarity = term.polarity if not negators else _flip(term.polarity)
                votes.setdefault(term.theme, []).append((polarity, _WEIGHT["term"]))
                cues.setdefault(term.theme, []).extend(negators)
                continue
            clause = words[positions[0]].clause
            decided = False
            for j, w in enumerate(words):
                if j in taken or w.clause != clause:
                    continue
                for theme, polarity in {c: None for lem in w.lemmas for c in self._cues.get((w.language, lem), ())}:
                    if theme in ("", term.theme):
                        flips = self._negation(words, j, taken | {j})
                        votes.setdefault(term.theme, []).append(
                            (polarity if not flips else _flip(polarity), _WEIGHT["cue"])
                        )
                        cues.setdefault(term.theme, []).extend([*flips, j])
                        decided = True
            if not decided:
                default = self.lexicon.themes[term.theme].default_polarity
                votes.setdefault(term.theme, []).append((default, _WEIGHT["default"]))
        mentions = []
        for theme in sorted(matched, key=lambda t: min(matched[t])):
            score = sum(w if p == "positive" else -w for p, w in votes[theme])
            polarity = (
                "positive" if score > 0 else "negative" if score < 0 else self.lexicon.themes[theme].default_polarity
            )
            mentions.append(
                Mention(
                    theme,
                    polarity,
                    tuple(words[j].surface for j in sorted(set(matched[theme]))),
                    tuple(words[j].surface for j in sorted(set(cues.get(theme, [])))),
                )
            )
        return Tagged(language, tuple(mentions), dict(lemmas))


def _flip(polarity: str) -> str:
    return "negative" if polarity == "positive" else "positive"
