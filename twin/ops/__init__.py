"""The operational twin: observations in (sensors, store, feeds), kept safe.

Sensors are declared in TOML (:func:`load_sensors`); every observation ingested from a
CSV file, a followed SCADA export folder or an MQTT broker goes into an
:class:`ObservationStore` (SQLite in the output folder), from which the watch loop reads
windows of observations.
"""

from twin.ops.sensors import (
    QUANTITY_UNITS,
    ElementKind,
    Quantity,
    Sensor,
    SensorSet,
    load_sensors,
)
from twin.ops.store import (
    DB_NAME,
    ObservationBatch,
    ObservationStore,
    ObservationWindow,
    Rejected,
)
from twin.ops.times import epoch_seconds, parse_iso_time

__all__ = [
    "DB_NAME",
    "QUANTITY_UNITS",
    "ElementKind",
    "ObservationBatch",
    "ObservationStore",
    "ObservationWindow",
    "Quantity",
    "Rejected",
    "Sensor",
    "SensorSet",
    "epoch_seconds",
    "load_sensors",
    "parse_iso_time",
]
