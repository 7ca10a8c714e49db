"""row_pointer: a pointer to the start of a row reads the same numbers as the array."""

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from twin.kernels.pointers import row_pointer


@njit
def _read_2d(a, i, k):
    return row_pointer(a, i)[k]


@njit
def _read_3d(a, t, r, k):
    return row_pointer(a, t)[r * a.shape[2] + k]


def test_a_row_pointer_indexes_the_row():
    a = np.arange(24.0).reshape(4, 6)
    for i in range(4):
        for k in range(6):
            assert _read_2d(a, i, k) == a[i, k]
    b = np.arange(2 * 5 * 7, dtype=np.float64).reshape(2, 5, 7)
    for t, r, k in ((0, 0, 0), (1, 4, 6), (1, 2, 3), (0, 3, 6)):
        assert _read_3d(b, t, r, k) == b[t, r, k]


def test_a_strided_view_is_refused():
    """A pointer carries no strides, so only C-contiguous arrays are accepted."""
    a = np.arange(24.0).reshape(4, 6)[:, ::2]
    with pytest.raises(TypingError):
        _read_2d(a, 1, 1)
