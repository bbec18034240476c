"""Package list only; everything else is in pyproject.toml.

Every ``faceeditor*`` package is found automatically; ``resources/`` (top level of the
repository) is installed as the package ``faceeditor.resources`` (see package-dir there).
"""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["faceeditor", "faceeditor.*"]) + ["faceeditor.resources"])
