"""The operational twin: observations in (sensors, store, feeds), kept safe.

Sensors are declared in TOML (:func:`load_sensors`); every observation ingested from a
CSV file, a followed SCADA export folder or an MQTT broker goes into an
:class:`ObservationStore` (SQLite in the output folder), from which the watch loop reads
windows of observations.
"""

from twin.ops.csvfeed import ingest_csv, read_observations_csv
from twin.ops.folder import FolderFeed
from twin.ops.mqtt import MqttFeed, parse_broker, parse_payload
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
    "FolderFeed",
    "MqttFeed",
    "ObservationBatch",
    "ObservationStore",
    "ObservationWindow",
    "Quantity",
    "Rejected",
    "Sensor",
    "SensorSet",
    "epoch_seconds",
    "ingest_csv",
    "load_sensors",
    "parse_broker",
    "parse_iso_time",
    "parse_payload",
    "read_observations_csv",
]
