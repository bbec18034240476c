"""Hair, eyebrows, eyelashes and beards as cards bound to the head.

One entry point:

    hair = hair_for(model, params)             # grown once per hair setting (cached)
    meshes = hair.evaluate(model.evaluate(params))   # list[HairMesh] on that head, any expression

Hair is grown on the model's neutral default head (seeded, so the same parameters always give
the same hair) and bound to its triangles (``binding``); evaluating on another head, a shape
slider or one of the 52 expressions only re-reads the bound points. Parts: ``hair`` (scalp
cards and the painted scalp), ``eyebrows``, ``eyelashes``, ``beard`` (cards and its shadow).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from faceeditor.hair.binding import CapLayer, CardLayer, HairMesh
from faceeditor.hair.collision import expression_shear
from faceeditor.hair.contact import skin_contact
from faceeditor.hair.face_hair import beard_coverage, grow_beard, grow_eyebrows, grow_eyelashes
from faceeditor.hair.head import HeadShape
from faceeditor.hair.scalp import grow_scalp_hair, scalp_coverage
from faceeditor.hair.settings import HairSettings, grey_colour, hair_colour
from faceeditor.hair.texture import strand_atlas

log = logging.getLogger(__name__)

__all__ = ["HAIR_PARTS", "HairAsset", "HairLayers", "HairMesh", "hair_for", "strand_atlas"]

#: Parts in drawing and export order.
HAIR_PARTS = ("hair", "eyebrows", "eyelashes", "beard")

#: Which parameters each part's geometry depends on (the rest only recolours).
_PART_INPUTS = {
    "hair": ("hair_style", "hair_length", "hair_volume", "hair_curl", "hair_parting",
             "hairline_height", "hair_density", "hair_grey", "hair_melanin", "hair_redness"),
    "eyebrows": ("eyebrow_thickness", "eyebrow_arch", "eyebrow_length", "eyebrow_gap",
                 "eyebrow_tint", "eyebrow_density", "hair_grey", "hair_melanin", "hair_redness"),
    "eyelashes": ("eyelash_length", "eyelash_curl", "eyelash_density", "hair_melanin",
                  "hair_redness", "hair_grey"),
    "beard": ("beard_style", "beard_length", "beard_density", "hair_grey", "hair_melanin",
              "hair_redness"),
}
_SEEDS = {"hair": 1, "eyebrows": 2, "eyelashes": 3, "beard": 4}


class HairLayers(list):
    """The evaluated ``HairMesh`` layers, plus ``skin_contact``: the (V,) contact occlusion
    factor the scalp hair casts on the skin (``hair.contact``), ``None`` without scalp cards."""

    skin_contact: np.ndarray | None = None


@dataclasses.dataclass
class HairAsset:
    """The bound layers of every part (cards and painted caps), drawn in this order, and the
    scalp hair's contact occlusion on the skin ((V,) or ``None``, ``hair.contact``)."""

    layers: list[CardLayer | CapLayer]
    skin_contact: np.ndarray | None = None

    def evaluate(self, mesh) -> HairLayers:
        """Every layer on ``mesh`` (a ``FaceMesh`` of the same topology, numpy)."""
        vertices = np.asarray(mesh.vertices)
        normals = np.asarray(mesh.normals)
        out = HairLayers()
        out.skin_contact = self.skin_contact
        for layer in self.layers:
            if isinstance(layer, CapLayer):
                out.append(layer.evaluate(vertices, normals))
            else:
                out.append(layer.evaluate(vertices, np.asarray(mesh.faces), normals))
        return out

    @property
    def card_count(self) -> int:
        return sum(len(layer) for layer in self.layers if isinstance(layer, CardLayer))

    def parts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(layer.name for layer in self.layers))


class _Cache:
    def __init__(self, size: int = 24):
        self.size = size
        self.items: OrderedDict = OrderedDict()

    def get(self, key, make):
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        value = make()
        self.items[key] = value
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


_heads = _Cache(4)
_parts = _Cache(32)
#: hair_for may run on a start-up thread (``gui.app``) while the GUI asks for the same hair:
#: the second caller waits for the first one's result instead of growing it again.
_lock = threading.RLock()


def rest_head(model) -> HeadShape:
    """The neutral default head hair is grown on (cached per model)."""
    return _heads.get((model.model_id, model.version, id(model)),
                      lambda: HeadShape.of(model.evaluate(model.default_params())))


def rest_shear(model) -> np.ndarray:
    """(V,) how far each head vertex moves against its neighbours over the expressions
    (cached per model)."""
    return _heads.get(("shear", model.model_id, model.version, id(model)),
                      lambda: expression_shear(model, rest_head(model)))


def hair_for(model, params: Mapping[str, float], parts: tuple[str, ...] = HAIR_PARTS
             ) -> HairAsset:
    """The bound hair of ``params`` (grown once per distinct setting of each part)."""
    with _lock:
        head = rest_head(model)
        settings = HairSettings.of(params)
        layers: list[CardLayer | CapLayer] = []
        contact = None
        for part in parts:
            key = (id(head), part, settings.key(_PART_INPUTS[part]))
            grown = _parts.get(key, lambda part=part: _grow_part(
                head, lambda: rest_shear(model), settings, part))
            layers.extend(grown)
            if part == "hair":  # the same array while the hair stays (renderers compare it)
                contact = _parts.get(("contact",) + key, lambda grown=grown: skin_contact(
                    [layer.evaluate(head.vertices, head.faces, head.normals).positions
                     for layer in grown if isinstance(layer, CardLayer)], head))
    return HairAsset(layers, contact)


def _grow_part(head: HeadShape, shear, settings: HairSettings, part: str
               ) -> list:
    rng = np.random.default_rng([20261202, _SEEDS[part]])
    colour = hair_colour(settings["hair_melanin"], settings["hair_redness"])
    grey = settings["hair_grey"]
    painted = (1 - grey) * colour + grey * grey_colour() * 0.8
    layers: list = []
    if part == "hair":
        cap = CapLayer.of("hair", head, scalp_coverage(head, settings), painted * 0.8)
        strands = grow_scalp_hair(head, settings, rng)
        if strands is not None:  # draw inner layers first
            order = np.argsort(strands.shade, kind="stable")
            strands = _subset(strands, order)
        layers = [cap, strands and CardLayer.bind("hair", strands, head)]
    elif part == "eyebrows":
        strands = grow_eyebrows(head, settings, rng)
        layers = [strands and CardLayer.bind("eyebrows", strands, head)]
    elif part == "eyelashes":
        strands = grow_eyelashes(head, settings, rng)
        layers = [strands and CardLayer.bind("eyelashes", strands, head, shear())]
    elif part == "beard":
        cap = CapLayer.of("beard", head, beard_coverage(head, settings), painted * 0.7)
        strands = grow_beard(head, settings, rng)
        layers = [cap, strands and CardLayer.bind("beard", strands, head)]
    return [layer for layer in layers if layer is not None]


def _subset(strands, order):
    fields = {f.name: getattr(strands, f.name) for f in dataclasses.fields(strands)}
    return type(strands)(**{name: value[order] if isinstance(value, np.ndarray) else value
                            for name, value in fields.items()})
