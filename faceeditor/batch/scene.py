"""Item i of a run with seed S: its head, expression, pose, camera, lights and background.

Everything here is a pure function of (S, i) and the options: ``item_seed(S, i)`` is the seed
of the head (``model.prior.sample``: shape stream ``default_rng(seed)``, appearance
``default_rng([seed, 1])``, hair ``default_rng([seed, 2])``), and the scene draws from its own
stream ``default_rng([seed, 3])``, so ``faceeditor render --seed <item seed>`` shows the same
person.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from faceeditor.model.face_model import FaceModel

SCENE_STREAM = 3
#: Share of items that keep a neutral face with ``--expressions random``.
NEUTRAL_SHARE = 0.2
#: Kinds of parameters each ``--vary`` group draws anew.
VARY_KINDS = {"shape": ("phenotype", "local", "asym"), "skin": ("albedo",), "hair": ("hair",),
              "expression": ("expression",)}
FOV_RANGE = (18.0, 32.0)          # vertical field of view, degrees
MARGIN_RANGE = (1.6, 2.6)         # framing margin around the face's landmarks (2.6: whole head)
SHIFT = 0.06                      # image-plane shift of the framing, in frame heights


def item_seed(run_seed: int, index: int) -> int:
    """The head seed of item ``index`` of a run: 63 bits from ``SeedSequence([S, i])``."""
    state = np.random.SeedSequence([int(run_seed), int(index)]).generate_state(1, np.uint64)
    return int(state[0] & np.uint64(2**63 - 1))


def prototypes() -> dict[str, dict[str, float]]:
    from faceeditor.text.prototypes import EXPRESSIONS

    return EXPRESSIONS


def check_expressions(names: tuple[str, ...], model: FaceModel) -> None:
    """Raise ``BatchConfigError`` for a name that is neither a prototype nor an ARKit shape."""
    from faceeditor.batch.config import BatchConfigError

    if names in (("random",), ("neutral",)):
        return
    arkit = {p.name for p in model.spec.of_kind("expression")}
    known = set(prototypes()) | arkit
    for name in names:
        if name in ("random", "neutral") and len(names) > 1:
            raise BatchConfigError(f"--expressions: {name!r} cannot be mixed with other names")
        if name not in known and name != "neutral":
            close = sorted(n for n in known if n.lower().startswith(name.lower()[:3]))[:4]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise BatchConfigError(f"--expressions: unknown expression {name!r}{hint}; use "
                                   "random, neutral, prototype names (smile, sad, surprised...) "
                                   "or ARKit blendshape names")


@dataclasses.dataclass(frozen=True)
class Pose:
    """Head rotation about ``pivot`` (metres, model space): yaw about +Y, pitch about +X, roll
    about +Z, in degrees; ``rotation`` = Ry(yaw) @ Rx(pitch) @ Rz(roll)."""

    yaw: float
    pitch: float
    roll: float

    @property
    def rotation(self) -> np.ndarray:
        """(3, 3) float64 model -> world rotation."""
        y, p, r = (math.radians(a) for a in (self.yaw, self.pitch, self.roll))
        ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
        rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
        rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
        return ry @ rx @ rz


@dataclasses.dataclass(frozen=True)
class Scene:
    """Everything random about one item.

    Attributes:
        index, seed: item index and head seed (``item_seed``).
        params: every model parameter, by name.
        expression: the expression's name ("neutral", a prototype or an ARKit name).
        pose: the head pose.
        fov_y, margin, shift: camera field of view (degrees), framing margin and (2,) shift of
            the framing in frame heights.
        lighting: "random" (then ``light_draw`` holds the rig's numbers) or a preset name.
        light_draw: (17,) uniform draws in [0, 1) that make the random rig.
        background_seed: seed of the procedural background.
    """

    index: int
    seed: int
    params: dict[str, float]
    expression: str
    pose: Pose
    fov_y: float
    margin: float
    shift: tuple[float, float]
    lighting: str
    light_draw: tuple[float, ...]
    background_seed: int


def make_scene(config, model: FaceModel, index: int) -> Scene:
    """The scene of item ``index`` of the run ``config`` (a ``BatchConfig``)."""
    from faceeditor.model.prior import sample

    seed = item_seed(config.seed, index)
    rng = np.random.default_rng([seed, SCENE_STREAM])
    drawn = sample(model, seed)
    if config.template_params:
        params = dict(config.template_params)
        kinds = {kind for group in config.vary if group != "expression"
                 for kind in VARY_KINDS[group]}
        for p in model.spec:
            if p.kind in kinds:
                params[p.name] = drawn[p.name]
        vary_expression = "expression" in config.vary
    else:
        params, vary_expression = drawn, True
    expression = "template"
    # the scene stream is drawn in a fixed order whatever the options, so changing one option
    # (say --pose-range) leaves the others' draws (lights, background) as they were
    expression_draw = rng.random(8)
    if vary_expression:
        weights, expression = _expression(config.expressions, model, expression_draw)
        for p in model.spec.of_kind("expression"):
            params[p.name] = weights.get(p.name, 0.0)
    angles = (rng.random(3) * 2.0 - 1.0) * config.pose_range
    pose = Pose(yaw=float(angles[0]), pitch=float(angles[1]), roll=float(angles[2]) / 3.0)
    camera = rng.random(4)
    light_draw = tuple(float(v) for v in rng.random(17))
    background_seed = int(rng.integers(0, 2**31))
    return Scene(
        index=index, seed=seed, params=model.spec.to_dict(model.vector(params)),
        expression=expression, pose=pose,
        fov_y=float(FOV_RANGE[0] + (FOV_RANGE[1] - FOV_RANGE[0]) * camera[0]),
        margin=float(MARGIN_RANGE[0] + (MARGIN_RANGE[1] - MARGIN_RANGE[0]) * camera[1]),
        shift=(float((camera[2] * 2 - 1) * SHIFT), float((camera[3] * 2 - 1) * SHIFT)),
        lighting=config.lighting, light_draw=light_draw, background_seed=background_seed)


def _expression(names: tuple[str, ...], model: FaceModel,
                draw: np.ndarray) -> tuple[dict[str, float], str]:
    """ARKit weights and a name for one item; ``draw`` is (8,) uniforms in [0, 1)."""
    arkit = [p.name for p in model.spec.of_kind("expression")]
    if names == ("neutral",):
        return {}, "neutral"
    table = prototypes()
    if names == ("random",):
        if draw[0] < NEUTRAL_SHARE:
            return {}, "neutral"
        choices = sorted(table)
        name = choices[min(int(draw[1] * len(choices)), len(choices) - 1)]
        weights = _scaled(table[name], 0.4 + 0.6 * draw[2])
        # a touch of something else, so no two smiles are the same
        extra = arkit[min(int(draw[3] * len(arkit)), len(arkit) - 1)]
        weights[extra] = min(1.0, weights.get(extra, 0.0) + 0.3 * draw[4])
        return weights, name
    name = names[min(int(draw[1] * len(names)), len(names) - 1)]
    if name == "neutral":
        return {}, name
    units = table.get(name, {name: 1.0})
    return _scaled(units, 0.5 + 0.5 * draw[2]), name


def _scaled(units: Mapping[str, float], scale: float) -> dict[str, float]:
    return {unit: float(min(1.0, weight * scale)) for unit, weight in units.items()}


def random_lighting(draw: tuple[float, ...]):
    """A three-light rig from 17 uniforms: key anywhere in front (azimuth +-70 degrees, elevation
    -15..65), its colour from warm tungsten to cool shade, a weaker fill on the other side, a rim
    light behind, and a tinted hemisphere ambient."""
    from faceeditor.render.shading import Light, StudioLighting

    d = draw

    def direction(azimuth: float, elevation: float) -> tuple[float, float, float]:
        a, e = math.radians(azimuth), math.radians(elevation)
        return (math.sin(a) * math.cos(e), math.sin(e), math.cos(a) * math.cos(e))

    def tint(t: float, power: float) -> tuple[float, float, float]:
        warm, cool = np.array([1.0, 0.86, 0.70]), np.array([0.82, 0.90, 1.0])
        colour = (warm + (cool - warm) * t) * power
        return (float(colour[0]), float(colour[1]), float(colour[2]))

    key_azimuth = -70.0 + 140.0 * d[0]
    key = Light(direction(key_azimuth, -15.0 + 80.0 * d[1]), tint(d[2], 0.7 + 0.9 * d[3]))
    fill_azimuth = -math.copysign(20.0 + 60.0 * d[4], key_azimuth)
    fill = Light(direction(fill_azimuth, -10.0 + 40.0 * d[5]), tint(d[6], 0.05 + 0.4 * d[7]))
    rim = Light(direction(-160.0 + 320.0 * d[8], 10.0 + 50.0 * d[9]),
                tint(d[10], 0.9 * d[11]))
    sky = tint(d[12], 0.03 + 0.25 * d[13])
    ground = tint(d[14], (0.02 + 0.1 * d[15]) * (0.5 + 0.5 * d[16]))
    return StudioLighting(key=key, fill=fill, rim=rim, sky=sky, ground=ground)


def scene_lighting(scene: Scene):
    """The ``StudioLighting`` of ``scene``."""
    from faceeditor.render.shading import LIGHTING_PRESETS

    if scene.lighting == "random":
        return random_lighting(scene.light_draw)
    return LIGHTING_PRESETS[scene.lighting]
