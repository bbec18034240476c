"""Shader programs loaded from the ``.glsl`` files beside this module, and the checks that tie a
program's vertex inputs to the buffers a vertex array binds."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from importlib import resources

import moderngl
import numpy as np

from faceeditor.render.errors import AttributeMismatchError, ShaderError

log = logging.getLogger(__name__)

_SHADER_DIR = "shaders"  # beside this module, shipped as package data
_FORMAT = re.compile(r"(\d*)([fiu])(?:1|2|4|8)?")
_INCLUDE = re.compile(r'^#include "([\w.]+)"[ \t]*$', re.MULTILINE)


def read_shader_source(filename: str, defines: Mapping[str, object] | None = None,
                       package: str = __package__) -> str:
    """The text of ``shaders/<filename>`` beside ``package`` (default: this one) with
    ``#define NAME value`` lines after ``#version``; a line ``#include "other.glsl"`` is
    replaced by that file's text (code shared by several shaders, one level deep)."""
    source = _shader_text(filename, package)
    source = _INCLUDE.sub(lambda match: _shader_text(match.group(1), package), source)
    if not defines:
        return source
    first, newline, rest = source.partition("\n")
    if not first.startswith("#version"):
        raise ShaderError(f"{filename}: first line must be #version, got {first!r}")
    lines = "".join(f"#define {name} {value}\n" for name, value in defines.items())
    return first + newline + lines + rest


def _shader_text(filename: str, package: str) -> str:
    try:
        path = resources.files(package).joinpath(_SHADER_DIR).joinpath(filename)
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ShaderError(
            f"shader file {filename!r} not found in {package}/{_SHADER_DIR}"
        ) from exc


def load_program(
    ctx: moderngl.Context, name: str, defines: Mapping[str, object] | None = None,
    package: str = __package__,
) -> moderngl.Program:
    """Compile ``shaders/<name>.vert.glsl`` and ``shaders/<name>.frag.glsl`` (beside
    ``package``, default this one) into a program."""
    vertex = read_shader_source(f"{name}.vert.glsl", defines, package)
    fragment = read_shader_source(f"{name}.frag.glsl", defines, package)
    try:
        program = ctx.program(vertex_shader=vertex, fragment_shader=fragment)
    except moderngl.Error as exc:
        raise ShaderError(f"shader program {name!r} failed to build: {exc}") from exc
    log.debug("built program %r with inputs %s", name, sorted(program_attributes(program)))
    return program


def program_attributes(program: moderngl.Program) -> dict[str, moderngl.Attribute]:
    """The active vertex inputs of ``program`` by name (inputs the compiler dropped are absent)."""
    members = {name: program[name] for name in program}
    return {name: member for name, member in members.items()
            if isinstance(member, moderngl.Attribute)}


def check_attributes(
    program: moderngl.Program, program_name: str, provided: Mapping[str, str], source_name: str
) -> None:
    """Raise ``AttributeMismatchError`` unless ``provided`` feeds every input of ``program``.

    Args:
        provided: attribute name -> moderngl buffer format of one element (``"3f"``, ``"u4"``...).
        program_name, source_name: named in the error message (e.g. the shader and geometry).

    Provided attributes that the program does not use are allowed: GLSL compilers drop unused
    inputs, so a program may legitimately ignore e.g. ``in_texcoord_0``.
    """
    inputs = program_attributes(program)
    missing = sorted(set(inputs) - set(provided))
    if missing:
        raise AttributeMismatchError(
            f"program {program_name!r} needs vertex inputs {missing} that {source_name!r} does not "
            f"provide; program inputs: {sorted(inputs)}, "
            f"{source_name!r} provides: {sorted(provided)}"
        )
    for attr_name, attribute in inputs.items():
        components, is_integer = _format_signature(provided[attr_name])
        wants_integer = attribute.shape in ("i", "I")
        if components != attribute.dimension or is_integer != wants_integer:
            raise AttributeMismatchError(
                f"vertex input {attr_name!r}: program {program_name!r} declares "
                f"{attribute.dimension} {'integer' if wants_integer else 'float'} component(s), "
                f"{source_name!r} provides format {provided[attr_name]!r}"
            )


def _format_signature(fmt: str) -> tuple[int, bool]:
    """(component count, is integer) of a single-attribute moderngl format like ``"3f"``."""
    match = _FORMAT.fullmatch(fmt.strip())
    if match is None:
        raise ValueError(f"unsupported attribute format {fmt!r}; expected e.g. '3f', '2f4', 'u4'")
    count, kind = match.group(1), match.group(2)
    return (int(count) if count else 1), kind in ("i", "u")


def write_matrix(program: moderngl.Program, name: str, matrix: np.ndarray) -> None:
    """Write a maths-convention (row-major numpy) (4, 4) matrix to a GLSL ``mat4`` uniform."""
    set_uniform(program, name, np.ascontiguousarray(np.asarray(matrix, dtype=np.float32).T))


def set_uniform(program: moderngl.Program, name: str, value: object) -> None:
    """Set a uniform from a scalar, tuple, or numpy array; inactive uniforms are skipped.

    GLSL compilers remove uniforms that do not affect the output, so a missing uniform is logged
    rather than raised.
    """
    if name not in program:
        log.debug("uniform %r is not active in the program; skipped", name)
        return
    uniform = program[name]
    if isinstance(value, np.ndarray):
        uniform.write(np.ascontiguousarray(value, dtype=np.float32).tobytes())
    else:
        uniform.value = value
