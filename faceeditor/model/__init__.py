"""The parametric head model: pure functions of parameters, no Qt, no hidden state."""

from faceeditor.model.face_model import FaceModel, load_default_model, vertex_normals
from faceeditor.model.mesh import PART_NAMES, FaceMesh
from faceeditor.model.spec import ParameterSpec, ParamSpec, UnknownParameterError

__all__ = [
    "FaceMesh", "FaceModel", "PART_NAMES", "ParamSpec", "ParameterSpec",
    "UnknownParameterError", "load_default_model", "vertex_normals",
]
