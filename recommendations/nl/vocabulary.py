"""What the natural-language parser recognises: genre, mood, theme, language, audience and era words, and the
regular expressions that find them. Plain constants (no Django, no catalog); recommendations.nl.parse reads them.

Genre phrases map to TMDb genre names (resolved to ids through the catalog's Genre rows). Phrases marked
"keep" are also kept as keywords (a "heist" is Crime, and "heist" is also a keyword worth matching).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GENRE_PHRASES: dict[str, tuple[str, ...]] = {
    "science fiction": ("Science Fiction",),
    "sci-fi": ("Science Fiction",),
    "sci fi": ("Science Fiction",),
    "scifi": ("Science Fiction",),
    "sf": ("Science Fiction",),
    "rom-com": ("Romance", "Comedy"),
    "rom-coms": ("Romance", "Comedy"),
    "rom com": ("Romance", "Comedy"),
    "romcom": ("Romance", "Comedy"),
    "romcoms": ("Romance", "Comedy"),
    "romantic comedy": ("Romance", "Comedy"),
    "romantic comedies": ("Romance", "Comedy"),
    "dark comedy": ("Comedy",),
    "black comedy": ("Comedy",),
    "animated": ("Animation",),
    "animation": ("Animation",),
    "cartoon": ("Animation",),
    "cartoons": ("Animation",),
    "anime": ("Animation",),
    "pixar": ("Animation",),
    "documentary": ("Documentary",),
    "documentaries": ("Documentary",),
    "horror": ("Horror",),
    "thriller": ("Thriller",),
    "thrillers": ("Thriller",),
    "suspense": ("Thriller",),
    "mystery": ("Mystery",),
    "mysteries": ("Mystery",),
    "whodunit": ("Mystery",),
    "crime": ("Crime",),
    "action": ("Action",),
    "adventure": ("Adventure",),
    "adventures": ("Adventure",),
    "fantasy": ("Fantasy",),
    "drama": ("Drama",),
    "dramas": ("Drama",),
    "comedy": ("Comedy",),
    "comedies": ("Comedy",),
    "romance": ("Romance",),
    "romances": ("Romance",),
    "love story": ("Romance",),
    "love stories": ("Romance",),
    "war": ("War",),
    "war movie": ("War",),
    "western": ("Western",),
    "westerns": ("Western",),
    "musical": ("Music",),
    "musicals": ("Music",),
    "music": ("Music",),
    "history": ("History",),
    "historical": ("History",),
    "period piece": ("History",),
    "tv movie": ("TV Movie",),
}
KEEP_AS_KEYWORD: dict[str, tuple[str, ...]] = {
    "heist": ("Crime",),
    "heists": ("Crime",),
    "gangster": ("Crime",),
    "gangsters": ("Crime",),
    "mafia": ("Crime",),
    "mob": ("Crime",),
    "detective": ("Mystery",),
    "noir": ("Crime",),
    "slasher": ("Horror",),
    "zombie": ("Horror",),
    "zombies": ("Horror",),
    "vampire": ("Horror",),
    "vampires": ("Horror",),
    "ghost": ("Horror",),
    "ghosts": ("Horror",),
    "space": ("Science Fiction",),
    "alien": ("Science Fiction",),
    "aliens": ("Science Fiction",),
    "robot": ("Science Fiction",),
    "robots": ("Science Fiction",),
    "dystopian": ("Science Fiction",),
    "superhero": ("Action",),
    "superheroes": ("Action",),
    "martial arts": ("Action",),
    "kung fu": ("Action",),
    "cowboy": ("Western",),
    "cowboys": ("Western",),
    "biopic": ("History", "Drama"),
    "fairy tale": ("Fantasy",),
    "wwii": ("War",),
    "world war": ("War",),
}


@dataclass(frozen=True)
class Mood:
    label: str
    genres: tuple[str, ...]
    avoid: tuple[str, ...] = ()


_FEEL_GOOD = Mood("feel-good", ("Comedy", "Family", "Animation", "Romance", "Music"), ("Horror", "War"))
_DARK = Mood("dark", ("Thriller", "Crime", "Horror", "Mystery", "War"), ("Family", "Animation"))
_SCARY = Mood("scary", ("Horror", "Thriller"), ("Family", "Animation"))
_FUNNY = Mood("funny", ("Comedy",), ())
_ROMANTIC = Mood("romantic", ("Romance",), ("Horror",))
_EXCITING = Mood("exciting", ("Action", "Thriller", "Adventure"), ())
_SAD = Mood("sad", ("Drama", "Romance"), ())
_MIND_BENDING = Mood("mind-bending", ("Science Fiction", "Mystery", "Thriller"), ())
_EPIC = Mood("epic", ("Adventure", "History", "War", "Fantasy"), ())
_RELAXING = Mood("relaxing", ("Comedy", "Family", "Animation", "Romance"), ("Horror", "Thriller"))
_INSPIRING = Mood("inspiring", ("Drama", "History", "Music"), ("Horror",))
_VIOLENT = Mood("violent", ("Action", "Crime", "War", "Horror"), ())

MOOD_PHRASES: dict[str, Mood] = {
    "feel-good": _FEEL_GOOD,
    "feel good": _FEEL_GOOD,
    "feelgood": _FEEL_GOOD,
    "uplifting": _FEEL_GOOD,
    "heartwarming": _FEEL_GOOD,
    "heart-warming": _FEEL_GOOD,
    "wholesome": _FEEL_GOOD,
    "cheerful": _FEEL_GOOD,
    "happy": _FEEL_GOOD,
    "cozy": _FEEL_GOOD,
    "cosy": _FEEL_GOOD,
    "lighthearted": _FEEL_GOOD,
    "light-hearted": _FEEL_GOOD,
    "dark": _DARK,
    "gritty": _DARK,
    "bleak": _DARK,
    "grim": _DARK,
    "disturbing": _DARK,
    "scary": _SCARY,
    "creepy": _SCARY,
    "spooky": _SCARY,
    "terrifying": _SCARY,
    "frightening": _SCARY,
    "chilling": _SCARY,
    "scare me": _SCARY,
    "funny": _FUNNY,
    "hilarious": _FUNNY,
    "laugh": _FUNNY,
    "laughs": _FUNNY,
    "comedic": _FUNNY,
    "silly": _FUNNY,
    "romantic": _ROMANTIC,
    "date night": _ROMANTIC,
    "date-night": _ROMANTIC,
    "exciting": _EXCITING,
    "thrilling": _EXCITING,
    "action-packed": _EXCITING,
    "adrenaline": _EXCITING,
    "intense": _EXCITING,
    "sad": _SAD,
    "tearjerker": _SAD,
    "tear-jerker": _SAD,
    "emotional": _SAD,
    "cry": _SAD,
    "mind-bending": _MIND_BENDING,
    "mindbending": _MIND_BENDING,
    "mind bending": _MIND_BENDING,
    "cerebral": _MIND_BENDING,
    "thought-provoking": _MIND_BENDING,
    "twist": _MIND_BENDING,
    "twists": _MIND_BENDING,
    "trippy": _MIND_BENDING,
    "epic": _EPIC,
    "sweeping": _EPIC,
    "relaxing": _RELAXING,
    "chill": _RELAXING,
    "inspiring": _INSPIRING,
    "inspirational": _INSPIRING,
    "violent": _VIOLENT,
    "gory": _VIOLENT,
    "bloody": _VIOLENT,
}

# "nothing scary", "not too dark": the genres such a negated mood rules out.
MOOD_EXCLUSIONS: dict[str, tuple[str, ...]] = {
    "scary": ("Horror",),
    "dark": ("Horror",),
    "violent": ("Horror", "War"),
    "sad": ("War",),
    "romantic": ("Romance",),
    "funny": ("Comedy",),
}

LANGUAGE_WORDS: dict[str, str] = {
    "french": "fr",
    "korean": "ko",
    "japanese": "ja",
    "spanish": "es",
    "mexican": "es",
    "italian": "it",
    "german": "de",
    "hindi": "hi",
    "bollywood": "hi",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "cn",
    "swedish": "sv",
    "danish": "da",
    "norwegian": "no",
    "russian": "ru",
    "portuguese": "pt",
    "brazilian": "pt",
    "turkish": "tr",
    "persian": "fa",
    "iranian": "fa",
    "polish": "pl",
    "dutch": "nl",
    "thai": "th",
    "english-language": "en",
    "english": "en",
}
LANGUAGE_NAMES = {code: word.capitalize() for word, code in reversed(LANGUAGE_WORDS.items())}
LANGUAGE_NAMES.update({"hi": "Hindi", "es": "Spanish", "pt": "Portuguese", "en": "English", "fa": "Persian"})

KIDS_GENRES = ("Family", "Animation")
KIDS_AVOID = ("Horror",)
KIDS_RE = re.compile(
    r"\b(?:for|with)\s+(?:the\s+|my\s+|our\s+|small\s+|young\s+|little\s+)?"
    r"(?:kids?|children|child|toddlers?|son|daughter|family|little ones)\b"
    r"|\b(?:kid|family|child)[- ]friendly\b|\bchildren'?s\b|\bkids?\b|\ball ages\b"
    # "family" alone is an audience, but a "family drama" or "family saga" is a subject.
    r"|\bfamily\b(?!\s+(?:drama|dramas|saga|sagas|secrets?|feud|tragedy|thriller|crime|business|man))"
)
# "not for kids", "no kids": an adult audience is not a constraint we can enforce beyond age gating.
NOT_KIDS_RE = re.compile(r"\b(?:not|no|nothing)\s+(?:for\s+|suitable for\s+)?(?:the\s+)?(?:kids?|children|family)\b")
NEGATION_RE = re.compile(
    r"\b(?:no|not|without|except|excluding|exclude|avoid|nothing|never|skip|minus|don'?t want|no more)\s+"
    r"(?:too\s+|any\s+|a\s+|more\s+|very\s+|overly\s+)?"
    r"((?:[a-z][a-z'-]*)(?:\s+[a-z][a-z'-]*)?)"
)
DECADE_WORDS = {
    "twenties": 1920,
    "thirties": 1930,
    "forties": 1940,
    "fifties": 1950,
    "sixties": 1960,
    "seventies": 1970,
    "eighties": 1980,
    "nineties": 1990,
    "noughties": 2000,
}
DECADE_RE = re.compile(r"\b(?:(early|late|mid)[- ]?)?(?:the\s+)?'?((?:1[89]|20)?\d0)'?s\b")
DECADE_WORD_RE = re.compile(r"\b(?:(early|late|mid)[- ]?)?(" + "|".join(DECADE_WORDS) + r")\b")
RANGE_RE = re.compile(r"\b(?:between\s+)?(1[89]\d\d|20\d\d)\s*(?:-|–|to|and)\s*(1[89]\d\d|20\d\d)\b")
BEFORE_RE = re.compile(r"\b(?:before|pre|prior to|until|up to|older than)[- ](1[89]\d\d|20\d\d)\b")
AFTER_RE = re.compile(r"\b(after|since|post|newer than)[- ](1[89]\d\d|20\d\d)\b")
YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
OLD_RE = re.compile(
    r"\bold(?:er)?(?:[- ]school)?\s+(?:movies?|films?|ones|stuff|pictures?)\b"
    r"|\b(?:classics?|vintage|golden age|black and white|black-and-white|oldies)\b"
)
RECENT_RE = re.compile(
    r"\b(?:recent|latest|newest|modern|contemporary)\b|\bnew(?:er)?\s+(?:movies?|films?|releases?|ones|stuff)\b"
    r"|\bsomething new\b|\bthis year\b"
)
LIKE_RE = re.compile(r"\b(?:like|similar to|such as|in the vein of|reminds? me of|same as)\s+(.{1,120})")
QUALITY_RE = re.compile(
    r"\b(?:best|top[- ]rated|top|acclaimed|award[- ]winning|oscar|oscars|masterpieces?|greatest|critically"
    r"|highly rated|must[- ]see|classics?)\b"
)
POPULAR_RE = re.compile(r"\b(?:popular|blockbusters?|hits?|crowd[- ]pleasers?)\b")
OBSCURE_RE = re.compile(r"\b(?:hidden gems?|underrated|obscure|lesser[- ]known|under the radar|overlooked)\b")

STOPWORDS = frozenset(
    """a an the and or but of to in on at for with from by about as into like than then that this these those
    i me my we our you your he she they them it its is are was were be been being am do does did have has had
    want wants wanted would could should can will shall may might must please some something anything any
    movie movies film films flick flicks watch watching watched see seen show shows recommend recommendation
    recommendations suggest suggestions give find looking look search good great nice really very more most
    less lot lots kind sort type types kinds stuff things thing one ones where who what which when how why
    tonight today night weekend evening feel feeling mood love loved enjoy enjoyed also just only much many
    similar such same vein reminds remind starring star stars featuring directed director written writer
    actor actress cast role roles plot story set about all every other another some year years old new
    strong lead leads main character characters female male women woman men man girl boy guys
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def split_people(value: str) -> list[str]:
    return [p.strip() for p in re.split(r",|;|&|\band\b", value or "") if p.strip()]


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
