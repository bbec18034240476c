"""A dark Fusion theme, as in most 3D tools: the face, not the chrome, is what catches the eye."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

_COLOURS = {
    QPalette.ColorRole.Window: (45, 46, 50),
    QPalette.ColorRole.WindowText: (220, 221, 224),
    QPalette.ColorRole.Base: (34, 35, 38),
    QPalette.ColorRole.AlternateBase: (50, 51, 56),
    QPalette.ColorRole.ToolTipBase: (28, 29, 32),
    QPalette.ColorRole.ToolTipText: (230, 230, 232),
    QPalette.ColorRole.PlaceholderText: (130, 132, 138),
    QPalette.ColorRole.Text: (222, 223, 226),
    QPalette.ColorRole.Button: (56, 57, 62),
    QPalette.ColorRole.ButtonText: (222, 223, 226),
    QPalette.ColorRole.BrightText: (255, 110, 100),
    QPalette.ColorRole.Mid: (110, 112, 118),
    QPalette.ColorRole.Light: (78, 80, 86),
    QPalette.ColorRole.Dark: (26, 27, 30),
    QPalette.ColorRole.Highlight: (86, 140, 214),
    QPalette.ColorRole.HighlightedText: (255, 255, 255),
    QPalette.ColorRole.Link: (110, 165, 235),
}


def apply_dark_theme(app: QApplication) -> None:
    """Fusion style with a dark palette (disabled text dimmed)."""
    app.setStyle("Fusion")
    palette = QPalette()
    for role, rgb in _COLOURS.items():
        palette.setColor(role, QColor(*rgb))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                 QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 121, 126))
    app.setPalette(palette)
