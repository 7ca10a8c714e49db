"""A watch folder restarted with another sensor file: what each sensor keeps, by id.

A sensor is its id with its element and quantity (``"L1 0 30 0"``: id, element kind,
element row, quantity; the ``sensors`` list of ``watch.json``).  At a restart with a
changed file (:class:`SensorChange`):

- the watch keeps its own order of the sensors (the filter reads them one after the
  other, so the order changes the analysis): the kept sensors in the order they had,
  then the new ones in the file's order (:meth:`SensorChange.ordered`).  A file that only
  reorders the sensors changes nothing;
- a kept sensor carries QC's record (flags, runs, large-offset memory, CUSUM sums, the
  history of readings and predictions) from its old position to its new one
  (:meth:`SensorChange.carry`); its new ``sd`` applies from the restart on;
- a new sensor starts with the record of a sensor at the watch's start (no flag, no run,
  no sums) and no readings in the history (NaN: QC scores it once it has its own);
- a removed sensor's record is dropped; its readings stay in the database, unread;
- the same id on another element or quantity is another sensor: removed and added.

The withheld-sensor ensembles (:mod:`twin.ops.withheld`): each fold's ensemble has been
updated by every sensor but its fold's, so it is a fair prediction of any subset of its
fold's sensors.  :func:`carried_folds` keeps each kept sensor in the fold it had (the
pairs of sensors near each other are the same, their elements are), drops the folds left
empty, and puts each new sensor in the first fold holding no sensor near it, or a new
fold; a fold continues the ensemble of the fold it came from, a new fold starts from the
analysis members (which never read the new sensors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.ops.sensors import ElementKind, Quantity, SensorSet

#: QC's per-sensor record in ``watch.json`` and the value of a sensor at the start
QC_FRESH = {"flagged": False, "bad": 0, "good": 0, "large_until": None, "cusum": [0.0, 0.0],
            "cusum_t": None, "reason": ""}  # fmt: skip


def sensor_keys(sensors: SensorSet) -> list:
    """``"id kind element quantity"`` of every sensor, in the set's order."""
    return [f"{i} {int(k)} {int(e)} {int(q)}" for i, k, e, q in
            zip(sensors.ids, sensors.element_kind, sensors.element_index, sensors.quantity,
                strict=True)]  # fmt: skip


def split_key(key: str) -> tuple:
    """``(id, ElementKind, element row, Quantity)`` of a sensor key (an id may hold spaces)."""
    sid, kind, element, quantity = key.rsplit(" ", 3)
    return sid, ElementKind(int(kind)), int(element), Quantity(int(quantity))


def state_order(keys) -> list:
    """Positions of the level and flow sensors among ``keys`` as the filter and QC read
    them: the node sensors, then the link sensors (``Twin._observation_model``)."""
    kinds = [split_key(k)[1] for k in keys]
    return [i for i, k in enumerate(kinds) if k == ElementKind.NODE] + [
        i for i, k in enumerate(kinds) if k == ElementKind.LINK
    ]


def describe(key: str, net) -> str:
    """``"L1 (depth at node MH000031)"``."""
    sid, kind, element, quantity = split_key(key)
    table = {ElementKind.NODE: net.nodes, ElementKind.LINK: net.links,
             ElementKind.GAUGE: net.raingages}[kind]  # fmt: skip
    return f"{sid} ({quantity.name.lower()} at {kind.name.lower()} {table.name[element]})"


@dataclass
class SensorChange:
    """The sensor file of a restart against the list the folder was watched with.

    Attributes
    ----------
    old, new : list of str
        Sensor keys (:func:`sensor_keys`): the folder's, in its order, and the file's.
    old_sd : list of float or None
        The folder's ``sd`` of each sensor (None: a folder before round 15).
    """

    old: list
    new: list
    old_sd: list | None = None

    @property
    def kept(self) -> list:
        new = set(self.new)
        return [k for k in self.old if k in new]

    @property
    def added(self) -> list:
        old = set(self.old)
        return [k for k in self.new if k not in old]

    @property
    def removed(self) -> list:
        new = set(self.new)
        return [k for k in self.old if k not in new]

    @property
    def moved(self) -> list:
        """``(old key, new key)`` of the ids now on another element or quantity."""
        was = {split_key(k)[0]: k for k in self.removed}
        return [(was[split_key(k)[0]], k) for k in self.added if split_key(k)[0] in was]

    def ordered(self, sensors: SensorSet) -> SensorSet:
        """``sensors`` (the file's, keyed ``new``) in the watch's order: the kept ones in
        their old order, then the new ones."""
        at = {k: i for i, k in enumerate(self.new)}
        order = [at[k] for k in self.kept + self.added]
        if order == list(range(len(self.new))):
            return sensors
        return SensorSet([sensors.sensors[i] for i in order], source=sensors.source)

    def sd_changes(self, sensors: SensorSet) -> list:
        """``(key, old sd, new sd)`` of the kept sensors whose ``sd`` the file changed."""
        if self.old_sd is None:
            return []
        old = dict(zip(self.old, self.old_sd, strict=True))
        return [(k, old[k], float(sensors.sd[i])) for i, k in enumerate(sensor_keys(sensors))
                if k in old and old[k] != float(sensors.sd[i])]  # fmt: skip

    def state_map(self, keys) -> np.ndarray:
        """(k,) for each level and flow sensor of ``keys`` (the watch's new order, as the
        filter reads them) its position among the folder's, -1 for a new sensor."""
        old = [self.old[i] for i in state_order(self.old)]
        pos = {k: i for i, k in enumerate(old)}
        return np.array([pos.get(keys[i], -1) for i in state_order(keys)], np.int64)

    def carry(self, qc: dict, history: dict, keys) -> tuple:
        """``watch.json``'s ``qc`` and ``history`` (in the folder's order) for the sensors
        ``keys``: each kept sensor's record where it now is, a new sensor's fresh (QC) or
        NaN (the history's readings and predictions)."""
        at = self.state_map(keys)
        ok = at >= 0
        out = {}
        for name, fresh in QC_FRESH.items():
            old = qc.get(name)
            if old is None:
                continue
            out[name] = [old[j] if j >= 0 else fresh for j in at.tolist()]
        hist = {"t": list(history["t"])}
        for name, rows in history.items():
            if name == "t":
                continue
            new = []
            for row in rows:  # (k_old,) or (members, k_old)
                row = np.asarray(row, np.float64)
                shape = (*row.shape[:-1], len(at))
                v = np.full(shape, np.nan)
                v[..., ok] = row[..., at[ok]]
                new.append(v)
            hist[name] = new
        return out, hist


def carried_folds(change: SensorChange, keys, old_folds: dict, nodes, distance,
                  radius: float) -> tuple:  # fmt: skip
    """The withheld ensembles' folds after a restart with a changed sensor file.

    Parameters
    ----------
    change : SensorChange
    keys : list of str
        The watch's sensor keys in its new order.
    old_folds : dict
        Fold of each of the folder's level and flow sensors, by key.
    nodes : (k,) int
        Node each level or flow sensor of ``keys`` reads or sits at (filter order).
    distance : GraphDistance
    radius : float
        The localisation radius (two sensors within ``2 * radius`` never share a fold).

    Returns
    -------
    folds : (k,) int64
        Fold of each level and flow sensor (filter order).
    sources : list of int
        For each fold, the folder's fold whose ensemble it continues (-1: a new fold,
        started from the analysis members).
    """
    state = [keys[i] for i in state_order(keys)]
    fold = np.full(len(state), -1, np.int64)
    labels = sorted({old_folds[k] for k in state if k in old_folds})
    relabel = {f: g for g, f in enumerate(labels)}
    for i, k in enumerate(state):
        if k in old_folds:
            fold[i] = relabel[old_folds[k]]
    sources = list(labels)
    new = np.flatnonzero(fold < 0)
    if len(new):
        nodes = np.asarray(nodes, np.int64)
        dn, _ = distance.from_nodes(nodes[new], limit=2.0 * radius)
        near = dn[:, nodes] <= 2.0 * radius
        for row, i in enumerate(new):
            taken = set(fold[near[row] & (fold >= 0)].tolist())
            g = next(c for c in range(len(state) + 1) if c not in taken)
            fold[i] = g
            if g == len(sources):
                sources.append(-1)
    return fold, sources
