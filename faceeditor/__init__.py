"""faceeditor: create and edit realistic 3D human heads."""

__version__ = "0.1.0"
