"""Generic test fixtures: an offscreen OpenGL context and Qt hygiene.

Model- or renderer-specific fixtures belong beside the tests that use them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import moderngl


def pytest_configure(config: pytest.Config) -> None:
    # The tests read the packaged lexicon only, never the developer's own lexicon file.
    os.environ["FACEEDITOR_LEXICON"] = ""
    # Before any test makes an OpenGL context: triton (from torch) crashes the process when it
    # is loaded after Mesa's llvmpipe (see faceeditor/render/llvm_guard.py).
    from faceeditor.render.llvm_guard import load_triton_first

    load_triton_first()
    # Without an X server (plain `pytest` on a headless machine) Qt falls back to its
    # offscreen platform. `make test` runs under Xvfb and sets QT_QPA_PLATFORM=xcb itself.
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def _gl_session_context() -> Iterator[moderngl.Context]:
    import moderngl

    ctx = moderngl.create_standalone_context(backend="egl")
    yield ctx
    ctx.release()


@pytest.fixture
def gl_context(_gl_session_context: moderngl.Context) -> Iterator[moderngl.Context]:
    """A headless moderngl context (EGL; Mesa llvmpipe without a GPU), shared by the session.

    The context is current only during the test: with libglvnd a thread that holds a
    current EGL context cannot make a GLX context current, so it would break Qt's
    OpenGL widgets (GLX under X11) in later tests. Fails the test if a GL error is
    pending before or after it, so an error is blamed on the test that caused it.
    """
    ctx = _gl_session_context
    with ctx:
        error = ctx.error
        assert error == "GL_NO_ERROR", f"GL error pending before the test: {error}"
        yield ctx
        error = ctx.error
        # Rebind framebuffer 0: had the test released its bound framebuffer, the next
        # `ctx.scope(...)` would restore that dead binding and fail with GL_INVALID_OPERATION.
        ctx.detect_framebuffer(0).use()
        assert error == "GL_NO_ERROR", f"the test left a GL error: {error}"


@pytest.fixture(autouse=True)
def _no_leaked_windows() -> Iterator[None]:
    """Fail a test that leaves a top-level Qt window open (register widgets with qtbot)."""
    yield
    qt_widgets = sys.modules.get("PySide6.QtWidgets")
    if qt_widgets is None or qt_widgets.QApplication.instance() is None:
        return
    leaked = [w for w in qt_widgets.QApplication.topLevelWidgets() if w.isVisible()]
    for widget in leaked:
        widget.close()
    assert not leaked, f"test left windows open: {[type(w).__name__ for w in leaked]}"


@pytest.fixture(scope="session")
def fresh_anny_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An anny cache folder, empty when the session starts: the first asset rebuild fills it
    from scratch (as on a new machine), later rebuilds in the session reuse it."""
    return tmp_path_factory.mktemp("fresh-anny-cache")


@pytest.fixture(scope="session")
def look_dir() -> Path:
    """The folder for pictures a person looks at after a run (contact sheets, window
    screenshots): ``$FACEEDITOR_TEST_OUTPUT`` or the checkout's ``out/``, created."""
    root = Path(os.environ.get("FACEEDITOR_TEST_OUTPUT", Path(__file__).parents[1] / "out"))
    root.mkdir(parents=True, exist_ok=True)
    return root
