"""The words the offline text engine understands, and what each one does to the parameters.

A *concept* is one requested change ("smile", "nose_wide", "older", "freckles") with its effect
at full intensity:

* expressions: ARKit activations (0..1) from the FACS prototypes in ``prototypes``;
* shape: {parameter: value change} in the parameter's own units (local changes -1..1,
  phenotypes 0..1);
* appearance (albedo): candidate parameter names, looked up in the model's spec at run time, with
  the change as a fraction of that parameter's range.  A model without them reports the request
  as "not available in this model".

Phrases are written in lower case with single spaces; ``parser`` matches the longest phrase
first.  Shape words also combine freely: a feature noun ("nose", "lips", "jaw") plus an attribute
("wider", "fuller", "strong") in the same clause names ``FEATURE_ATTRIBUTES[(feature, attribute)]``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from faceeditor.text.prototypes import EXPRESSIONS


@dataclasses.dataclass(frozen=True)
class Concept:
    """One requested change.

    Attributes:
        name: identifier, e.g. ``"smile"``, ``"nose_wide"``.
        kind: ``"expression"``, ``"shape"`` or ``"appearance"``.
        effect: {parameter name: change at full intensity}; for appearance concepts the keys are
            alternatives (the first one the model has is used) and values are fractions of range.
        description: a short human phrase, used for paraphrase matching and reports.
    """

    name: str
    kind: str
    effect: Mapping[str, float]
    description: str


def _pair(stem: str, value: float) -> dict[str, float]:
    """``l_<stem>`` and ``r_<stem>`` at ``value``."""
    return {f"l_{stem}": value, f"r_{stem}": value}


#: The pseudo-parameter of an age change in years (see ``SHAPES["older"]``).
YEARS = "years"

#: Shape and phenotype changes, in parameter units.
SHAPES: dict[str, dict[str, float]] = {
    # "years": an age change in years, applied through the model's calibrated age table
    "older": {"years": 20.0, "head_age": 0.5, "fine_wrinkles": 0.3},
    "younger": {"years": -10.0, "head_age": -0.5, "fine_wrinkles": -0.15},
    "masculine": {"gender": -0.4},
    "feminine": {"gender": 0.4},
    "heavier": {"weight": 0.4, "head_fat": 0.5, "neck_double": 0.3},
    "thinner": {"weight": -0.4, "head_fat": -0.5},
    "muscular": {"muscle": 0.4},
    "nose_wide": {"nose_scale_horiz": 0.7, "nose_nostrils_width": 0.5, "nose_width3": 0.4},
    "nose_narrow": {"nose_scale_horiz": -0.7, "nose_nostrils_width": -0.5, "nose_width1": -0.4},
    "nose_long": {"nose_scale_vert": 0.8},
    "nose_short": {"nose_scale_vert": -0.8},
    "nose_big": {"nose_volume": 0.6, "nose_scale_horiz": 0.4, "nose_scale_vert": 0.4,
                 "nose_scale_depth": 0.4},
    "nose_small": {"nose_volume": -0.6, "nose_scale_horiz": -0.4, "nose_scale_vert": -0.4,
                   "nose_scale_depth": -0.4},
    "nose_hooked": {"nose_hump": 0.9, "nose_point_up": -0.4},
    "nose_straight": {"nose_greek": 0.7, "nose_hump": -0.5},
    "nose_upturned": {"nose_point_up": 0.8},
    "nose_pointy": {"nose_point_width": -0.8},
    "nose_bulbous": {"nose_point_width": 0.8},
    "nose_flat": {"nose_scale_depth": -0.7},
    "nose_crooked": {"asym_nose_1": 0.7},
    "lips_full": {"mouth_upperlip_volume": 0.8, "mouth_lowerlip_volume": 0.8},
    "lips_thin": {"mouth_upperlip_volume": -0.8, "mouth_lowerlip_volume": -0.8},
    "upper_lip_full": {"mouth_upperlip_volume": 0.8},
    "lower_lip_full": {"mouth_lowerlip_volume": 0.8},
    "upper_lip_thin": {"mouth_upperlip_volume": -0.8},
    "lower_lip_thin": {"mouth_lowerlip_volume": -0.8},
    "mouth_wide": {"mouth_scale_horiz": 0.8},
    "mouth_narrow": {"mouth_scale_horiz": -0.8},
    "jaw_strong": {"chin_width": 0.6, "chin_bones": 0.6, "chin_prominent": 0.4},
    "jaw_weak": {"chin_width": -0.4, "chin_prominent": -0.6, "chin_prognathism": -0.4},
    "jaw_wide": {"chin_width": 0.8, "chin_bones": 0.4},
    "jaw_narrow": {"chin_width": -0.8, "chin_bones": -0.4},
    "jaw_protruding": {"chin_prognathism": 0.8},
    "chin_big": {"chin_prominent": 0.7, "chin_height": 0.4},
    "chin_small": {"chin_prominent": -0.7, "chin_height": -0.4},
    "chin_long": {"chin_height": 0.8},
    "chin_short": {"chin_height": -0.8},
    "chin_cleft": {"chin_cleft": 0.9},
    "cheekbones_high": {**_pair("cheek_bones", 0.7), **_pair("cheek_trans_up", 0.5)},
    "cheekbones_low": {**_pair("cheek_bones", -0.5), **_pair("cheek_trans_up", -0.5)},
    "cheeks_full": _pair("cheek_volume", 0.8),
    "cheeks_hollow": {**_pair("cheek_volume", -0.8), **_pair("cheek_inner", -0.4)},
    "ears_big": _pair("ear_scale", 0.8),
    "ears_small": _pair("ear_scale", -0.8),
    "ears_protruding": _pair("ear_flap", 0.8),
    "ears_flat": _pair("ear_flap", -0.8),
    "ears_pointy": _pair("ear_shape_triangle", 0.8),
    "ears_round": _pair("ear_shape_round", 0.8),
    "ears_long_lobes": _pair("ear_lobe", 0.8),
    "eyes_almond": {**_pair("eye_corner1_up", 0.6), **_pair("eye_height2", -0.3)},
    "eyes_big": _pair("eye_scale", 0.7),
    "eyes_small": _pair("eye_scale", -0.7),
    "eyes_wide_set": _pair("eye_trans_out", 0.7),
    "eyes_close_set": _pair("eye_trans_out", -0.7),
    "eyes_upturned": _pair("eye_corner1_up", 0.8),
    "eyes_downturned": _pair("eye_corner1_up", -0.8),
    "eyes_bags": {**_pair("eye_bag", 0.8), **_pair("eye_bag_out", 0.4)},
    "eyes_hooded": _pair("eye_eyefold_up", -0.7),
    "eyes_monolid": _pair("eye_epicanthus_out", 0.8),
    "brows_high": {"eyebrows_trans_up": 0.7},
    "brows_low": {"eyebrows_trans_up": -0.7},
    "brows_arched": {"eyebrows_angle_up": 0.8},
    "brows_prominent": {"eyebrows_trans_forward": 0.7},
    "forehead_high": {"forehead_scale_vert": 0.8},
    "forehead_low": {"forehead_scale_vert": -0.8},
    "forehead_sloping": {"forehead_nubian": 0.7},
    "face_long": {"head_scale_vert": 0.6},
    "face_short": {"head_scale_vert": -0.6},
    "face_wide": {"head_scale_horiz": 0.6},
    "face_narrow": {"head_scale_horiz": -0.6},
    "face_round": {"head_scale_horiz": 0.4, "head_fat": 0.5, **_pair("cheek_volume", 0.4)},
    "head_big": {"head_scale_vert": 0.5, "head_scale_horiz": 0.5, "head_scale_depth": 0.5},
    "head_small": {"head_scale_vert": -0.5, "head_scale_horiz": -0.5, "head_scale_depth": -0.5},
    "neck_thick": {"measure_neck_circ": 0.8},
    "neck_thin": {"measure_neck_circ": -0.8},
    "neck_long": {"measure_neck_height": 0.8},
    "neck_short": {"measure_neck_height": -0.8},
    "double_chin": {"neck_double": 0.9},
    "dimples": {"mouth_dimples_out": 0.8},
    "laugh_lines": {"mouth_laugh_lines_out": 0.8},
}

#: Appearance (albedo) changes: (alternative parameter names, fraction of their range).
APPEARANCE: dict[str, tuple[tuple[str, ...], float]] = {
    "skin_pale": (("skin_melanin", "melanin", "skin_tone"), -0.4),
    "skin_tan": (("skin_melanin", "melanin", "skin_tone"), 0.25),
    "skin_dark": (("skin_melanin", "melanin", "skin_tone"), 0.5),
    "freckles": (("freckles", "freckle_density", "skin_freckles"), 0.9),
    # the blush layer is where rosy cheeks are (on the cheeks); skin redness is everywhere
    "rosy_cheeks": (("rosy_cheeks", "cheek_redness", "blush_opacity", "skin_redness"), 0.5),
    "blush_makeup": (("blush_opacity", "blush", "rosy_cheeks", "skin_redness"), 0.7),
    "stubble": (("stubble", "beard_shadow", "beard_stubble", "beard"), 0.9),
    "beard": (("beard", "beard_density", "beard_shadow"), 1.0),
    "lipstick": (("lipstick_opacity", "lipstick", "lip_colour"), 0.8),
    "red_lips": (("lip_redness", "lipstick_opacity"), 0.4),
    "eyeshadow": (("eyeshadow_opacity", "eyeshadow", "eye_shadow"), 0.7),
    "eyeliner": (("eyeliner_opacity", "eyeliner"), 0.8),
    "wrinkles": (("fine_wrinkles", "wrinkles", "skin_wrinkles"), 0.6),
    "age_spots": (("age_spots",), 0.6),
    "moles": (("moles",), 0.5),
    "eyes_light": (("iris_melanin",), -0.5),
    "eyes_dark": (("iris_melanin",), 0.35),
    "bloodshot": (("sclera_redness",), 0.6),
    "yellow_teeth": (("teeth_yellowness",), 0.5),
    "bushy_brows": (("eyebrow_density",), 0.3),
    "sparse_brows": (("eyebrow_density",), -0.4),
    "hair_dark": (("hair_melanin",), 0.35),
    "hair_light": (("hair_melanin",), -0.45),
    "hair_red": (("hair_redness",), 0.6),
}

#: Human descriptions of every concept (reports and paraphrase matching).
DESCRIPTIONS: dict[str, str] = {
    "happy": "a happy face", "smile": "a smile", "joy": "a joyful laughing face",
    "grin": "a big toothy grin", "laugh": "laughing out loud", "sad": "a sad face",
    "angry": "an angry face", "surprised": "a surprised face", "fearful": "a scared face",
    "disgusted": "a disgusted face", "contempt": "a smirk of contempt",
    "worried": "a worried, anxious face", "scowl": "a scowl", "frown": "a frown",
    "pout": "a pout", "mouth_droop": "drooping mouth corners",
    "kiss": "puckered lips for a kiss", "wink": "a wink",
    "blink": "eyes closed", "squint": "squinting eyes", "sneer": "a sneer",
    "yawn": "a yawn", "tongue_out": "tongue sticking out", "puffed_cheeks": "puffed cheeks",
    "raised_brows": "raised eyebrows", "lowered_brows": "lowered eyebrows",
    "furrowed_brows": "furrowed brows", "open_mouth": "an open mouth",
    "wide_eyes": "wide open eyes", "pressed_lips": "lips pressed together",
    "sucked_lips": "lips sucked in", "look_left": "looking to the left",
    "look_right": "looking to the right", "look_up": "looking up", "look_down": "looking down",
    "jaw_left": "jaw shifted to the left", "jaw_right": "jaw shifted to the right",
    "jaw_forward": "jaw pushed forward", "mouth_left": "mouth pulled to the left",
    "mouth_right": "mouth pulled to the right", "skeptical": "a skeptical raised eyebrow",
    "tired": "a tired, sleepy face", "chin_raise": "chin raised, lower lip pushed up",
    "shout": "shouting with the mouth wide open", "evil": "an evil grin",
    "thoughtful": "deep in thought", "flirty": "a flirty look",
    "older": "an older face", "younger": "a younger face", "masculine": "a masculine face",
    "feminine": "a feminine face", "heavier": "a heavier, fatter face",
    "thinner": "a thinner, slimmer face", "muscular": "a muscular face",
    "nose_wide": "a wide nose", "nose_narrow": "a narrow nose", "nose_long": "a long nose",
    "nose_short": "a short nose", "nose_big": "a big nose", "nose_small": "a small nose",
    "nose_hooked": "a hooked nose", "nose_straight": "a straight nose",
    "nose_upturned": "an upturned nose", "nose_pointy": "a pointed nose tip",
    "nose_bulbous": "a bulbous nose", "nose_flat": "a flat nose",
    "nose_crooked": "a crooked nose", "lips_full": "full lips", "lips_thin": "thin lips",
    "upper_lip_full": "a full upper lip", "lower_lip_full": "a full lower lip",
    "upper_lip_thin": "a thin upper lip", "lower_lip_thin": "a thin lower lip",
    "mouth_wide": "a wide mouth", "mouth_narrow": "a small narrow mouth",
    "jaw_strong": "a strong square jaw", "jaw_weak": "a weak receding chin",
    "jaw_wide": "a wide jaw", "jaw_narrow": "a narrow jaw",
    "jaw_protruding": "a protruding jaw", "chin_big": "a big chin", "chin_small": "a small chin",
    "chin_long": "a long chin", "chin_short": "a short chin", "chin_cleft": "a cleft chin",
    "cheekbones_high": "high cheekbones", "cheekbones_low": "low cheekbones",
    "cheeks_full": "full chubby cheeks", "cheeks_hollow": "hollow sunken cheeks",
    "ears_big": "big ears", "ears_small": "small ears", "ears_protruding": "ears sticking out",
    "ears_flat": "ears flat against the head", "ears_pointy": "pointy elf ears",
    "ears_round": "round ears", "ears_long_lobes": "long earlobes",
    "eyes_almond": "almond shaped eyes", "eyes_big": "big eyes", "eyes_small": "small eyes",
    "eyes_wide_set": "wide set eyes", "eyes_close_set": "close set eyes",
    "eyes_upturned": "upturned eyes", "eyes_downturned": "droopy downturned eyes",
    "eyes_bags": "bags under the eyes", "eyes_hooded": "hooded eyes",
    "eyes_monolid": "monolid eyes", "brows_high": "high eyebrows", "brows_low": "low eyebrows",
    "brows_arched": "arched eyebrows", "brows_prominent": "a prominent brow ridge",
    "forehead_high": "a high forehead", "forehead_low": "a low forehead",
    "forehead_sloping": "a sloping forehead", "face_long": "a long face",
    "face_short": "a short face", "face_wide": "a wide face", "face_narrow": "a narrow face",
    "face_round": "a round face", "head_big": "a big head", "head_small": "a small head",
    "neck_thick": "a thick neck", "neck_thin": "a thin neck", "neck_long": "a long neck",
    "neck_short": "a short neck", "double_chin": "a double chin", "dimples": "dimples",
    "laugh_lines": "laugh lines", "skin_pale": "pale skin", "skin_tan": "tanned skin",
    "skin_dark": "dark skin", "freckles": "freckles", "rosy_cheeks": "rosy cheeks",
    "stubble": "stubble", "beard": "a beard", "lipstick": "lipstick", "eyeshadow": "eyeshadow",
    "wrinkles": "wrinkles", "blush_makeup": "blush makeup", "red_lips": "red lips",
    "eyeliner": "eyeliner", "age_spots": "age spots", "moles": "moles",
    "eyes_light": "light blue eyes", "eyes_dark": "dark brown eyes",
    "bloodshot": "bloodshot eyes", "yellow_teeth": "yellow teeth",
    "bushy_brows": "bushy eyebrows", "sparse_brows": "sparse thin eyebrows",
    "hair_dark": "dark hair", "hair_light": "blond hair", "hair_red": "red hair",
}


def _concepts() -> dict[str, Concept]:
    table: dict[str, Concept] = {}
    for name, units in EXPRESSIONS.items():
        table[name] = Concept(name, "expression", units, DESCRIPTIONS.get(name, name))
    for name, effect in SHAPES.items():
        # "dimples" exists both as an expression (AU14) and as a shape; the shape wins
        table[name] = Concept(name, "shape", effect, DESCRIPTIONS.get(name, name))
    for name, (candidates, fraction) in APPEARANCE.items():
        table[name] = Concept(name, "appearance", {c: fraction for c in candidates},
                              DESCRIPTIONS.get(name, name))
    return table


CONCEPTS: dict[str, Concept] = _concepts()

#: Whole phrases -> concept.  Inflections are listed, not guessed.
PHRASES: dict[str, str] = {}


def _add(concept: str, *phrases: str) -> None:
    for phrase in phrases:
        PHRASES[phrase] = concept


_add("happy", "happy", "happier", "happily", "happiness", "cheerful", "glad", "pleased",
     "content", "delighted", "beaming", "beam", "radiant")
_add("smile", "smile", "smiles", "smiling", "smiled", "smiley", "smily", "grinning softly")
_add("joy", "joy", "joyful", "joyous", "overjoyed", "ecstatic", "elated", "excited", "thrilled",
     "over the moon", "on cloud nine", "delight", "delighted beyond words")
_add("grin", "grin", "grins", "grinning", "toothy smile", "big toothy smile", "cheesy grin",
     "showing teeth", "show teeth", "teeth showing")
_add("laugh", "laugh", "laughs", "laughing", "laughter", "laughing out loud", "laugh out loud",
     "laughing hard", "burst out laughing", "lol", "cracking up", "giggle",
     "giggling")
_add("sad", "sad", "sadder", "sadly", "sadness", "unhappy", "sorrow", "sorrowful", "gloomy",
     "melancholy", "melancholic", "depressed", "miserable", "upset", "crying", "cry",
     "tearful", "heartbroken", "down in the dumps", "glum")
_add("angry", "angry", "angrier", "angrily", "anger", "mad", "furious", "fury", "rage",
     "enraged", "livid", "irate", "annoyed", "irritated", "cross", "grumpy", "hostile")
_add("surprised", "surprised", "surprise", "surprising", "astonished", "amazed", "shocked",
     "shock", "startled", "stunned", "in awe", "awestruck", "wow", "gasp", "gasping",
     "jaw dropping", "jaw dropped", "gobsmacked", "flabbergasted", "dumbfounded")
_add("fearful", "fear", "fearful", "afraid", "scared", "frightened", "terrified", "terror",
     "horrified", "horror", "panicked", "panic", "fright", "petrified")
_add("disgusted", "disgust", "disgusted", "disgusting", "grossed out", "revolted", "repulsed",
     "eww", "yuck", "nauseated")
_add("contempt", "contempt", "contemptuous", "smirk", "smirks", "smirking", "smug",
     "disdain", "disdainful", "sarcastic", "cheeky", "sly", "playful", "mischievous",
     "impish", "knowing smile", "crooked smile", "lopsided smile", "half smile",
     "half a smile", "one sided smile", "uneven smile", "sly smile", "wry smile")
_add("worried", "worried", "worry", "anxious", "nervous", "concerned", "uneasy", "tense")
_add("scowl", "scowl", "scowling", "glare", "glaring", "stern", "menacing", "fierce")
_add("frown", "frown", "frowning", "frowns", "frowned")
_add("mouth_droop", "drooping mouth", "droopy mouth", "mouth drooping", "downturned mouth",
     "mouth corners down", "corners of the mouth down", "sagging mouth", "drooping", "droop",
     "droopy")
_add("pout", "pout", "pouting", "pouty face", "sulk", "sulking", "sulky")
_add("kiss", "kiss", "kissing", "kissy", "pucker", "puckered", "puckering", "pucker up",
     "duck face", "duckface", "blowing a kiss", "blow a kiss", "blows a kiss", "blow kisses",
     "blowing kisses", "kissy face", "purse", "pursed", "pursed lips",
     "purse lips", "pursing")
_add("wink", "wink", "winks", "winking", "winked")
_add("blink", "blink", "blinking", "eyes closed", "closed eyes", "close eyes", "close the eyes",
     "close his eyes", "close her eyes", "shut eyes", "eyes shut", "sleeping", "asleep",
     "close your eyes", "closed")
_add("squint", "squint", "squinting", "squinted", "squinty", "narrowed eyes", "narrow eyes",
     "eyes narrowed", "narrowing eyes")
_add("sneer", "sneer", "sneering", "sneers", "snarl", "snarling", "wrinkled nose",
     "nose wrinkled", "wrinkle nose", "scrunched nose", "scrunch nose", "wrinkles nose",
     "wrinkling nose")
_add("yawn", "yawn", "yawning", "yawns")
_add("tongue_out", "tongue out", "tongue sticking out", "stick out tongue",
     "sticking out tongue", "sticking tongue out", "sticks tongue out", "sticking his tongue out",
     "sticking her tongue out", "stick tongue out", "showing tongue", "tongue", "raspberry")
_add("puffed_cheeks", "puffed cheeks", "puff cheeks", "puffed out cheeks", "puffy cheeks",
     "puffing cheeks", "cheeks puffed", "cheeks puffed out", "blowing cheeks",
     "puff out cheeks", "puff out his cheeks", "puff out her cheeks", "blown up cheeks",
     "holding breath", "puffed up cheeks", "cheek puff")
_add("raised_brows", "raised brows", "raised eyebrows", "raise brows", "raise eyebrows",
     "raise the eyebrows", "raise the brows", "brows raised", "eyebrows raised", "brows up",
     "eyebrows up", "lifted brows", "lifted eyebrows", "raising eyebrows", "raising brows",
     "eyebrow raise", "brow raise", "raised eyebrow", "raised brow", "raise eyebrow",
     "raise brow", "eyebrow raised", "brow raised", "lift brows", "lift eyebrows")
_add("lowered_brows", "lowered brows", "lowered eyebrows", "lower brows", "lower eyebrows",
     "brows down", "eyebrows down", "brows lowered", "eyebrows lowered", "lower the brows",
     "lower the eyebrows", "drop brows", "dropped brows")
_add("furrowed_brows", "furrowed brows", "furrowed brow", "furrowed eyebrows",
     "furrow brows", "furrow brow", "knitted brows", "knit brows", "brows furrowed",
     "brow furrowed", "frowning brows", "brows knitted", "furrowing", "furrowed")
_add("open_mouth", "open mouth", "mouth open", "opened mouth", "open the mouth",
     "open his mouth", "open her mouth", "mouth wide open", "mouth agape", "agape",
     "gaping", "open jaw", "jaw open", "slack jawed", "drop jaw", "dropped jaw",
     "mouth slightly open", "parted lips", "lips parted")
_add("wide_eyes", "wide eyes", "eyes wide", "wide eyed", "wide open eyes", "eyes wide open",
     "bulging eyes", "eyes bulging", "staring", "stare")
_add("pressed_lips", "pressed lips", "lips pressed", "press lips", "tight lips",
     "tight lipped", "lips pressed together", "pressing lips")
_add("sucked_lips", "lips sucked in", "suck lips", "sucked in lips", "lips rolled in",
     "rolled lips", "biting lips")
_add("look_left", "looking left", "look left", "looks left", "looking to the left",
     "look to the left", "eyes left", "glance left", "glancing left", "gaze left",
     "looking to his left", "looking to her left", "looking at his left",
     "looking to their left")
_add("look_right", "looking right", "look right", "looks right", "looking to the right",
     "look to the right", "eyes right", "glance right", "glancing right", "gaze right",
     "looking to his right", "looking to her right", "looking to their right")
_add("look_up", "looking up", "look up", "looks up", "eyes up", "gaze up", "looking upward",
     "looking upwards", "glance up", "rolling eyes", "eye roll", "eyes rolled")
_add("look_down", "looking down", "look down", "looks down", "eyes down", "gaze down",
     "looking downward", "looking downwards", "glance down", "downcast", "downcast eyes")
_add("jaw_left", "jaw left", "jaw to the left", "jaw shifted left", "jaw shifted to the left",
     "jaw moved left", "jaw sideways", "sideways jaw", "jaw to the side", "jaw shifted")
_add("jaw_right", "jaw right", "jaw to the right", "jaw shifted right",
     "jaw shifted to the right", "jaw moved right")
_add("jaw_forward", "jaw forward", "jaw pushed forward", "jut jaw", "jutting jaw",
     "jaw jutting", "jaw out", "underbite", "jaw thrust", "thrust jaw", "push jaw forward",
     "jaw jutting out", "jutting out jaw", "jaw jutted")
_add("mouth_left", "mouth left", "mouth to the left", "mouth pulled left")
_add("mouth_right", "mouth right", "mouth to the right", "mouth pulled right")
_add("skeptical", "skeptical", "sceptical", "suspicious", "doubtful", "quizzical",
     "one eyebrow raised", "one raised eyebrow", "eyebrow cocked", "cocked eyebrow", "dubious",
     "confused", "puzzled")
_add("tired", "tired", "sleepy", "drowsy", "exhausted", "weary", "bored", "half closed eyes",
     "heavy lidded", "heavy eyelids", "droopy eyelids")
_add("chin_raise", "chin raise", "raised chin", "chin raiser")
_add("shout", "shout", "shouting", "shouts", "yell", "yelling", "scream", "screaming",
     "screams", "roar", "roaring", "howl", "howling", "bellowing", "hollering")
_add("evil", "evil", "evil grin", "wicked", "wicked grin", "sinister", "villainous",
     "devilish", "diabolical", "maniacal", "malicious")
_add("thoughtful", "thoughtful", "pensive", "contemplative", "pondering", "deep in thought",
     "lost in thought", "thinking", "musing", "reflective")
_add("flirty", "flirty", "flirtatious", "flirting", "seductive", "sultry", "coy",
     "bedroom eyes", "alluring")

_add("older", "older", "old", "elderly", "aged", "aging", "ageing", "age", "senior",
     "wrinkly", "more mature", "mature", "grandpa", "grandma", "grandfather", "grandmother",
     "old man", "old woman", "old lady", "geriatric", "age him", "age her")
_add("younger", "younger", "young", "youthful", "youth", "child", "childlike", "kid",
     "teen", "teenager", "teenage", "adolescent", "boyish", "girlish", "baby faced",
     "baby face", "de age", "deage", "rejuvenate", "younger looking")
_add("masculine", "masculine", "manly", "male", "man", "macho", "more masculine", "manlier",
     "guy", "boy", "men", "masculinize", "masculinise", "gentleman", "rugged")
_add("feminine", "feminine", "female", "woman", "womanly", "girly", "lady", "girl", "women",
     "more feminine", "feminize", "feminise", "delicate")
_add("heavier", "heavier", "heavy", "fat", "fatter", "chubby", "chubbier", "plump",
     "plumper", "overweight", "obese", "stout", "portly", "pudgy", "chunky", "gain weight",
     "weight gain", "gained weight", "fleshy", "fuller face", "full face", "bigger build",
     "well fed", "round faced")
_add("thinner", "thinner", "thin", "slim", "slimmer", "skinny", "skinnier", "lean",
     "leaner", "gaunt", "slender", "bony", "lose weight", "weight loss", "lost weight",
     "underweight", "emaciated", "scrawny", "lanky", "svelte")
_add("muscular", "muscular", "athletic", "buff", "ripped", "fit", "brawny", "strong build")
_add("double_chin", "double chin", "double chinned", "jowls", "jowly", "turkey neck")
_add("dimples", "dimples", "dimple", "dimpled", "dimpled cheeks")
_add("laugh_lines", "laugh lines", "smile lines", "nasolabial folds", "nasolabial lines")
_add("chin_cleft", "cleft chin", "chin cleft", "butt chin", "chin dimple", "dimpled chin")
_add("eyes_bags", "eye bags", "bags under eyes", "bags under the eyes", "baggy eyes",
     "puffy eyes", "under eye bags", "dark circles")
_add("eyes_monolid", "monolid", "monolids", "epicanthic fold", "epicanthic folds")
_add("eyes_almond", "almond eyes", "almond shaped eyes", "almond-shaped eyes", "almond")
_add("eyes_hooded", "hooded eyes", "hooded eyelids", "hooded lids")
_add("eyes_wide_set", "wide set eyes", "wideset eyes", "eyes far apart", "wide-set eyes",
     "eyes set wide", "eyes further apart", "eyes farther apart")
_add("eyes_close_set", "close set eyes", "closeset eyes", "eyes close together",
     "close-set eyes", "eyes closer together")
_add("nose_hooked", "hooked nose", "hook nose", "hooknose", "aquiline nose", "aquiline",
     "roman nose", "beak nose", "beaky nose", "nose hump", "humped nose", "hawk nose",
     "hawkish nose", "nose with a hump", "bump on the nose", "nose bump", "crooked beak")
_add("nose_upturned", "upturned nose", "button nose", "snub nose", "pug nose",
     "turned up nose", "ski slope nose", "nose turned up", "piggy nose")
_add("nose_straight", "straight nose", "greek nose", "grecian nose")
_add("nose_crooked", "crooked nose", "broken nose", "bent nose", "nose crooked")
_add("jaw_strong", "strong jaw", "strong jawline", "square jaw", "chiseled jaw",
     "chiselled jaw", "lantern jaw", "defined jawline", "chiseled jawline", "square jawline",
     "chiselled jawline", "jawline", "heroic jaw", "angular jaw", "strong chin")
_add("jaw_weak", "weak jaw", "weak chin", "receding chin", "weak jawline", "receding jaw",
     "soft jawline", "no chin", "chinless")
_add("cheekbones_high", "high cheekbones", "cheekbones", "prominent cheekbones",
     "sharp cheekbones", "chiseled cheekbones", "defined cheekbones", "strong cheekbones")
_add("cheeks_hollow", "hollow cheeks", "sunken cheeks", "gaunt cheeks", "hollowed cheeks")
_add("cheeks_full", "full cheeks", "chubby cheeks", "round cheeks", "apple cheeks",
     "chipmunk cheeks")
_add("ears_protruding", "protruding ears", "ears sticking out", "ears stick out",
     "sticking out ears", "jug ears", "bat ears", "dumbo ears", "prominent ears",
     "ears that stick out", "ears out", "flappy ears")
_add("ears_pointy", "pointy ears", "pointed ears", "elf ears", "elven ears", "elfin ears",
     "vulcan ears", "elvish ears")
_add("ears_long_lobes", "long earlobes", "big earlobes", "long ear lobes", "big ear lobes",
     "droopy earlobes")
_add("brows_arched", "arched brows", "arched eyebrows", "arched")
_add("brows_prominent", "brow ridge", "prominent brow", "heavy brow", "heavy brow ridge",
     "neanderthal brow", "prominent brow ridge")
_add("forehead_sloping", "sloping forehead", "sloped forehead", "receding forehead")
_add("face_round", "round face", "moon face", "round faced", "baby cheeks")
_add("skin_pale", "pale", "paler", "pale skin", "fair skin", "fair", "fairer", "light skin",
     "lighter skin", "pasty", "porcelain skin", "ghostly pale", "pallid", "fair skinned",
     "light skinned", "pale skinned", "lighter")
_add("skin_tan", "tan", "tanned", "suntanned", "sun tanned", "tanned skin", "sunkissed",
     "sun kissed", "bronzed", "olive skin", "olive", "tan skin", "tanner")
_add("skin_dark", "dark skin", "darker skin", "dark skinned", "darker", "brown skin",
     "black skin", "deep skin tone", "dark complexion", "darker complexion")
_add("freckles", "freckles", "freckled", "freckly", "freckle")
_add("rosy_cheeks", "rosy cheeks", "rosy", "blushing", "flushed", "red cheeks",
     "pink cheeks", "ruddy", "ruddy cheeks", "blushed", "rosy complexion", "red faced",
     "flushed cheeks")
_add("blush_makeup", "blush", "rouge", "blusher", "blush makeup", "pink blush")
_add("stubble", "stubble", "stubbly", "five o clock shadow", "five o'clock shadow",
     "unshaven", "scruffy", "shadow beard", "scruff")
_add("beard", "beard", "bearded", "full beard", "facial hair")
_add("lipstick", "lipstick", "red lipstick", "lip colour", "lip color", "painted lips",
     "lipgloss", "lip gloss", "pink lipstick", "wearing lipstick", "makeup", "make up",
     "full makeup")
_add("red_lips", "red lips", "redder lips", "rosy lips", "cherry lips")
_add("eyeliner", "eyeliner", "eye liner", "winged eyeliner", "kohl")
_add("age_spots", "age spots", "liver spots", "sun spots")
_add("moles", "moles", "mole", "beauty mark", "beauty spot")
_add("eyes_light", "blue eyes", "light eyes", "green eyes", "grey eyes", "gray eyes",
     "pale eyes", "light blue eyes", "icy eyes")
_add("eyes_dark", "brown eyes", "dark eyes", "dark brown eyes", "black eyes", "hazel eyes")
_add("bloodshot", "bloodshot", "bloodshot eyes", "red eyes", "red eyed")
_add("yellow_teeth", "yellow teeth", "stained teeth", "yellowed teeth")
_add("bushy_brows", "bushy eyebrows", "bushy brows", "thick eyebrows", "thick brows",
     "heavy eyebrows", "unibrow")
_add("sparse_brows", "sparse eyebrows", "thin eyebrows", "thin brows", "sparse brows",
     "plucked eyebrows", "no eyebrows")
_add("hair_dark", "dark hair", "black hair", "brunette", "dark haired", "dark beard")
_add("hair_light", "blond", "blonde", "blond hair", "blonde hair", "fair hair", "light hair",
     "grey hair", "gray hair", "white hair")
_add("hair_red", "red hair", "redhead", "ginger", "auburn", "red beard", "ginger beard")
_add("eyeshadow", "eyeshadow", "eye shadow", "eye makeup", "smoky eyes", "smokey eyes")
_add("wrinkles", "wrinkles", "wrinkled", "wrinkly skin", "crow's feet", "crows feet")

#: Feature nouns, for "feature + attribute" shape requests.
FEATURES: dict[str, str] = {
    "nose": "nose", "noses": "nose", "nostrils": "nose", "nostril": "nose", "schnoz": "nose",
    "lips": "lips", "lip": "lips", "mouth": "mouth",
    "upper lip": "upper_lip", "top lip": "upper_lip", "lower lip": "lower_lip",
    "bottom lip": "lower_lip",
    "jaw": "jaw", "jawline": "jaw", "jaws": "jaw", "jaw line": "jaw", "mandible": "jaw",
    "chin": "chin",
    "cheekbones": "cheekbones", "cheekbone": "cheekbones", "cheek bones": "cheekbones",
    "cheeks": "cheeks", "cheek": "cheeks",
    "ears": "ears", "ear": "ears", "eyes": "eyes", "eye": "eyes",
    "brows": "brows", "eyebrows": "brows", "brow": "brows", "eyebrow": "brows",
    "forehead": "forehead", "face": "face", "head": "head", "skull": "head", "neck": "neck",
    "skin": "skin", "complexion": "skin", "earlobes": "earlobes", "lobes": "earlobes",
    "teeth": "teeth", "tooth": "teeth",
}

#: Attribute words -> canonical attribute.
ATTRIBUTES: dict[str, str] = {
    **dict.fromkeys(("wide", "wider", "widest", "broad", "broader", "broadest", "widen",
                     "flared", "flaring", "fat", "fatter"), "wide"),
    **dict.fromkeys(("narrow", "narrower", "narrowest", "slim", "slimmer", "slender",
                     "pinched", "skinny"), "narrow"),
    **dict.fromkeys(("thin", "thinner", "thinnest"), "thin"),
    **dict.fromkeys(("long", "longer", "longest", "elongated", "lengthen", "tall", "taller",
                     "high", "higher"), "long"),
    **dict.fromkeys(("short", "shorter", "shortest", "stubby", "low", "lower", "shorten"),
                    "short"),
    **dict.fromkeys(("big", "bigger", "biggest", "large", "larger", "largest", "huge",
                     "enormous", "massive", "giant", "prominent", "pronounced", "grow",
                     "enlarge", "enlarged"), "big"),
    **dict.fromkeys(("small", "smaller", "smallest", "tiny", "little", "petite", "shrink",
                     "dainty", "minimal"), "small"),
    **dict.fromkeys(("full", "fuller", "fullest", "plump", "plumper", "plush", "thick",
                     "thicker", "luscious", "lush", "pillowy", "voluptuous", "bee stung",
                     "chubby", "puffy", "round", "rounder", "rounded"), "full"),
    **dict.fromkeys(("hooked", "hook", "aquiline", "roman", "beaked", "humped", "beaky"),
                    "hooked"),
    **dict.fromkeys(("upturned", "turned up", "snub", "button", "upturn"), "upturned"),
    **dict.fromkeys(("pointy", "pointed", "sharp", "sharper", "pointier"), "pointy"),
    **dict.fromkeys(("bulbous", "rounder tip", "blunt"), "bulbous"),
    **dict.fromkeys(("flat", "flatter", "flattened", "squashed"), "flat"),
    **dict.fromkeys(("straight", "straighter", "greek"), "straight"),
    **dict.fromkeys(("crooked", "bent", "broken", "twisted", "asymmetric"), "crooked"),
    **dict.fromkeys(("strong", "stronger", "square", "squarer", "chiseled", "chiselled",
                     "defined", "angular", "powerful", "heroic", "masculine"), "strong"),
    **dict.fromkeys(("weak", "weaker", "receding", "soft", "softer", "recessed"), "weak"),
    **dict.fromkeys(("protruding", "jutting", "sticking out", "stick out", "protrude",
                     "jug", "outward", "flappy"), "protruding"),
    **dict.fromkeys(("hollow", "sunken", "gaunt", "hollowed"), "hollow"),
    **dict.fromkeys(("almond", "almond shaped", "almond-shaped", "cat", "catlike",
                     "feline"), "almond"),
    **dict.fromkeys(("droopy", "downturned", "sad", "sleepy"), "downturned"),
    **dict.fromkeys(("tilted", "slanted", "upward"), "upturned"),
    **dict.fromkeys(("arched",), "arched"),
    **dict.fromkeys(("hooded",), "hooded"),
    **dict.fromkeys(("cleft", "dimpled"), "cleft"),
    **dict.fromkeys(("far apart", "wide set", "wide-set", "apart"), "wide_set"),
    **dict.fromkeys(("close set", "close-set", "close together", "closer together"),
                    "close_set"),
    **dict.fromkeys(("pale", "paler", "fair", "fairer", "light", "lighter", "pasty"),
                    "pale"),
    **dict.fromkeys(("tan", "tanned", "tanner", "bronzed", "olive", "sunkissed"), "tan"),
    **dict.fromkeys(("dark", "darker", "darkest", "brown", "black", "deep"), "dark"),
    **dict.fromkeys(("rosy", "red", "pink", "flushed", "ruddy"), "rosy"),
}

#: (feature, attribute) -> concept name.
FEATURE_ATTRIBUTES: dict[tuple[str, str], str] = {
    ("nose", "wide"): "nose_wide", ("nose", "narrow"): "nose_narrow",
    ("nose", "thin"): "nose_narrow", ("nose", "long"): "nose_long",
    ("nose", "short"): "nose_short", ("nose", "big"): "nose_big", ("nose", "small"): "nose_small",
    ("nose", "hooked"): "nose_hooked", ("nose", "upturned"): "nose_upturned",
    ("nose", "pointy"): "nose_pointy", ("nose", "bulbous"): "nose_bulbous",
    ("nose", "flat"): "nose_flat", ("nose", "straight"): "nose_straight",
    ("nose", "crooked"): "nose_crooked", ("nose", "full"): "nose_bulbous",
    ("lips", "full"): "lips_full", ("lips", "big"): "lips_full", ("lips", "wide"): "lips_full",
    ("lips", "thin"): "lips_thin", ("lips", "narrow"): "lips_thin", ("lips", "small"): "lips_thin",
    ("upper_lip", "full"): "upper_lip_full", ("upper_lip", "big"): "upper_lip_full",
    ("upper_lip", "thin"): "upper_lip_thin", ("upper_lip", "small"): "upper_lip_thin",
    ("lower_lip", "full"): "lower_lip_full", ("lower_lip", "big"): "lower_lip_full",
    ("lower_lip", "thin"): "lower_lip_thin", ("lower_lip", "small"): "lower_lip_thin",
    ("mouth", "wide"): "mouth_wide", ("mouth", "big"): "mouth_wide",
    ("mouth", "narrow"): "mouth_narrow", ("mouth", "small"): "mouth_narrow",
    ("mouth", "full"): "lips_full", ("mouth", "thin"): "lips_thin",
    ("jaw", "strong"): "jaw_strong", ("jaw", "weak"): "jaw_weak", ("jaw", "wide"): "jaw_wide",
    ("jaw", "big"): "jaw_strong", ("jaw", "narrow"): "jaw_narrow", ("jaw", "thin"): "jaw_narrow",
    ("jaw", "small"): "jaw_narrow", ("jaw", "protruding"): "jaw_protruding",
    ("chin", "big"): "chin_big", ("chin", "strong"): "chin_big", ("chin", "small"): "chin_small",
    ("chin", "weak"): "jaw_weak", ("chin", "long"): "chin_long", ("chin", "short"): "chin_short",
    ("chin", "cleft"): "chin_cleft", ("chin", "protruding"): "jaw_protruding",
    ("chin", "wide"): "jaw_wide", ("chin", "narrow"): "jaw_narrow",
    ("chin", "pointy"): "jaw_narrow",
    ("cheekbones", "long"): "cheekbones_high", ("cheekbones", "big"): "cheekbones_high",
    ("cheekbones", "strong"): "cheekbones_high", ("cheekbones", "pointy"): "cheekbones_high",
    ("cheekbones", "short"): "cheekbones_low", ("cheekbones", "weak"): "cheekbones_low",
    ("cheeks", "full"): "cheeks_full", ("cheeks", "big"): "cheeks_full",
    ("cheeks", "hollow"): "cheeks_hollow", ("cheeks", "thin"): "cheeks_hollow",
    ("cheeks", "rosy"): "rosy_cheeks",
    ("ears", "big"): "ears_big", ("ears", "long"): "ears_big", ("ears", "small"): "ears_small",
    ("ears", "protruding"): "ears_protruding", ("ears", "flat"): "ears_flat",
    ("ears", "pointy"): "ears_pointy", ("ears", "full"): "ears_round",
    ("earlobes", "long"): "ears_long_lobes", ("earlobes", "big"): "ears_long_lobes",
    ("eyes", "big"): "eyes_big", ("eyes", "small"): "eyes_small", ("eyes", "almond"): "eyes_almond",
    ("eyes", "wide_set"): "eyes_wide_set", ("eyes", "close_set"): "eyes_close_set",
    ("eyes", "upturned"): "eyes_upturned", ("eyes", "downturned"): "eyes_downturned",
    ("eyes", "hooded"): "eyes_hooded", ("eyes", "full"): "eyes_big",
    ("brows", "long"): "brows_high", ("brows", "short"): "brows_low",
    ("brows", "arched"): "brows_arched", ("brows", "big"): "brows_prominent",
    ("brows", "strong"): "brows_prominent",
    ("forehead", "long"): "forehead_high", ("forehead", "big"): "forehead_high",
    ("forehead", "short"): "forehead_low", ("forehead", "small"): "forehead_low",
    ("face", "long"): "face_long", ("face", "short"): "face_short", ("face", "wide"): "face_wide",
    ("face", "narrow"): "face_narrow", ("face", "thin"): "thinner", ("face", "full"): "face_round",
    ("face", "big"): "head_big", ("face", "small"): "head_small", ("face", "strong"): "jaw_strong",
    ("head", "big"): "head_big", ("head", "small"): "head_small", ("head", "long"): "face_long",
    ("head", "wide"): "face_wide", ("head", "narrow"): "face_narrow",
    ("neck", "wide"): "neck_thick", ("neck", "full"): "neck_thick", ("neck", "big"): "neck_thick",
    ("neck", "strong"): "neck_thick", ("neck", "thin"): "neck_thin",
    ("neck", "narrow"): "neck_thin", ("neck", "long"): "neck_long", ("neck", "short"): "neck_short",
    ("skin", "pale"): "skin_pale", ("skin", "tan"): "skin_tan", ("skin", "dark"): "skin_dark",
    ("skin", "rosy"): "rosy_cheeks",
}

#: Opposite concepts: "less X" on a shape means a little of its opposite.
OPPOSITES: dict[str, str] = {}
for _a, _b in [
    ("older", "younger"), ("masculine", "feminine"), ("heavier", "thinner"),
    ("nose_wide", "nose_narrow"), ("nose_long", "nose_short"), ("nose_big", "nose_small"),
    ("lips_full", "lips_thin"), ("mouth_wide", "mouth_narrow"), ("jaw_strong", "jaw_weak"),
    ("jaw_wide", "jaw_narrow"), ("chin_big", "chin_small"), ("chin_long", "chin_short"),
    ("cheekbones_high", "cheekbones_low"), ("cheeks_full", "cheeks_hollow"),
    ("ears_big", "ears_small"), ("ears_protruding", "ears_flat"), ("eyes_big", "eyes_small"),
    ("eyes_wide_set", "eyes_close_set"), ("eyes_upturned", "eyes_downturned"),
    ("brows_high", "brows_low"), ("forehead_high", "forehead_low"), ("face_long", "face_short"),
    ("face_wide", "face_narrow"), ("head_big", "head_small"), ("neck_thick", "neck_thin"),
    ("neck_long", "neck_short"), ("skin_pale", "skin_dark"), ("nose_pointy", "nose_bulbous"),
    ("upper_lip_full", "upper_lip_thin"), ("lower_lip_full", "lower_lip_thin"),
]:
    OPPOSITES[_a], OPPOSITES[_b] = _b, _a

#: Intensity words -> multiplier of the concept's full effect (the default is ``DEFAULT``).
DEFAULT_INTENSITY = 0.7
INTENSITY: dict[str, float] = {
    **dict.fromkeys(("barely", "hint of", "a hint of", "trace of", "a trace of", "tiny bit",
                     "a tiny bit", "ever so slightly", "a touch", "touch of", "a touch of",
                     "faint", "faintly", "hint"), 0.3),
    **dict.fromkeys(("slightly", "slight", "a bit", "a little", "little bit", "a little bit",
                     "bit", "subtle", "subtly", "mild", "mildly", "gently", "gentle", "soft",
                     "softly", "small", "somewhat", "kind of", "kinda", "sort of", "a tad",
                     "tad", "lightly", "light", "modest", "modestly", "partly", "partially",
                     "half", "weak", "weakly", "less"), 0.45),
    **dict.fromkeys(("more", "moderately", "fairly", "quite", "rather", "pretty"), 0.7),
    **dict.fromkeys(("very", "really", "so", "much", "much more", "lot", "a lot", "big",
                     "broad", "wide", "strongly", "strong", "deep", "deeply", "intense",
                     "intensely", "heavily", "heavy", "full", "fully", "totally", "wildly",
                     "hugely", "huge", "large", "truly", "seriously", "way", "way more",
                     "super", "completely", "clearly", "obviously", "noticeably",
                     "a lot more", "lots", "total", "complete", "utter", "pure", "sheer",
                     "absolute", "absolutely", "entirely"), 1.0),
    **dict.fromkeys(("extremely", "extreme", "incredibly", "insanely", "massively",
                     "maximum", "max", "enormous", "exaggerated", "exaggerate", "absurdly",
                     "ridiculously", "crazy", "hyper", "utterly", "as much as possible",
                     "cartoonishly", "very very", "really really", "super duper"), 1.4),
}

#: Words that undo a request: "no smile", "without freckles", "remove the frown".
REMOVE = frozenset((
    "no", "not", "without", "remove", "removed", "removing", "stop", "stops", "stopped",
    "don't", "dont", "never", "isn't", "isnt", "nor", "un", "get rid of", "take away",
    "take off", "wipe", "wipe off", "drop the", "lose the", "cancel", "undo", "clear", "none",
    "non", "w/o", "minus", "erase", "no more", "not any", "quit", "cut",
))
#: Words that reduce a request: "less angry".
LESS = frozenset(("less", "fewer", "reduce", "reduced", "decrease", "tone down", "toned down",
                  "soften", "softened", "weaker", "lessen", "dial down", "dial back",
                  "not so", "not as", "smaller amount of", "lower", "milder", "calmer",
                  "tone it down", "scale back", "subtler", "calm down"))
#: Phrases that clear the expression.
NEUTRAL = frozenset((
    "neutral", "neutral expression", "neutral face", "expressionless", "blank",
    "blank expression", "blank face", "no expression", "poker face", "straight face",
    "relaxed", "relaxed face", "relax", "relax the face", "reset expression", "resting face",
    "emotionless", "deadpan", "calm", "calm face", "stoic", "impassive", "at rest",
    "rest pose", "default expression", "without expression", "neutral look",
    "reset the expression", "clear expression", "no emotion", "unemotional", "serene",
))

#: Side words; ``FLIP_SIDE`` words mean the viewer's side (the face's opposite side).
SIDES: dict[str, str] = {"left": "left", "right": "right", "lefthand": "left",
                         "righthand": "right", "l": "left", "r": "right"}
FLIP_SIDE = frozenset(("viewer's", "viewers", "my", "screen", "camera", "image",
                       "picture", "our", "viewer"))

#: Words that carry no request.
STOPWORDS = frozenset((
    "a", "an", "the", "with", "and", "or", "but", "of", "to", "make", "makes", "making",
    "made", "give", "gives", "giving", "him", "her", "them", "his", "hers", "their", "its",
    "it", "he", "she", "they", "look", "looks", "looking", "expression", "expressions",
    "face", "please", "some", "bit", "is", "be", "being", "as", "like", "in", "on", "at",
    "into", "that", "this", "who", "which", "has", "have", "having", "had", "add", "adds",
    "adding", "put", "set", "more", "person", "guy's", "just", "very", "also", "while",
    "for", "up", "out", "feeling", "feel", "feels", "seem", "seems", "seeming", "appear",
    "appears", "appearance", "kind", "sort", "type", "way", "little", "can", "you", "i",
    "want", "would", "like", "could", "should", "let's", "lets", "let", "do", "does", "get",
    "gets", "got", "go", "turn", "turns", "into", "from", "by", "eyes", "mouth", "lips",
    "cheeks", "nose", "side", "sides", "one", "only", "just", "emotion", "mood", "showing",
    "show", "shows", "wearing", "wear", "wears", "has", "too", "somebody", "someone",
    "character", "portrait", "head", "features", "feature", "shaped", "shape", "overall",
    "now", "again", "same", "time", "both", "who's", "looking", "seemingly", "lot",
    "tone", "also", "plus", "&", "then", "s", "bit", "but", "your", "years", "year",
))
