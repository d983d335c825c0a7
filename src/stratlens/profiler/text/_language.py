"""Which language a trace is written in, from its script and its commonest words.

A classifier trained on traces in some languages must not answer for a trace in another: a
German trace fed to an English-only model comes out as a confident ``other``, which is a wrong
answer, not an unknown one. `detect` names the language of a text (an ISO 639-1 code, or
``und`` when it cannot tell); the offline classifier answers only for the languages its corpus
covers and reports the rest as unsupported.

The detector is deliberately small: CJK characters decide Chinese and Japanese (kana), Hangul
Korean, Cyrillic Russian, Greek and Arabic their own; Latin-script texts are scored by how many
of their words are among the commonest function words of each language. Code, numbers, payoff
tables and action names carry no language, so they are dropped before counting, and a text
with too few function words of any language is ``und`` (the offline classifier treats it as
English-like notation: "P2 likely c2. BR = r1" is still a trace it can read).
"""

from __future__ import annotations

import re
from collections import Counter

UNDETERMINED = "und"

#: The commonest function words of each Latin-script language, space-separated.
_FUNCTION_WORD_LISTS: dict[str, str] = {
    "en": "the and of to is that it in i you they my will if this be for not with so but "
    "their them we are would what as on have should which or then",
    "de": "der die das und ist nicht ich sie wir es ein eine zu mit auf den dem wenn dass "
    "auch aber oder sich wird werden bei von für als noch nur mich mir also wieder",
    "fr": "le la les et est pas je il ils nous un une de des du que qui en pour dans ne "
    "mais ou si sur au aux avec mon ma mes leur cette ce donc fois",
    "es": "el la los las y es no yo ellos nosotros un una de del que en para por con pero "
    "si mi mis su sus lo se al muy más este esta así otra vez han porque como también",
    "it": "il lo gli le e è non io loro noi un una di del che in per con ma se mio sua "
    "questo questa sono",
    "pt": "os as é não eu eles nós um uma de do da que em para por com mas se meu sua "
    "isso este esta são",
    "nl": "de het een en is niet ik zij wij dat van te met op voor maar als ook dan zijn wordt",
}
_FUNCTION_WORDS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORD_LISTS.items()}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_SCRIPTS = (
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)
#: Fewer function words than this (of the best language) and the text is undetermined.
MIN_FUNCTION_WORDS = 3
#: Share of a text's letters in a non-Latin script above which that script decides.
SCRIPT_SHARE = 0.25


def detect(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language, or ``und`` (see the module docstring)."""
    letters = sum(1 for ch in text if ch.isalpha())
    if letters == 0:
        return UNDETERMINED
    kana = len(_KANA.findall(text))
    han = len(_HAN.findall(text))
    if kana / letters > 0.05:
        return "ja"
    if han / letters > SCRIPT_SHARE:
        return "zh"
    if len(_HANGUL.findall(text)) / letters > SCRIPT_SHARE:
        return "ko"
    for code, script in _SCRIPTS:
        if len(script.findall(text)) / letters > SCRIPT_SHARE:
            return code
    words = Counter(w.lower() for w in _WORD.findall(text))
    scores = {
        lang: sum(n for w, n in words.items() if w in vocab)
        for lang, vocab in _FUNCTION_WORDS.items()
    }
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    if scores[best] < MIN_FUNCTION_WORDS:
        return UNDETERMINED
    return best
