"""The real IU X-ray archive from the installed torchxrayvision wheel, converted once per test session."""

from __future__ import annotations

import io
import re
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def iu_archive() -> Path:
    from sources.datasets import locate_archive

    return locate_archive()


@pytest.fixture(scope="session")
def iu_export(tmp_path_factory: pytest.TempPathFactory, iu_archive: Path) -> tuple[Path, object]:
    """(export folder, ConversionSummary) of the whole corpus."""
    from sources.datasets import convert

    out = tmp_path_factory.mktemp("iu-xray")
    return out, convert(out, archive=iu_archive)


@pytest.fixture(scope="session")
def xml_truth(iu_archive: Path) -> dict[str, dict[str, str]]:
    """Sections straight from the XML, read independently of the converter: uId -> {LABEL: text}."""
    truth: dict[str, dict[str, str]] = {}
    with tarfile.open(iu_archive, "r:gz") as tar:
        for member in tar:
            if not member.isfile() or not re.search(r"\d+\.xml$", member.name):
                continue
            root = ET.parse(io.BytesIO(tar.extractfile(member).read())).getroot()
            uid = root.find("uId").get("id")
            truth[uid] = {a.get("Label"): (a.text or "").strip() for a in root.iter("AbstractText")}
    return truth
