"""The operational twin: observations in (sensors, store, feeds), kept safe.

Sensors are declared in TOML (:func:`load_sensors`); every observation ingested from a
CSV file, a followed SCADA export folder or an MQTT broker goes into an
:class:`ObservationStore` (SQLite in the output folder), from which the watch loop reads
windows of observations.  :func:`place_sensors` chooses where new depth sensors
explain most of the twin's own prior depth spread (`twin sensors place`).
"""

from twin.ops.csvfeed import ingest_csv, read_observations_csv
from twin.ops.folder import FolderFeed
from twin.ops.mqtt import MqttFeed, parse_broker, parse_payload
from twin.ops.placement import place_sensors, write_sensors
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
    "place_sensors",
    "read_observations_csv",
    "write_sensors",
]
