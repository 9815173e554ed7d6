"""What tells one school's name from another's, as a person reading the register sees it.

"Stockingford Primary School" and "Stockingford Primary Academy", "Heathcote Primary School"
and "The Heathcote Primary School", "Nuneaton School" and "Nuneaton Academy" read as the same
school: they share a stem. A real register holds few such pairs, so the demo register keeps
stems distinct apart from a few saints' names repeated in different authorities.
"""

import re

#: Words that say what kind of establishment a school is, not which one.
GENERIC_WORDS = frozenset(
    {"the", "school", "academy", "college", "high", "centre", "a", "voluntary"}
)
_DESIGNATIONS = (
    ("church of england", "ce"),
    ("c of e", "ce"),
    ("cofe", "ce"),
    ("catholic", "rc"),
)


def name_stem(name: str) -> str:
    """Lower case, no punctuation, designations spelt one way, generic words dropped.

    >>> name_stem("St Mary's Church of England Primary School")
    'st marys ce primary'
    """
    text = re.sub(r"[^a-z0-9]+", " ", name.lower().replace("'", ""))
    text = f" {' '.join(text.split())} "
    for long_form, short_form in _DESIGNATIONS:
        text = text.replace(f" {long_form} ", f" {short_form} ")
    return " ".join(word for word in text.split() if word not in GENERIC_WORDS)
