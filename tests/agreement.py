"""The agreement metrics and thresholds live in :mod:`twin.validation.agreement`; the
run-and-compare helper of the tests that set a hand-made network against EPA SWMM is here."""

from __future__ import annotations

from twin.validation.agreement import *  # noqa: F403
from twin.validation.agreement import (  # noqa: F401
    CONTINUITY_MAX_PERCENT,
    Agreement,
    assert_agrees,
    compare,
)


def run_and_compare(path, text: str | None = None, *, volumes=(), tol_m3: float = 1.0, **options):
    """Run twin and EPA SWMM 5.2 on the network at ``path`` (written from ``text`` first,
    if given), assert that they agree (:func:`assert_agrees`: nodes, links, subcatchments,
    flooding, continuity: at most 1 %, or within 0.1 point of SWMM's own where SWMM
    itself closes worse than 1 %) and that each dataset attribute in ``volumes`` (a routing volume
    [m3] both write, e.g. ``"routing_seepage_m3"``) differs by at most ``tol_m3``.
    ``options`` go to :func:`twin.simulate` (e.g. ``solver="newton"``).

    Returns ``(ours, ref)``, the two result Datasets, for further checks.
    """
    import twin
    from twin.validation.swmm_run import run_swmm

    if text is not None:
        path.write_text(text)
    ours, ref = twin.simulate(twin.load_network(path), **options), run_swmm(path)
    assert_agrees(ours, ref, continuity="near_swmm")
    for key in volumes:
        assert abs(ours.attrs[key] - ref.attrs[key]) <= tol_m3, (key, ours.attrs[key],
                                                                 ref.attrs[key])  # fmt: skip
    return ours, ref
