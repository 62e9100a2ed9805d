"""Clinical text that looks like PHI to a naive engine but is not: the whole engine must leave it alone."""

import pytest

from deid import RawReport

NOT_PHI = [
    "Hounsfield units of 20 in the adrenal nodule.",
    "Foley catheter in the bladder.",
    "Findings suggest Crohn disease of the terminal ileum.",
    "Graves disease with diffuse thyroid enlargement.",
    "History of Hodgkin lymphoma, status post chemotherapy.",
    "Chiari I malformation with 7 mm tonsillar descent.",
    "Baker's cyst in the popliteal fossa.",
    "Schatzki ring at the gastroesophageal junction.",
    "Morgagni hernia containing omental fat.",
    "Pfannenstiel incision is healing.",
    "Parkinson disease; DaT scan ordered.",
    "Wilms tumor resected in childhood.",
    "Nodule measures 3.2 x 1.5 cm (series 3 image 45).",
    "Disc bulge at L4-L5 and foraminal narrowing at C5-6.",
    "T2-weighted and FLAIR images show no restricted diffusion.",
    "BI-RADS 4: suspicious abnormality. LI-RADS 3.",
    "CTDIvol 12.3 mGy, DLP 456 mGy-cm, 100 mL Omnipaque 350.",
    "Administered 10.2 mCi Tc-99m MDP and 5 mg regadenoson.",
    "The lesion occupies 3/4 of the lumen; grade 2/4 stenosis.",
    "Kerley B lines and cephalization.",
    "EXAMINATION: Xray Chest PA and Lateral",  # an IU X-ray caption that spaCy tags PERSON
    "EXAMINATION: X-ray Chest AP Portable",
]


@pytest.mark.parametrize("sentence", NOT_PHI)
def test_clinical_text_is_not_phi(sentence, engine):
    result = engine.analyze_batch([RawReport("neg", sentence)])[0]
    assert [(sentence[e.start:e.end], e.type) for e in result] == []
