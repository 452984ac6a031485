"""Spanish, French and German: the words for the scene's objects and colours, and how a sentence says them.

Robot commands are English only; these languages reach the model through questions about the scenes (the
training's co-fine-tuning data) and through the `languages` evaluation category, which says the four skills in
them. Noun phrases agree as the grammar wants: Spanish and French adjectives with the noun's gender, German
adjective endings with gender and case after the definite article ("den roten Würfel", "die blaue Schüssel").
"""

import re

import numpy as np

LANGUAGES = ("es", "fr", "de")

# colour -> (masculine, feminine) for es and fr; the adjective's stem for de.
COLORS = {
    "es": {"red": ("rojo", "roja"), "green": ("verde", "verde"), "blue": ("azul", "azul"),
           "yellow": ("amarillo", "amarilla"), "purple": ("morado", "morada"), "orange": ("naranja", "naranja"),
           "white": ("blanco", "blanca"), "black": ("negro", "negra")},
    "fr": {"red": ("rouge", "rouge"), "green": ("vert", "verte"), "blue": ("bleu", "bleue"),
           "yellow": ("jaune", "jaune"), "purple": ("violet", "violette"), "orange": ("orange", "orange"),
           "white": ("blanc", "blanche"), "black": ("noir", "noire")},
    "de": {"red": "rot", "green": "grün", "blue": "blau", "yellow": "gelb", "purple": "lila", "orange": "orange",
           "white": "weiß", "black": "schwarz"},
}  # fmt: skip
NOUNS = {  # object kind -> (noun, gender)
    "es": {"block": ("bloque", "m"), "bowl": ("cuenco", "m"), "ball": ("pelota", "f"), "can": ("lata", "f")},
    "fr": {"block": ("cube", "m"), "bowl": ("bol", "m"), "ball": ("balle", "f"), "can": ("canette", "f")},
    "de": {"block": ("Würfel", "m"), "bowl": ("Schüssel", "f"), "ball": ("Ball", "m"), "can": ("Dose", "f")},
}
DIRECTIONS = {"es": {"left": "izquierda", "right": "derecha"}, "fr": {"left": "gauche", "right": "droite"},
              "de": {"left": "links", "right": "rechts"}}  # fmt: skip
GERMAN_ARTICLES = {("nom", "m"): "der", ("nom", "f"): "die", ("acc", "m"): "den", ("acc", "f"): "die",
                   ("dat", "m"): "dem", ("dat", "f"): "der"}  # fmt: skip
INDECLINABLE = ("lila",)  # German colour adjectives without endings

# The four skills, said in each language: {object} and {target} are noun phrases with their article (German:
# in the case the slot names), {direction} the direction word.
COMMANDS = {
    "es": {
        "pick_up": ["recoge {object}", "levanta {object}", "agarra {object}"],
        "move_near": ["pon {object} cerca de {target}", "mueve {object} junto a {target}"],
        "put_in_bowl": ["pon {object} en {target}", "mete {object} en {target}"],
        "push": ["empuja {object} hacia la {direction}", "desliza {object} hacia la {direction}"],
    },
    "fr": {
        "pick_up": ["prends {object}", "soulève {object}", "attrape {object}"],
        "move_near": ["mets {object} près de {target}", "place {object} à côté de {target}"],
        "put_in_bowl": ["mets {object} dans {target}", "place {object} dans {target}"],
        "push": ["pousse {object} vers la {direction}", "fais glisser {object} vers la {direction}"],
    },
    "de": {
        "pick_up": ["heb {object:acc} hoch", "nimm {object:acc}", "greif {object:acc}"],
        "move_near": ["stell {object:acc} neben {target:acc}", "schieb {object:acc} zu {target:dat}"],
        "put_in_bowl": ["leg {object:acc} in {target:acc}", "tu {object:acc} in {target:acc}"],
        "push": ["schieb {object:acc} nach {direction}", "schubs {object:acc} nach {direction}"],
    },
}
# Questions (vqa.py asks them in training): {object} a noun phrase (German nominative), {target} one after a
# preposition (German dative), {indefinite} an
# indefinite one (German accusative), {kind} a bare noun phrase with article, {side} a direction word.
QUESTIONS = {
    "es": {"where": "¿dónde está {object}?", "exists": "¿hay {indefinite}?", "color_of": "¿de qué color es {kind}?",
           "bowl_side": "¿qué cuenco está a la {side}?", "near": "¿está {object} cerca de {target}?"},
    "fr": {"where": "où est {object} ?", "exists": "y a-t-il {indefinite} ?",
           "color_of": "de quelle couleur est {kind} ?", "bowl_side": "quel bol est à {side} ?",
           "near": "est-ce que {object} est près de {target} ?"},
    "de": {"where": "wo ist {object}?", "exists": "gibt es {indefinite}?", "color_of": "welche Farbe hat {kind}?",
           "bowl_side": "welche Schüssel ist {side}?", "near": "ist {object} neben {target}?"},
}  # fmt: skip
CONTRACTIONS = {"es": {"de el": "del", "a el": "al"}, "fr": {"de le": "du", "à le": "au"},
                "de": {"zu dem": "zum", "zu der": "zur"}}  # fmt: skip


def noun_phrase(language: str, color: str, kind: str, case: str = "nom", definite: bool = True) -> str:
    """'el bloque rojo', 'la balle verte', 'den roten Würfel' ('un bloque rojo', 'einen roten Würfel')."""
    noun, gender = NOUNS[language][kind]
    if language == "de":
        stem = COLORS["de"][color]
        if definite:
            ending = "" if stem in INDECLINABLE else ("e" if case == "nom" or (case, gender) == ("acc", "f") else "en")
            return f"{GERMAN_ARTICLES[(case, gender)]} {stem}{ending} {noun}"
        article = {("nom", "m"): "ein", ("acc", "m"): "einen", ("nom", "f"): "eine", ("acc", "f"): "eine"}[
            (case, gender)
        ]
        ending = "" if stem in INDECLINABLE else {("nom", "m"): "er", ("acc", "m"): "en"}.get((case, gender), "e")
        return f"{article} {stem}{ending} {noun}"
    adjective = COLORS[language][color][gender == "f"]
    if definite:
        article = {"es": {"m": "el", "f": "la"}, "fr": {"m": "le", "f": "la"}}[language][gender]
    else:
        article = {"es": {"m": "un", "f": "una"}, "fr": {"m": "un", "f": "une"}}[language][gender]
    return f"{article} {noun} {adjective}"


def bare_phrase(language: str, kind: str, case: str = "nom") -> str:
    """The kind with its definite article: 'la pelota', 'le bol', 'der Ball'."""
    noun, gender = NOUNS[language][kind]
    if language == "de":
        return f"{GERMAN_ARTICLES[(case, gender)]} {noun}"
    return f"{({'es': {'m': 'el', 'f': 'la'}, 'fr': {'m': 'le', 'f': 'la'}})[language][gender]} {noun}"


def contract(language: str, text: str) -> str:
    """Preposition + article as one word: 'de el' -> 'del', 'de le' -> 'du', 'zu dem' -> 'zum'."""
    for full, short in CONTRACTIONS[language].items():
        text = re.sub(rf"\b{full}\b", short, text)
    return text


def command(
    rng: np.random.Generator, language: str, kind: str, obj: str, target: str | None, direction: str | None
) -> str:
    """A `kind` command in `language` about objects named as the sim names them ('red block', 'blue bowl')."""
    templates = COMMANDS[language][kind]
    template = templates[int(rng.integers(len(templates)))]

    def phrase(name: str | None, case: str) -> str:
        color, _, object_kind = (name or "").partition(" ")
        return noun_phrase(language, color, object_kind, case)

    text = template
    for slot, name in (("object", obj), ("target", target)):
        for case in ("acc", "dat", "nom"):
            text = text.replace(f"{{{slot}:{case}}}", phrase(name, case)) if name else text
        text = text.replace(f"{{{slot}}}", phrase(name, "acc")) if name else text
    text = text.replace("{direction}", DIRECTIONS[language].get(direction or "", ""))
    return contract(language, text)


def question(language: str, form: str, **slots: str) -> str:
    """A question of QUESTIONS in `language`: slots object=(colour, kind), target=(colour, kind), indefinite=(colour,
    kind), kind=kind, side=left/right, given as 'red block' / 'ball' / 'left'."""
    text = QUESTIONS[language][form]
    if "object" in slots:
        color, _, object_kind = slots["object"].partition(" ")
        text = text.replace("{object}", noun_phrase(language, color, object_kind, "nom"))
    if "indefinite" in slots:
        color, _, object_kind = slots["indefinite"].partition(" ")
        text = text.replace("{indefinite}", noun_phrase(language, color, object_kind, "acc", definite=False))
    if "target" in slots:  # after a preposition: German dative
        color, _, object_kind = slots["target"].partition(" ")
        text = contract(language, text.replace("{target}", noun_phrase(language, color, object_kind, "dat")))
    if "kind" in slots:
        text = text.replace("{kind}", bare_phrase(language, slots["kind"]))
    if "side" in slots:
        text = text.replace("{side}", DIRECTIONS[language][slots["side"]])
    return text
