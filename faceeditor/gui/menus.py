"""The main window's menu bar (File / Edit / View / Help), its shortcuts and small dialogs."""

from __future__ import annotations

from PySide6.QtGui import QActionGroup, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QSpinBox, QWidget

from faceeditor.gui.fit_dialog import new_from_photo_or_scan
from faceeditor.render.shading import LIGHTING_PRESETS, VIEW_MODES

VIEW_MODE_LABELS = {"shaded": "Shaded", "albedo": "Albedo only", "normals": "Normals",
                    "shading": "Shading only"}


def build_menus(window) -> None:
    """Fill ``window``'s menu bar; actions the window updates later become its attributes."""
    add = window._action
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    add(file_menu, "&New", window.new_face, QKeySequence.StandardKey.New)
    add(file_menu, "New Head from &Description…", lambda: window.new_from_description(
        window.prompt_panel.prompt.text()), tip="Describe a person; pick one of four heads")
    add(file_menu, "&Open…", window.open_dialog, QKeySequence.StandardKey.Open)
    add(file_menu, "New from &Photo or Scan…", lambda: new_from_photo_or_scan(window),
        "Ctrl+Shift+N", "Fit a head to a photo (JPEG, PNG, WebP) or a 3D scan (OBJ, PLY, STL, "
        "GLB)")
    window.recent_menu = file_menu.addMenu("Open &Recent")
    file_menu.addSeparator()
    add(file_menu, "Open &Model…", window.open_model_dialog,
        tip="Load a research head model: FLAME (generic_model.pkl) or an "
            "AlbedoGAN / StyleGAN2 albedo generator (.pt, NVlabs .pkl)")
    window.codes_action = add(
        file_menu, "&Import DECA/EMOCA/MICA Codes…", window.import_codes_dialog,
        tip="Set the FLAME parameters from a DECA, EMOCA or MICA output folder")
    window.codes_action.setEnabled(False)
    file_menu.addSeparator()
    add(file_menu, "&Save", window.save, QKeySequence.StandardKey.Save)
    add(file_menu, "Save &As…", window.save_as_dialog, "Ctrl+Shift+S")
    file_menu.addSeparator()
    add(file_menu, "&Export…", window.export_dialog, "Ctrl+E",
        "Export the head as GLB (morphs, textures) or OBJ")
    add(file_menu, "Save Screens&hot…", window.screenshot_dialog, "Ctrl+Shift+P",
        "Render the view to a PNG at any resolution")
    file_menu.addSeparator()
    add(file_menu, "&Quit", window.close, QKeySequence.StandardKey.Quit)

    edit = bar.addMenu("&Edit")
    # lambdas: the state and the panel are replaced when another model is opened
    window.undo_action = add(edit, "&Undo", lambda: window.state.undo(), "Ctrl+Z")
    window.redo_action = add(edit, "&Redo", lambda: window.state.redo(),
                             ["Ctrl+Shift+Z", "Ctrl+Y"])
    edit.addSeparator()
    add(edit, "Randomi&ze Face", lambda: window.panel.randomize("face"), "Ctrl+R")
    add(edit, "Randomize &Shape", lambda: window.panel.randomize("shape"))
    add(edit, "Randomize S&kin", lambda: window.panel.randomize("skin"))
    add(edit, "Rese&t Face", lambda: window.panel.reset_face())
    edit.addSeparator()
    window.symmetry_action = add(
        edit, "S&ymmetry Lock", lambda on: window.panel.symmetry.setChecked(on), "Ctrl+L",
        "Moving a left slider moves its right partner", checkable=True)
    window.panel.symmetry.toggled.connect(window.symmetry_action.setChecked)
    add(edit, "Mirror Left → Right", lambda: window.state.mirror_side("left"))
    add(edit, "Mirror Right → Left", lambda: window.state.mirror_side("right"))
    edit.addSeparator()
    add(edit, "&Find Slider", lambda: window.panel.focus_search(),
        QKeySequence.StandardKey.Find)

    view = bar.addMenu("&View")
    for text, name, keys in (("&Front", "front", ["1", "Num+1"]),
                             ("&Side", "side", ["3", "Num+3"]),
                             ("&Three-Quarter", "three-quarter", ["7", "Num+7"])):
        add(view, text, lambda _=False, n=name: window.viewport.show_view(n), keys)
    add(view, "Frame F&ace", lambda: window.viewport.frame_face(), ["F", "Num+."])
    view.addSeparator()
    lighting = view.addMenu("&Lighting")
    window.lighting_group = QActionGroup(window)
    for name in LIGHTING_PRESETS:
        action = add(lighting, name.title(),
                     lambda _=False, n=name: window.set_view(lighting=n), checkable=True)
        action.setData(name)
        window.lighting_group.addAction(action)
    mode = view.addMenu("&Mode")
    window.mode_group = QActionGroup(window)
    for index, name in enumerate(VIEW_MODES):
        action = add(mode, VIEW_MODE_LABELS[name], lambda _=False, n=name: window.set_view(mode=n),
                     f"Alt+{index + 1}", checkable=True)
        action.setData(name)
        window.mode_group.addAction(action)
    window.wireframe_action = add(
        view, "&Wireframe Overlay", lambda on: window.set_view(wireframe=on), "W",
        checkable=True)
    window.turntable_action = add(
        view, "T&urntable", lambda on: window.set_view(turntable=on), "T", checkable=True)
    add(view, "&Background Colour…", window.background_dialog)
    view.addSeparator()
    view.addAction(window.panel_dock.toggleViewAction())
    view.addAction(window.prompt_dock.toggleViewAction())
    perf = window.perf_dock.toggleViewAction()
    perf.setShortcut(QKeySequence("F12"))
    view.addAction(perf)

    help_menu = bar.addMenu("&Help")
    add(help_menu, "&Keyboard Shortcuts", window.show_shortcuts, "F1")
    add(help_menu, "&About faceeditor", window.show_about)
    window._sync_view_actions()


class ScreenshotSizeDialog(QDialog):
    """Asks for the pixel size of a screenshot."""

    def __init__(self, parent: QWidget, width: int, height: int):
        super().__init__(parent)
        self.setWindowTitle("Screenshot size")
        self.width = QSpinBox(minimum=16, maximum=16384, value=int(width), suffix=" px")
        self.height = QSpinBox(minimum=16, maximum=16384, value=int(height), suffix=" px")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QFormLayout(self)
        layout.addRow("Width", self.width)
        layout.addRow("Height", self.height)
        layout.addRow(buttons)


SHORTCUTS_HELP = """\
Orbit: left drag · Pan: middle drag or Shift+drag · Zoom: wheel or pinch
1 / 3 / 7 (or numpad): front / side / three-quarter view · F: frame face
W: wireframe · T: turntable · Alt+1..4: shaded / albedo / normals / shading only
F12: frame-time plot · Ctrl+F: find a slider · double-click a slider: reset it
Ctrl+Z / Ctrl+Shift+Z: undo / redo · Ctrl+R: randomize · Ctrl+L: symmetry lock
Ctrl+N / Ctrl+O / Ctrl+S / Ctrl+Shift+S: new / open / save / save as
Ctrl+E: export GLB / OBJ · Ctrl+Shift+P: screenshot at any size
S: sculpt mode (drag the face; Ctrl+click pins; Esc cancels) · Shift+E: sculpt expressions"""

