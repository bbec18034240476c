"""Exceptions raised by the offscreen renderer."""

from __future__ import annotations


class RenderError(Exception):
    """Base class for renderer errors."""


class ShaderError(RenderError):
    """A shader file is missing or does not compile/link."""


class AttributeMismatchError(RenderError):
    """A program's vertex inputs and the buffers bound to a vertex array disagree."""


class TopologyMismatchError(RenderError, ValueError):
    """A mesh does not share the topology (faces, UVs, parts) that GPU geometry was built for."""


class UnknownViewError(RenderError, ValueError):
    """A named camera view that does not exist was requested."""


class ContextUnavailableError(RenderError):
    """No headless OpenGL context could be created."""
