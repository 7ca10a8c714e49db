"""The file boundary of sewer-twin: what it reads and how it writes.

* :mod:`twin.files.output`: every output is checked before the work and written whole
  or not at all, only over regular files (:func:`check_output`, :func:`atomic_output`,
  :func:`write_bytes`, :func:`write_text`).
* :mod:`twin.files.inputs`: every file an input refers to is a regular file within a
  size limit (:func:`checked_input`, :func:`read_input_text`, :func:`input_lines`).
* :mod:`twin.files.names`: names given by users become safe file names.
* :mod:`twin.files.signals`: SIGTERM and SIGHUP stop the CLI like Ctrl-C, and never
  between an output's rename and its record.
"""

from twin.files.inputs import (
    ENV_MAX_INPUT_MB,
    checked_input,
    input_lines,
    max_input_bytes,
    read_input_bytes,
    read_input_text,
)
from twin.files.names import path_inside, safe_file_name
from twin.files.output import (
    atomic_output,
    check_output,
    file_kind,
    fill_file,
    netcdf_bytes,
    output_in_progress,
    outputs_abandoned,
    outputs_written,
    reset_output_log,
    write_bytes,
    write_text,
    written_by_twin,
)
from twin.files.signals import handling_stop_signals, signals_held

__all__ = [
    "ENV_MAX_INPUT_MB",
    "atomic_output",
    "check_output",
    "checked_input",
    "file_kind",
    "fill_file",
    "handling_stop_signals",
    "input_lines",
    "max_input_bytes",
    "netcdf_bytes",
    "output_in_progress",
    "outputs_abandoned",
    "outputs_written",
    "path_inside",
    "read_input_bytes",
    "read_input_text",
    "reset_output_log",
    "safe_file_name",
    "signals_held",
    "write_bytes",
    "write_text",
    "written_by_twin",
]
