"""Where the public SWMM test models are: asked of the installed packages, never a machine path.

pyswmm ships its test models inside the package (``pyswmm/tests/data``); this module
finds them through the import system, so the suite runs from any clone in any virtual
environment.  A missing or emptied corpus is an error here, not an empty parameter list:
a test that silently drops out would hide a broken install.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

#: At least this many models must be in pyswmm's data folder (pyswmm 2.x ships 16).
MIN_PYSWMM_MODELS = 10


def pyswmm_data() -> Path:
    """The folder of pyswmm's test models; raises if pyswmm or its data is missing."""
    spec = importlib.util.find_spec("pyswmm")
    if spec is None or spec.origin is None:
        raise RuntimeError("pyswmm is not installed: pip install -e '.[test]'")
    folder = Path(spec.origin).parent / "tests" / "data"
    models = list(folder.glob("*.inp"))
    if len(models) < MIN_PYSWMM_MODELS:
        raise RuntimeError(
            f"pyswmm's test models are missing: {len(models)} .inp files in {folder} "
            f"(expected at least {MIN_PYSWMM_MODELS})"
        )
    return folder


def pyswmm_model(name: str) -> Path:
    """One of pyswmm's test models by file name; raises if it is not there."""
    path = pyswmm_data() / name
    if not path.is_file():
        raise RuntimeError(f"pyswmm's test model {name} is missing from {path.parent}")
    return path


PYSWMM_DATA = pyswmm_data()
