"""Vocabulary of the natural-language engine beyond genres and moods: themes, comparative moods, audiences.

Plain constants (no Django), read by recommendations.nl's query parser. The rest of the vocabulary still lives
in nl.py's Vocabulary section; new word lists go here so that file stops growing.
"""

from __future__ import annotations

import re

# Themes: what people say -> TMDb keyword names (as a synced mirror stores them, compared normalized). A theme
# ranks the films carrying one of its keywords first and, when any film does, keeps to those.
THEME_PHRASES: dict[str, tuple[str, ...]] = {
    "strong female lead": ("strong female lead", "female protagonist", "woman lead"),
    "strong female leads": ("strong female lead", "female protagonist", "woman lead"),
    "female lead": ("strong female lead", "female protagonist", "woman lead"),
    "female leads": ("strong female lead", "female protagonist", "woman lead"),
    "female protagonist": ("strong female lead", "female protagonist"),
    "female protagonists": ("strong female lead", "female protagonist"),
    "strong women": ("strong female lead", "female protagonist"),
    "strong woman": ("strong female lead", "female protagonist"),
    "time travel": ("time travel", "time machine"),
    "time-travel": ("time travel", "time machine"),
    "time traveling": ("time travel", "time machine"),
    "time travelling": ("time travel", "time machine"),
    "time machine": ("time machine", "time travel"),
    "time loop": ("time loop",),
    "ww2": ("world war ii",),
    "wwii": ("world war ii",),
    "world war 2": ("world war ii",),
    "world war ii": ("world war ii",),
    "world war two": ("world war ii",),
    "second world war": ("world war ii",),
    "ww1": ("world war i",),
    "wwi": ("world war i",),
    "world war 1": ("world war i",),
    "world war i": ("world war i",),
    "first world war": ("world war i",),
    "dinosaur": ("dinosaur",),
    "dinosaurs": ("dinosaur",),
    "revenge": ("revenge",),
    "vengeance": ("revenge",),
    "serial killer": ("serial killer",),
    "serial killers": ("serial killer",),
    "coming of age": ("coming of age",),
    "coming-of-age": ("coming of age",),
    "true story": ("based on true story", "based on a true story"),
    "based on a true story": ("based on true story", "based on a true story"),
    "road trip": ("road trip",),
    "artificial intelligence": ("artificial intelligence (a.i.)", "artificial intelligence"),
    "post-apocalyptic": ("post-apocalyptic future", "post-apocalyptic"),
    "post apocalyptic": ("post-apocalyptic future", "post-apocalyptic"),
    "survival": ("survival",),
    "high school": ("high school",),
    "time-loop": ("time loop",),
}

# Comparatives ("but darker", "something funnier"): the mood, weighed more than a plain mood word because it
# says how the answer should differ from what was named.
COMPARATIVE_MOODS: dict[str, str] = {
    "darker": "dark",
    "grittier": "dark",
    "bleaker": "dark",
    "grimmer": "dark",
    "scarier": "scary",
    "creepier": "scary",
    "funnier": "funny",
    "sillier": "funny",
    "lighter": "feel-good",
    "happier": "feel-good",
    "more cheerful": "feel-good",
    "more romantic": "romantic",
    "more exciting": "exciting",
    "sadder": "sad",
    "more violent": "violent",
}

# An adult audience ("for adults", "grown-up", "not for kids"): no Family or Animation unless asked for.
ADULTS_RE = re.compile(r"\b(?:for\s+)?(?:adults?|grown[- ]?ups?|grownups)\b")
ADULT_AVOID = ("Family", "Animation")
