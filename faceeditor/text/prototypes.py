"""Facial expressions as FACS action units written in the model's 52 ARKit blendshapes.

Each action unit (AU) of the Facial Action Coding System is a small {ARKit name: weight} map;
emotion prototypes follow EMFACS (happiness = AU6+12, sadness = AU1+4+15, ...).  Bilateral AUs
use both ``...Left`` and ``...Right`` units; the text engine restricts them to one side when the
prompt names a side ("left" is the face's own left, +X, ``...Left``).

Weights are ARKit activations in [0, 1] at full intensity.
"""

from __future__ import annotations

from collections.abc import Mapping

Units = dict[str, float]


def both(stem: str, weight: float = 1.0) -> Units:
    """``stem`` + ``Left`` and ``Right`` at ``weight``: ``both("mouthSmile")``."""
    return {stem + "Left": weight, stem + "Right": weight}


def left(stem: str, weight: float = 1.0) -> Units:
    return {stem + "Left": weight}


def combine(*parts: Mapping[str, float], scale: float = 1.0) -> Units:
    """Sum of unit maps (each weight capped at 1), times ``scale``."""
    result: Units = {}
    for part in parts:
        for name, weight in part.items():
            result[name] = min(1.0, result.get(name, 0.0) + weight)
    return {name: weight * scale for name, weight in result.items()}


#: FACS action units in ARKit blendshapes.
AU: dict[int, Units] = {
    1: {"browInnerUp": 1.0},                                    # inner brow raiser
    2: both("browOuterUp"),                                     # outer brow raiser
    4: both("browDown"),                                        # brow lowerer
    5: both("eyeWide"),                                         # upper lid raiser
    6: combine(both("cheekSquint"), both("eyeSquint", 0.3)),    # cheek raiser
    7: both("eyeSquint"),                                       # lid tightener
    9: both("noseSneer"),                                       # nose wrinkler
    10: both("mouthUpperUp"),                                   # upper lip raiser
    12: both("mouthSmile"),                                     # lip corner puller
    14: both("mouthDimple"),                                    # dimpler
    15: both("mouthFrown"),                                     # lip corner depressor
    16: both("mouthLowerDown"),                                 # lower lip depressor
    17: {"mouthShrugLower": 1.0, "mouthShrugUpper": 0.3},       # chin raiser
    18: {"mouthPucker": 1.0},                                   # lip pucker
    19: {"tongueOut": 1.0, "jawOpen": 0.3},                     # tongue show
    20: both("mouthStretch"),                                   # lip stretcher
    22: {"mouthFunnel": 1.0},                                   # lip funneler
    23: combine(both("mouthPress", 0.6), {"mouthRollUpper": 0.3, "mouthRollLower": 0.3}),
    24: both("mouthPress"),                                     # lip pressor
    25: combine(both("mouthLowerDown", 0.3), {"jawOpen": 0.1}),  # lips part
    26: {"jawOpen": 0.5},                                       # jaw drop
    27: {"jawOpen": 1.0},                                       # mouth stretch
    28: {"mouthRollUpper": 1.0, "mouthRollLower": 1.0},         # lip suck
    29: {"jawForward": 1.0},                                    # jaw thrust
    34: {"cheekPuff": 1.0},                                     # cheek puff
    43: both("eyeBlink"),                                       # eyes closed
}


def aus(*numbers: int, scale: float = 1.0, **weights: float) -> Units:
    """Blend of action units; ``weights`` gives an AU its own weight: ``aus(6, 12, au6=0.5)``."""
    return combine(*({k: v * weights.get(f"au{n}", 1.0) for k, v in AU[n].items()}
                     for n in numbers), scale=scale)


#: Expression prototypes by concept name: EMFACS emotions and single actions.
EXPRESSIONS: dict[str, Units] = {
    "happy": aus(6, 12, au6=0.6),
    "smile": aus(6, 12, au6=0.3),
    "joy": aus(6, 12, 25, 26, au26=0.6),
    "grin": combine(aus(6, 12, 25, au6=0.5), both("mouthStretch", 0.3), both("mouthUpperUp", 0.3)),
    "laugh": combine(aus(6, 12, 25, 27, au27=0.6), {"browInnerUp": 0.2}),
    "sad": aus(1, 4, 15, 17, au4=0.4, au17=0.4),
    "angry": aus(4, 5, 7, 23, 24, au5=0.5, au24=0.5),
    "surprised": aus(1, 2, 5, 26, au26=0.8),
    "fearful": aus(1, 2, 4, 5, 7, 20, 26, au4=0.5, au7=0.3, au20=0.7, au26=0.6),
    "disgusted": combine(aus(9, 15, 16, 10, au16=0.4, au10=0.5), both("eyeSquint", 0.3)),
    "contempt": combine(left("mouthSmile", 0.9), left("mouthDimple", 0.8),
                        left("cheekSquint", 0.3)),
    "worried": aus(1, 4, 20, au4=0.4, au20=0.4),
    "scowl": aus(4, 7, 15, au7=0.6, au15=0.6),
    "frown": combine(aus(4, au4=0.7), both("mouthFrown", 0.7)),
    "mouth_droop": aus(15),
    "pout": aus(17, 18, 15, au18=0.5, au15=0.5),
    "kiss": aus(18, 22, au22=0.4),
    "wink": combine(left("eyeBlink"), left("cheekSquint", 0.5), left("mouthSmile", 0.2)),
    "blink": aus(43),
    "squint": aus(7, 6, au6=0.3),
    "sneer": combine(aus(9, 10, au10=0.7), both("mouthStretch", 0.2)),
    "yawn": combine(aus(27, 1, au1=0.4), both("eyeSquint", 0.5), {"mouthFunnel": 0.2}),
    "tongue_out": aus(19),
    "puffed_cheeks": aus(34),
    "raised_brows": aus(1, 2),
    "lowered_brows": aus(4),
    "furrowed_brows": aus(4),
    "open_mouth": aus(25, 26),
    "wide_eyes": aus(5),
    "pressed_lips": aus(24),
    "sucked_lips": aus(28),
    "look_left": {"eyeLookOutLeft": 1.0, "eyeLookInRight": 1.0},
    "look_right": {"eyeLookOutRight": 1.0, "eyeLookInLeft": 1.0},
    "look_up": both("eyeLookUp"),
    "look_down": both("eyeLookDown"),
    "jaw_left": {"jawLeft": 1.0},
    "jaw_right": {"jawRight": 1.0},
    "jaw_forward": aus(29),
    "mouth_left": {"mouthLeft": 1.0},
    "mouth_right": {"mouthRight": 1.0},
    "skeptical": combine(left("browOuterUp"), {"browInnerUp": 0.3}, {"browDownRight": 0.5}),
    "tired": combine(both("eyeBlink", 0.45), {"browInnerUp": 0.2}),
    "dimples": aus(14),
    "chin_raise": aus(17),
    "shout": combine(aus(4, 10, 20, 27, au4=0.6, au10=0.5, au20=0.4, au27=0.8)),
    "evil": combine(aus(4, 12, 10, au4=0.6, au12=0.6, au10=0.3)),
    "thoughtful": combine(aus(4, 24, au4=0.3, au24=0.3), both("eyeLookUp", 0.3),
                          {"browInnerUp": 0.2}),
    "flirty": combine(both("eyeSquint", 0.35), both("eyeBlink", 0.2), left("mouthSmile", 0.5),
                      {"browInnerUp": 0.15}),
}
