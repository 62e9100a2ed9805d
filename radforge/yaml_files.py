"""Reading a recipe's YAML file (a training run config, an eval config): one mapping or one clear error.

Both recipes read their file the same way and differ only in the error class a user sees
(`ConfigError` for training, `EvaluationError` for evaluation), so the reading lives here once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from radforge.errors import RadforgeError


def read_mapping(path: Path | str, error: type[RadforgeError], what: str = "config") -> dict[str, Any]:
    """The top-level mapping of the YAML file at `path` ({} for an empty file).

    A missing file, invalid YAML or a top level that is not a mapping raises `error` with one line that
    names the file (the YAML parser's message is left out: it may quote the file's text).
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} file {path} not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({type(exc).__name__})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping of {what} keys at the top level")
    return data
