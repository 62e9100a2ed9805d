"""Logging that cannot leak PHI by accident: ids, counts, hashes and types only.

Third-party loggers that may echo text (Presidio's decision process, spaCy, transformers'
tokenizer warnings that quote input) are held at WARNING or above.
"""

from __future__ import annotations

import logging
import os

QUIET = ("presidio-analyzer", "presidio-anonymizer", "presidio_analyzer", "spacy", "transformers",
         "datasets", "urllib3", "filelock", "httpx", "huggingface_hub", "tldextract", "deepspeed")


def setup_logging(level: str | None = None) -> None:
    level = level or os.environ.get("RADFORGE_LOG_LEVEL", "INFO")
    root = logging.getLogger()
    if not any(getattr(h, "_radforge", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._radforge = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    logging.getLogger("radforge").setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"radforge.{name}" if not name.startswith("radforge") else name)
