"""Every user-facing failure of sewer-twin is one of these exceptions."""

from __future__ import annotations

import math
import numbers


class TwinError(Exception):
    """Base class of all sewer-twin errors; the CLI prints it as one line."""


class TwinWarning(UserWarning):
    """A warning of sewer-twin's own (a section it does not model, a terrain it derived).

    The CLI prints these as ``twin: warning: ...``; every other warning (numpy's
    RuntimeWarnings, library deprecations) goes to the log, shown with ``twin -v``.
    """


class InputError(TwinError, ValueError):
    """Bad input: names the file, line, section and field when they are known.

    Parameters
    ----------
    message : str
        What is wrong.
    file, line, section, field : optional
        Where it is wrong; ``line`` is 1-based.
    code : int, optional
        The number of the error SWMM 5.2 reports for the same input (its ``error.txt``,
        101-235), shown as ``(SWMM ERROR 113)`` at the end of the message.
    """

    def __init__(self, message, *, file=None, line=None, section=None, field=None, code=None):
        self.message = message
        self.code = code
        self.file = None if file is None else str(file)
        self.line = line
        self.section = section
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        ctx = []
        if self.section:
            ctx.append(f"[{self.section}]")
        if self.field:
            ctx.append(f"field '{self.field}'")
        prefix = (" ".join(ctx) + ": ") if ctx else ""
        swmm = "" if self.code is None else f" (SWMM ERROR {self.code})"
        return f"{where}{prefix}{self.message}{swmm}"


def shown(value, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: a message never echoes a huge input.

    >>> shown("x" * 100, 10)
    "'xxxxxxxx…"
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def checked_number(value, field: str, low=-math.inf, high=math.inf, *, above=False) -> float:
    """``value`` (a number, or a string of one) as a finite float in ``[low, high]``
    (``(low, high]`` when ``above``); otherwise an :class:`InputError` naming ``field``.
    Booleans, lists and tables are refused, as are NaN and infinities; numpy numbers
    are numbers.

    >>> checked_number("2.5", "depth_m", 0)
    2.5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real | str):
        raise InputError(f"expected a number, got {shown(value)}", field=field)
    try:
        x = float(value)
    except (ValueError, OverflowError):
        raise InputError(f"expected a number, got {shown(value)}", field=field) from None
    if not math.isfinite(x):
        raise InputError(f"expected a finite number, got {shown(value)}", field=field)
    if x < low or (above and x == low) or x > high:
        bound = f"> {low:g}" if above else f">= {low:g}"
        if high != math.inf:
            bound = f"{bound} and <= {high:g}" if low != -math.inf else f"<= {high:g}"
        raise InputError(f"must be {bound}, got {shown(value)}", field=field)
    return x


def checked_count(value, field: str, low: int = 0) -> int:
    """``value`` as a whole number >= ``low`` (an int or numpy integer, not a bool or a
    float); otherwise an :class:`InputError` naming ``field``.

    >>> checked_count(3, "seed")
    3
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise InputError(f"expected a whole number >= {low}, got {shown(value)}", field=field)
    return int(value)


class OutputError(TwinError):
    """An output could not be written (disk full, I/O error); the target is left as it was.

    The message is ``FILE: reason`` (``out.nc: No space left on device``).
    """

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class Interrupted(KeyboardInterrupt):
    """The process was asked to stop (SIGINT, SIGTERM, SIGHUP) while the CLI ran.

    ``signum`` is the signal; the CLI exits with ``128 + signum`` (130 for Ctrl-C).
    """

    def __init__(self, signum: int):
        self.signum = int(signum)
        super().__init__(self.signame)

    @property
    def signame(self) -> str:
        import signal

        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"


class SimulationError(TwinError, RuntimeError):
    """Numerical trouble: names the element, the simulation time and the step."""

    def __init__(self, message, *, element=None, time=None, step=None):
        self.element = element
        self.time = time
        self.step = step
        parts = [message]
        if element is not None:
            parts.append(f"at {element}")
        if isinstance(time, numbers.Real) and not isinstance(time, bool):
            parts.append(f"{float(time):g} s after the start")
        elif time is not None:
            parts.append(f"time {time}")
        if step is not None:
            parts.append(f"step {step}")
        super().__init__(", ".join(parts))
