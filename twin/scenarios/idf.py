"""Intensity-duration-frequency (IDF) relations: design rainfall intensity and depth.

Durations are minutes, intensities mm/h, depths mm.  Three forms, each with its own
coefficients per return period (years):

``talbot``   ``i = a / (t + b)``
``sherman``  ``i = a / (t + b)**n``   (``b = 0`` gives the pure power law ``a / t**n``)
``korean``   ``i = a / (t**n + b)``   (the Japanese / Korean form; ``n = 0.5`` is Ishiguro's)

>>> idf = IDF("talbot", {10: (6000.0, 30.0, 0.0)})
>>> round(idf.intensity_mmh(60, 10), 3)
66.667
>>> round(idf.depth_mm(60, 10), 3)
66.667

:data:`EXAMPLE_IDF` is an illustrative curve of the Korean form whose one-hour
intensities are 75, 95, 103 and 114 mm/h for 10, 30, 50 and 100 years (the order of
Seoul's design targets); it is not an official curve of any city.  Use
:meth:`IDF.from_table` or the ``[rainfall.idf]`` table of a scenario file for a real one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.errors import InputError, checked_number

__all__ = ["EXAMPLE_IDF", "FORMS", "IDF", "power_law_idf"]

FORMS = ("talbot", "sherman", "korean")


@dataclass(frozen=True)
class IDF:
    """An IDF relation of one of :data:`FORMS`, with coefficients per return period.

    Parameters
    ----------
    form : {"talbot", "sherman", "korean"}
    params : dict
        Return period [years] -> ``(a, b, n)``; ``n`` is ignored by ``talbot``.
        ``a`` is in mm/h times the duration unit (minutes) to the power that the
        form needs.
    name : str, optional
    """

    form: str
    params: dict = field(default_factory=dict)
    name: str = ""

    def __post_init__(self):
        form = str(self.form).lower()
        if form not in FORMS:
            raise InputError(
                f"unknown IDF form {self.form!r}; use one of {', '.join(FORMS)}", field="idf.form"
            )
        object.__setattr__(self, "form", form)
        clean = {}
        for rp, abn in self.params.items():
            vals = tuple(float(v) for v in abn) + (0.0,) * (3 - len(abn))
            if float(rp) <= 0 or vals[0] <= 0:
                raise InputError(
                    f"IDF return period and 'a' must be positive, got {rp}: {abn}",
                    field="idf.params",
                )
            clean[float(rp)] = vals[:3]
        if not clean:
            raise InputError(
                "an IDF needs coefficients for at least one return period", field="idf.params"
            )
        object.__setattr__(self, "params", clean)

    @property
    def return_periods(self) -> tuple[float, ...]:
        return tuple(sorted(self.params))

    def coefficients(self, return_period: float) -> tuple[float, float, float]:
        """``(a, b, n)`` for ``return_period``; log-linear in T between tabulated periods."""
        rp = float(return_period)
        if rp in self.params:
            return self.params[rp]
        rps = self.return_periods
        if len(rps) == 1 or rp < rps[0] or rp > rps[-1]:
            raise InputError(
                f"return period {return_period} years is outside the IDF's "
                f"{rps[0]:g}-{rps[-1]:g} years",
                field="return_period",
            )
        k = int(np.searchsorted(rps, rp))
        lo, hi = rps[k - 1], rps[k]
        w = (np.log(rp) - np.log(lo)) / (np.log(hi) - np.log(lo))
        return tuple(
            (1 - w) * u + w * v for u, v in zip(self.params[lo], self.params[hi], strict=True)
        )

    def intensity_mmh(self, duration_min, return_period: float):
        """Average intensity [mm/h] of the storm of ``duration_min`` minutes (scalar or array)."""
        a, b, n = self.coefficients(return_period)
        t = np.asarray(duration_min, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):  # a bad IDF: inf/NaN, refused
            if self.form == "talbot":  # by the storm builders (design_storm)
                i = a / (t + b)
            elif self.form == "sherman":
                i = a / (t + b) ** n
            else:
                i = a / (t**n + b)
        return float(i) if np.ndim(i) == 0 else i

    def depth_mm(self, duration_min, return_period: float):
        """Total depth [mm] of the storm of ``duration_min`` minutes: intensity x duration."""
        t = np.asarray(duration_min, dtype=np.float64)
        d = self.intensity_mmh(t, return_period) * t / 60.0
        return float(d) if np.ndim(d) == 0 else d

    @classmethod
    def from_table(cls, table: dict) -> IDF:
        """From a scenario-file table ``{form=..., params={"10"=[a, b, n], ...}}``."""
        if "form" not in table or "params" not in table:
            raise InputError("an [idf] table needs 'form' and 'params'", field="idf")
        if not isinstance(table["params"], dict):
            raise InputError("expected a table of return periods", field="idf.params")
        params = {}
        for rp, abn in table["params"].items():
            key = f"idf.params.{rp}"
            if isinstance(abn, str) or np.ndim(abn) != 1 or len(abn) != 3:
                raise InputError(f"expected [a, b, n], got {abn!r}", field=key)
            period = checked_number(rp, key, 0.0, above=True)
            params[period] = tuple(checked_number(v, key) for v in abn)
        return cls(str(table["form"]), params, str(table.get("name", "")))

    def to_table(self) -> dict:
        out = {"form": self.form, "params": {f"{k:g}": list(v) for k, v in self.params.items()}}
        if self.name:
            out["name"] = self.name
        return out


def power_law_idf(depths_mm: dict, return_period: float = 1.0, name: str = "") -> IDF:
    """A Sherman IDF ``i = a / t**n`` through two (duration [min], depth [mm]) points.

    Used for storms given by depths, e.g. 110 mm in the peak hour and 212 mm in 3 h:
    an alternating-block storm built on it has exactly those depths.
    """
    if len(depths_mm) != 2:
        raise InputError(
            "a power-law IDF needs exactly two (duration, depth) points", field="depths_mm"
        )
    (t1, d1), (t2, d2) = sorted((float(t), float(d)) for t, d in depths_mm.items())
    if not (0 < t1 < t2 and 0 < d1 <= d2):
        raise InputError("depths must grow with duration", field="depths_mm")
    # depth = c t**m  ->  intensity = 60 c t**(m-1)
    m = np.log(d2 / d1) / np.log(t2 / t1)
    c = d1 / t1**m
    return IDF("sherman", {return_period: (60.0 * c, 0.0, 1.0 - m)}, name)


def _korean_for(i60_by_rp: dict, n: float = 0.6, b: float = 4.0) -> dict:
    """Coefficients of the Korean form with given one-hour intensities."""
    return {rp: (i60 * (60.0**n + b), b, n) for rp, i60 in i60_by_rp.items()}


EXAMPLE_IDF = IDF(
    "korean",
    _korean_for({2: 52.0, 5: 64.0, 10: 75.0, 20: 86.0, 30: 95.0, 50: 103.0, 80: 110.0, 100: 114.0}),
    "example (illustrative, Korean form)",
)
