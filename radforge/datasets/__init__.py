"""Public corpora as hospital-like exports (IU X-ray / OpenI) and checks that use their ground truth."""

from radforge.datasets.iu_xray import (
    ConversionSummary,
    DatasetFormatError,
    DatasetNotFound,
    IuReport,
    convert,
    iter_reports,
    locate_archive,
)
from radforge.datasets.section_check import Agreement, section_agreement

__all__ = ["Agreement", "ConversionSummary", "DatasetFormatError", "DatasetNotFound", "IuReport", "convert",
           "iter_reports", "locate_archive", "section_agreement"]
