"""Public corpora as hospital-like exports (IU X-ray / OpenI) and checks that use their ground truth."""

from sources.datasets.iu_xray import (
    ConversionSummary,
    DatasetFormatError,
    DatasetNotFound,
    IuReport,
    convert,
    iter_reports,
    locate_archive,
)
from sources.datasets.section_check import Agreement, section_agreement

__all__ = ["Agreement", "ConversionSummary", "DatasetFormatError", "DatasetNotFound", "IuReport", "convert",
           "iter_reports", "locate_archive", "section_agreement"]
