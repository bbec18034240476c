#!/usr/bin/env bash
# Install the Debian/Ubuntu packages faceeditor needs and the pip wheels do not bundle.
#
#   packaging/install-system-deps.sh          # to run the app
#   packaging/install-system-deps.sh --test   # also Xvfb, to run the test suite headless
#
# Only calls apt-get (as root, else through sudo) when something is missing, so it is
# cheap to run before every `make run` / `make test`.
set -euo pipefail

packages=(
    # OpenGL from Mesa, llvmpipe when there is no GPU: EGL for offscreen rendering
    # (moderngl's standalone context), GLX for Qt's OpenGL widgets on X11.
    # libegl-mesa0 and libglx-mesa0 load their driver from libgl1-mesa-dri.
    libegl1 libegl-mesa0 libgl1 libglx-mesa0 libgl1-mesa-dri
    # Qt 6 from the PySide6 wheels: QtCore/QtGui/QtDBus and the xcb platform plugin
    # (plugins/platforms/libqxcb.so, libQt6XcbQpa.so.6, plugins/xcbglintegrations).
    libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6
    libx11-6 libx11-xcb1 libxkbcommon0 libxkbcommon-x11-0
    libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0
    libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1
)

case "${1:-}" in
    # xvfb-run needs xauth; the packaging tests validate the desktop files; Blender (with the
    # numpy its glTF importer imports) opens the exported GLBs in tests/test_export_blender.py
    --test) packages+=(xvfb xauth desktop-file-utils appstream blender python3-numpy) ;;
    "") ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
esac

if ! command -v dpkg >/dev/null; then
    echo "install-system-deps: not a Debian-like system; install the equivalents of:" >&2
    echo "  ${packages[*]}" >&2
    exit 0
fi

# `python3 -m venv` needs ensurepip, which Debian ships separately from python3.
if ! command -v python3 >/dev/null; then
    packages+=(python3 python3-venv)
elif [[ "$(command -v python3)" == /usr/bin/* ]] && ! python3 -c 'import ensurepip' 2>/dev/null; then
    packages+=(python3-venv)
fi

# The export tests run the Khronos glTF validator and three.js under node (tests/node).
if [[ "${1:-}" == --test ]] && ! { command -v node && command -v npm; } >/dev/null; then
    packages+=(nodejs npm)
fi

is_installed() {
    # Ubuntu 24.04 renamed some libraries with a t64 suffix (libglib2.0-0t64).
    local name
    for name in "$1" "$1t64"; do
        if dpkg -s "$name" 2>/dev/null | grep -q '^Status: install ok installed'; then
            return 0
        fi
    done
    return 1
}

missing=()
for pkg in "${packages[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ $EUID -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null; then
    as_root=(sudo)
else
    echo "install-system-deps: missing ${missing[*]}; run this script as root" >&2
    exit 1
fi

echo "install-system-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
