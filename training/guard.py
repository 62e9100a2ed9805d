"""Training reads snapshots only: a data path resolving into the raw or quarantine zone is refused.

Paths are resolved (symlinks followed) before the check, so a link inside the snapshots zone that
points at raw Parquet is refused too. The message names the zone, never the data.
"""

from __future__ import annotations

from pathlib import Path

from radforge.errors import ZoneViolation
from radforge.settings import PHI_ZONES, Settings


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def check_training_path(path: str | Path, settings: Settings) -> Path:
    """The resolved path if training may read it; ZoneViolation otherwise."""
    resolved = Path(path).expanduser().resolve()
    for zone in PHI_ZONES:
        if _inside(resolved, settings.zone(zone).resolve()):
            raise ZoneViolation(f"training refuses to read the {zone} zone (PHI); train on a dataset snapshot "
                                f"under {settings.zone('snapshots')}")
    if not _inside(resolved, settings.zone("snapshots").resolve()):
        raise ZoneViolation(f"training reads dataset snapshots only; {resolved} is outside "
                            f"{settings.zone('snapshots')}")
    return resolved
