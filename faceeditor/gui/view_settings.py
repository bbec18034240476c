"""How the viewport draws (lighting, view mode, wireframe, background, turntable): saved in
projects and, the lighting, in the user settings."""

from __future__ import annotations

import dataclasses

from faceeditor.render.shading import LIGHTING_PRESETS, VIEW_MODES


@dataclasses.dataclass
class ViewSettings:
    """How the viewport draws; saved in projects and (lighting) in the user settings."""

    lighting: str = "studio"
    mode: str = "shaded"
    wireframe: bool = False
    background: tuple[int, int, int] = (58, 60, 66)
    turntable: bool = False

    def to_json(self) -> dict[str, object]:
        return {"lighting": self.lighting, "mode": self.mode, "wireframe": self.wireframe,
                "background": list(self.background), "turntable": self.turntable}

    @classmethod
    def from_json(cls, data: dict) -> ViewSettings:
        """Read what ``to_json`` wrote; unknown or malformed entries keep their defaults."""
        settings = cls()
        if data.get("lighting") in LIGHTING_PRESETS:
            settings.lighting = data["lighting"]
        if data.get("mode") in VIEW_MODES:
            settings.mode = data["mode"]
        settings.wireframe = bool(data.get("wireframe", False))
        background = data.get("background")
        if (isinstance(background, list) and len(background) == 3
                and all(isinstance(v, int) and 0 <= v <= 255 for v in background)):
            settings.background = (background[0], background[1], background[2])
        settings.turntable = bool(data.get("turntable", False))
        return settings
