"""The publishable report: `write_report` (see `beliefs.outputs.report.writer`)."""

from beliefs.outputs.report.writer import REPORT_DIR, write_report

__all__ = ["REPORT_DIR", "write_report"]
