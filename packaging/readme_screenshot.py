"""Make the README's screenshot: the app as a new user sees it, with a head, a prompt applied and
its "what moved" chart.

Usage (from the repository root, with the app installed; needs a display, else it runs itself
under ``xvfb-run``)::

    python packaging/readme_screenshot.py [--out docs/screenshot.png] [--size 1400x860]

Run it again whenever the window changes, so the README shows the app as it is.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: what the picture shows: a sampled head, a typed prompt, the three-quarter view
SEED = 1
PROMPT = "a faint, crooked smile"
VIEW = "three-quarter"
TIMEOUT_MS = 60000


def parse_size(text: str) -> tuple[int, int]:
    width, sep, height = text.partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}")
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshot.png")
    parser.add_argument("--size", type=parse_size, default=(1400, 860))
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("SCREENSHOT_UNDER_XVFB"):
        if shutil.which("xvfb-run") is None:
            parser.error("no display and no xvfb-run (apt-get install xvfb)")
        env = dict(os.environ, SCREENSHOT_UNDER_XVFB="1", QT_QPA_PLATFORM="xcb")
        command = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable,
                   __file__, *(argv if argv is not None else sys.argv[1:])]
        return subprocess.run(command, env=env, check=False).returncode
    return shoot(args.out, args.size)


def shoot(out: Path, size: tuple[int, int]) -> int:
    from faceeditor.render.llvm_guard import load_triton_first

    load_triton_first()  # before Qt creates its OpenGL context
    from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    from faceeditor.fileio import write_atomic
    from faceeditor.gui.app import configure_qt
    from faceeditor.gui.main_window import MainWindow
    from faceeditor.gui.theme import apply_dark_theme
    from faceeditor.model import load_default_model

    configure_qt()
    app = QApplication.instance() or QApplication([])
    apply_dark_theme(app)

    def wait_until(condition, what: str) -> None:
        loop_time = 0
        while not condition():
            if loop_time > TIMEOUT_MS:
                raise SystemExit(f"readme_screenshot: timed out waiting for {what}")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            loop_time += 50
            app.thread().msleep(50)

    with tempfile.TemporaryDirectory() as scratch:
        settings = QSettings(str(Path(scratch) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(load_default_model(), settings, Path(scratch) / "data")
        window.resize(*size)
        window.show()
        wait_until(lambda: window.viewport.albedo_status != "pending"
                   and window.viewport.frames_presented > 1, "the first textured frame")
        window.state.randomize("face", seed=SEED)
        window.panel.sync_seed()
        window.viewport.show_view(VIEW)
        window.prompt_panel.prompt.setText(PROMPT)
        window.prompt_panel.session.text_changed(PROMPT, 0.0)
        window.prompt_panel.apply()
        wait_until(lambda: window.viewport.albedo_status != "pending", "the skin texture")
        for _ in range(20):
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            app.thread().msleep(50)
        picture = window.picture()
        temporary = Path(scratch) / "screenshot.png"
        if not picture.save(str(temporary)):
            raise SystemExit("readme_screenshot: could not encode the PNG")
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, temporary.read_bytes())
        window.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
        window.close()
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
