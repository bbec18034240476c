"""The PySide6 desktop application: a thin layer over faceeditor's Qt-free core.

Modules: ``app`` (start-up), ``main_window`` (menus, projects, autosave), ``viewport``
(QOpenGLWidget + moderngl), ``panel`` (sliders), ``workers`` (worker threads, notifications),
``perf`` (frame-time plot).
"""
