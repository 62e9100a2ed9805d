"""The public IU X-ray (OpenI) reports as a hospital-like export that `radforge ingest` takes unchanged.

The 3,955 de-identified chest X-ray reports of the Indiana University collection ship inside the
`torchxrayvision` wheel as `data/NLMCXR_reports.tgz` (one XML file per report, sections as
`AbstractText` elements). radforge never imports that package (its dependencies pull torchvision);
it only finds the file through `importlib.util.find_spec` and streams the archive, so nothing is
unpacked to disk and nothing is copied into the repository.

A hospital sends one text per exam with its section headers in it; the XML keeps each section
apart. The converter writes the former (what the pipeline must parse) and, beside it, the XML's own
FINDINGS / IMPRESSION per report (`sections.jsonl`): the ground truth of the section-parser check.

The corpus has no patient identifiers, so every report gets its own placeholder MRN: patient-level
splits are therefore report-level splits on this corpus. Exam dates were removed by the publishers;
the collection's publication date stands in for them. `XXXX` marks are PHI the publishers removed.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from radforge.errors import RadforgeError
from radforge.hashing import file_sha256
from radforge.log import get_logger

log = get_logger("sources.datasets.iu_xray")

ARCHIVE_RELPATH = Path("data") / "NLMCXR_reports.tgz"
EXPECTED_REPORTS = 3955
CSV_HEADER = ("AccessionNumber", "MRN", "PatientName", "DOB", "ExamDateTime", "Modality", "BodyPart", "Facility",
              "Version", "ReportText")
SECTION_ORDER = ("EXAMINATION", "INDICATION", "COMPARISON", "FINDINGS", "IMPRESSION")
REDACTION_MARK = "XXXX"
LICENCE = "CC BY-NC-ND 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by-nc-nd/4.0/"
CITATION = ("Demner-Fushman D, Kohli MD, Rosenman MB, Shooshan SE, Rodriguez L, Antani S, Thoma GR, McDonald CJ. "
            "Preparing a collection of radiology examinations for distribution and retrieval. "
            "J Am Med Inform Assoc. 2016;23(2):304-310. doi:10.1093/jamia/ocv080")
MODALITY = "XR"
BODY_PART = "CHEST"
FACILITY = "Indiana University"
PUBLICATION_DATE = "2013-08-01"  # the collection's articleDate; exam dates were removed
_FILE_NUMBER = re.compile(r"(\d+)\.xml$")
_REDACTION = re.compile(r"X{4}")


class DatasetNotFound(RadforgeError):
    """The public corpus is not installed where radforge looks for it."""


class DatasetFormatError(RadforgeError):
    """The archive does not hold what the converter expects (a different release?)."""


@dataclass(frozen=True, slots=True)
class IuReport:
    """One report of the collection, each section as the XML holds it (stripped; '' when absent)."""

    uid: str  # the XML's uId, e.g. "CXR1": used as accession and report id
    number: int  # the file number, for a stable order
    examination: str
    indication: str
    comparison: str
    findings: str
    impression: str
    mesh_major: tuple[str, ...] = ()
    mesh_minor: tuple[str, ...] = ()
    images: int = 0
    article_date: str = ""

    @property
    def mrn(self) -> str:
        """Placeholder MRN: the corpus has no patient ids, so one per report."""
        return f"IU{self.number:06d}"

    @property
    def mesh_normal(self) -> bool:
        """The publishers' own label: the only major MeSH term is 'normal'."""
        return self.mesh_major == ("normal",)

    def sections(self) -> dict[str, str]:
        return {"EXAMINATION": self.examination, "INDICATION": self.indication, "COMPARISON": self.comparison,
                "FINDINGS": self.findings, "IMPRESSION": self.impression}

    def text(self) -> str:
        """The report as a hospital RIS would send it: one `HEADER: text` line per non-empty section."""
        return "\n".join(f"{name}: {body}" for name, body in self.sections().items() if body)

    def tags(self) -> list[str]:
        tags = []
        if not self.findings:
            tags.append("no_findings")
        if not self.impression:
            tags.append("no_impression")
        if self.mesh_normal:
            tags.append("mesh_normal")
        return tags


def locate_archive() -> Path:
    """Path of NLMCXR_reports.tgz inside the installed torchxrayvision wheel (never imported)."""
    spec = importlib.util.find_spec("torchxrayvision")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetNotFound("torchxrayvision is not installed; install it without its dependencies: "
                              "pip install --no-deps torchxrayvision==1.5.7")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / ARCHIVE_RELPATH
        if candidate.is_file():
            return candidate
    raise DatasetNotFound(f"torchxrayvision is installed but holds no {ARCHIVE_RELPATH}")


def _clean(text: str | None) -> str:
    return (text or "").strip()


def parse_report_xml(data: bytes, number: int) -> IuReport:
    """One report from its XML bytes (defusedxml: no entity expansion, no external references)."""
    root = SafeET.fromstring(data)
    labelled = {(a.get("Label") or "").upper(): _clean(a.text) for a in root.iter("AbstractText")}
    uid_el = root.find("uId")
    uid = (uid_el.get("id") if uid_el is not None else None) or f"CXR{number}"
    images = root.findall("parentImage")
    caption = next((_clean(img.findtext("caption")) for img in images if _clean(img.findtext("caption"))), "")
    mesh = root.find("MeSH")
    major = tuple(_clean(m.text) for m in mesh.findall("major")) if mesh is not None else ()
    minor = tuple(_clean(m.text) for m in mesh.findall("minor")) if mesh is not None else ()
    return IuReport(uid=uid, number=number, examination=" ".join(caption.split()),
                    indication=labelled.get("INDICATION", ""), comparison=labelled.get("COMPARISON", ""),
                    findings=labelled.get("FINDINGS", ""), impression=labelled.get("IMPRESSION", ""),
                    mesh_major=major, mesh_minor=minor, images=len(images),
                    article_date=_clean(root.findtext("articleDate")))


def iter_reports(archive: Path | None = None) -> Iterator[IuReport]:
    """Every report of the archive, in file-number order, streamed from the tgz (nothing unpacked)."""
    archive = archive or locate_archive()
    found: list[IuReport] = []
    with tarfile.open(archive, mode="r:gz") as tar:
        for member in tar:
            match = _FILE_NUMBER.search(member.name)
            if not member.isfile() or match is None:
                continue
            fh = tar.extractfile(member)
            if fh is None:
                continue
            number = int(match.group(1))
            try:
                found.append(parse_report_xml(fh.read(), number))
            except SafeET.ParseError as exc:
                raise DatasetFormatError(f"{archive.name}: report file {number} is not well-formed XML") from exc
            except DefusedXmlException as exc:  # entity declarations, external references: refused
                raise DatasetFormatError(f"{archive.name}: report file {number} holds forbidden XML "
                                         f"({type(exc).__name__})") from exc
    if not found:
        raise DatasetFormatError(f"{archive.name}: no report XML files found")
    yield from sorted(found, key=lambda r: r.number)


def _exam_datetime(report: IuReport) -> str:
    date = report.article_date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", report.article_date) else PUBLICATION_DATE
    return f"{date}T00:00:00"


def _jsonl_record(report: IuReport) -> dict[str, object]:
    return {"id": report.uid, "text": report.text(), "mrn": report.mrn, "accession": report.uid,
            "patient_name": None, "dob": None, "exam_datetime": _exam_datetime(report), "modality": MODALITY,
            "body_part": BODY_PART, "facility": FACILITY, "version": 1, "tags": report.tags()}


def _csv_row(report: IuReport) -> list[str]:
    return [report.uid, report.mrn, "", "", _exam_datetime(report), MODALITY, BODY_PART, FACILITY, "1",
            report.text()]


def _sections_record(report: IuReport) -> dict[str, object]:
    return {"id": report.uid, "examination": report.examination, "indication": report.indication,
            "comparison": report.comparison, "findings": report.findings, "impression": report.impression,
            "mesh_major": list(report.mesh_major), "mesh_minor": list(report.mesh_minor),
            "mesh_normal": report.mesh_normal, "images": report.images}


@dataclass
class ConversionSummary:
    out_dir: str
    archive: str
    archive_sha256: str
    reports: int = 0
    with_findings: int = 0
    with_impression: int = 0
    with_both: int = 0
    with_neither: int = 0
    mesh_normal: int = 0
    reports_with_redactions: int = 0
    redaction_marks: int = 0
    files: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def convert(out_dir: Path, archive: Path | None = None,
            progress: Callable[[int], None] | None = None) -> ConversionSummary:
    """Write reports.jsonl, reports.csv, sections.jsonl and DATASET_CARD.md under `out_dir`.

    Files are written under temporary names and renamed once complete, so a reader never sees a
    half-written export. The output is byte-identical from run to run.
    """
    archive = archive or locate_archive()
    if not Path(archive).is_file():
        raise DatasetNotFound(f"no archive at {archive}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = ConversionSummary(out_dir=str(out_dir), archive=str(archive), archive_sha256=file_sha256(archive))
    names = {"jsonl": "reports.jsonl", "csv": "reports.csv", "sections": "sections.jsonl"}
    tmp = {k: out_dir / f".{v}.tmp" for k, v in names.items()}
    with (open(tmp["jsonl"], "w", encoding="utf-8", newline="\n") as fj,
          open(tmp["csv"], "w", encoding="utf-8", newline="") as fc,
          open(tmp["sections"], "w", encoding="utf-8", newline="\n") as fs):
        writer = csv.writer(fc, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for report in iter_reports(archive):
            fj.write(json.dumps(_jsonl_record(report), ensure_ascii=False) + "\n")
            writer.writerow(_csv_row(report))
            fs.write(json.dumps(_sections_record(report), ensure_ascii=False) + "\n")
            summary.reports += 1
            summary.with_findings += bool(report.findings)
            summary.with_impression += bool(report.impression)
            summary.with_both += bool(report.findings and report.impression)
            summary.with_neither += not (report.findings or report.impression)
            summary.mesh_normal += report.mesh_normal
            marks = len(_REDACTION.findall(report.text()))
            summary.redaction_marks += marks
            summary.reports_with_redactions += marks > 0
            if progress is not None:
                progress(summary.reports)
    for key, name in names.items():
        os.replace(tmp[key], out_dir / name)
        summary.files[key] = str(out_dir / name)
    card = out_dir / "DATASET_CARD.md"
    card_tmp = out_dir / ".DATASET_CARD.md.tmp"
    card_tmp.write_text(dataset_card(summary), encoding="utf-8")
    os.replace(card_tmp, card)
    summary.files["card"] = str(card)
    log.info("iu-xray converted: reports=%d both_sections=%d", summary.reports, summary.with_both)
    return summary


def dataset_card(summary: ConversionSummary) -> str:
    """The dataset card: where the data come from, its licence, how to cite it, what the export holds."""
    s = summary
    return f"""# IU X-ray (OpenI) chest X-ray reports — radforge export

## Source
Indiana University Chest X-ray Collection, distributed by the U.S. National Library of Medicine
(OpenI). The reports are read from `NLMCXR_reports.tgz` as shipped inside the `torchxrayvision`
wheel (never imported, never copied into the repository).

- archive: `{Path(s.archive).name}` (sha256 `{s.archive_sha256}`)

## Licence
{LICENCE} ({LICENCE_URL}): attribution, non-commercial use only, no derivatives distributed.
Do not redistribute this export; regenerate it with `radforge dataset iu-xray --out DIR`.

## Citation
{CITATION}

## Counts
| what | reports |
| --- | ---: |
| reports converted | {s.reports} |
| with FINDINGS | {s.with_findings} |
| with IMPRESSION | {s.with_impression} |
| with both FINDINGS and IMPRESSION | {s.with_both} |
| with neither | {s.with_neither} |
| MeSH major term only "normal" | {s.mesh_normal} |
| containing `XXXX` redaction marks | {s.reports_with_redactions} |

`XXXX` marks in total: {s.redaction_marks}. They are PHI (names, dates, some words) that the
publishers removed before release; radforge's de-identification treats them as pre-redacted.

## Files
- `reports.csv` — RIS-style export, header `{",".join(CSV_HEADER)}`.
- `reports.jsonl` — the same reports with radforge's export keys (`id`, `text`, `mrn`, `accession`, ...).
- `sections.jsonl` — the XML's own sections per report (`findings`, `impression`, `indication`,
  `comparison`, `examination`, MeSH terms): ground truth for the section-parser check.

Each report text carries its section headers one per line, as a hospital would send it:
`EXAMINATION:` (the first image caption), `INDICATION:`, `COMPARISON:`, `FINDINGS:`, `IMPRESSION:`;
a section empty in the XML is left out.

## Caveats
- No patient identifiers: each report gets its own placeholder MRN (`IU` + file number), so
  patient-level splits are report-level splits on this corpus (a patient may appear in several).
- Exam dates were removed by the publishers; every exam carries the collection's publication
  date ({PUBLICATION_DATE}) as its exam date. Modality `{MODALITY}`, body part `{BODY_PART}` for all.
- No patient names or dates of birth (empty fields).
- Many reports are templated normals; a quarter of the findings recur word for word. Check
  leakage between splits before trusting any summarization score on this corpus.
"""
