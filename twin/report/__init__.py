"""SWMM-style summary of a result Dataset: continuity, flooding, surcharge, peaks.

>>> from twin.report import format_report, print_report, report_tables
"""

from twin.report.console import print_report
from twin.report.tables import Column, Table, report_tables
from twin.report.text import format_report

__all__ = ["Column", "Table", "format_report", "print_report", "report_tables"]
