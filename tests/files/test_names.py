"""twin.files.names: names given by users become file names that stay in their folder."""

from __future__ import annotations

import doctest
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

import twin.files.names as names_module
from twin.errors import InputError
from twin.files import path_inside, safe_file_name


def test_doctests():
    assert doctest.testmod(names_module).failed == 0


@given(st.text(max_size=300))
def test_any_name_becomes_one_harmless_component(tmp_path_factory, name):
    folder = tmp_path_factory.getbasetemp()
    safe = safe_file_name(name)
    assert safe and len(safe) <= names_module.MAX_NAME_CHARS
    assert os.sep not in safe and "\0" not in safe and ".." not in safe
    assert not safe.startswith((".", "-")) and safe.isprintable()
    assert (folder / safe).resolve().parent == folder.resolve()


@pytest.mark.parametrize("name", ["x/../../../../tmp/ESCAPED", "../up", "/etc/passwd", "a\\b",
                                  "\n\t", "..", ".hidden", "-rf"])  # fmt: skip
def test_escapes_are_neutralised(name, tmp_path):
    safe = safe_file_name(name)
    assert path_inside(tmp_path, safe).parent == tmp_path
    with pytest.raises(InputError):
        path_inside(tmp_path, name if "/" in name or name == ".." else "../x")
