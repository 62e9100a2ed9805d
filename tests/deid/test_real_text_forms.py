"""The forms issue #17 lists (written for the issue, not taken from any evaluation set), through the whole engine:
each PHI value is removed, each clinical word is left as it was."""

import pytest

from deid import RawReport

PHI = [
    ("dr smith and dr. jones saw the pt", ["smith", "jones"]),
    ("per Dr.Okafor, mr.jones and MRS. PEREZ", ["Okafor", "jones", "PEREZ"]),
    ("daughter anna visited. son, tom, called. wife mary at bedside", ["anna", "tom", "mary"]),
    ("J. KOWALSKI RRT adjusted vent; b. lane, rn aware", ["KOWALSKI", "lane"]),
    ("DISCUSSED WITH DR. HARTLEY AND JOHN BAKER BY PHONE", ["HARTLEY", "JOHN BAKER"]),
    ("transferred to BMC, back to 4 West, rehab in quincy", ["BMC", "4 West", "quincy"]),
    ("dx oct, 97. MI 3/91. cath 12/04. seen june 12'. CABG '89", ["oct, 97", "3/91", "12/04", "june 12", "'89"]),
    ("call son 617 4401932 or pager 21987, x4521", ["617 4401932", "21987", "4521"]),
    ("93 y.o. woman; a ninety five year old man", ["93", "ninety five"]),
    ("Patient: SMITH^JOHN^A  MRN 7788123", ["SMITH^JOHN", "7788123"]),
    ("patient: john smith   dob 3/4/1950", ["john smith", "3/4/1950"]),
    # written for the style-matrix gap (session 5), not copied from it
    ("the son eun-ji kim who lives in salem; brother ji-woo called", ["eun-ji kim", "ji-woo"]),
    ("this is þórunn nyström dictating an operative note", ["þórunn nyström"]),
    ("copies to dr mass. signed dr hélène bowel", ["mass", "hélène bowel"]),
    ("dictation for sandra field 1029495468 seen in clinic", ["sandra field"]),
    ("SW Y. MASS AND CHAPLAIN A CASTILLO VISITED", ["Y. MASS", "A CASTILLO"]),
    ("son may visits daily. the pt states that pat her caregiver noticed it", ["may", "pat"]),
    ("she was seen at mgh in 2010. OLD RECORDS FROM LCH (8/1964) REVIEWED", ["mgh", "LCH", "8/1964"]),
    ("family meeting set for thursday 2010; reached at work 555 0279", ["2010", "555 0279"]),
    ("LLOW UP IN THE MEMORIAL GENERAL HOSPITAL CLINIC IN 2 WEEKS", ["MEMORIAL GENERAL HOSPITAL"]),
    ("report approved by small, pat on the day; contact wei at 617-555-2146", ["small, pat", "wei"]),
]
NOT_PHI = [
    "Neuro: A&Ox3, MAE, strength 5/5. CV: NSR. Abd: soft, NT. pain 10/10, 1/2 tab given.",
    "furosemide 40 mg iv, propofol gtt titrated, vanco per pharmacy.",
    "INCREASED OPACITY IN THE RIGHT LOWER LOBE. NO PNEUMOTHORAX.",
    "Calcified granuloma. Sequelae of prior granulomatous disease.",
    "daughter may visit tomorrow; transferred to osh, then to snf; seen at ed.",
    "INDICATION: Lightheadedness, shaking. Skin: intact, Braden 14.",
]


@pytest.mark.parametrize(("text", "phi"), PHI)
def test_phi_written_as_staff_write_it_is_removed(engine, text, phi):
    result = engine.deidentify(RawReport("f", text))
    covered = {i for e in result.entities for i in range(e.start, e.end)}
    for value in phi:
        start = text.index(value)
        assert all(i in covered for i in range(start, start + len(value)) if not text[i].isspace()), value


@pytest.mark.parametrize("text", NOT_PHI)
def test_clinical_words_are_left_alone(engine, text):
    result = engine.deidentify(RawReport("n", text))
    assert result.entities == [], [text[e.start:e.end] for e in result.entities]


def test_a_hospital_match_does_not_swallow_the_sentence(engine):
    text = "MALE SENT OVER FROM MERCY HOSPITAL WITH INCREASED SOB."
    result = engine.deidentify(RawReport("h", text))
    assert [text[e.start:e.end] for e in result.entities] == ["MERCY HOSPITAL"]
