"""Hand-written note templates for the style matrix: ICU nursing notes and lower-case dictation.

Written from how such notes read, not from the recognizers (the point is to test them on text
their author did not tune against). `{slot}` marks a value taken from a synthetic report's gold
(`deid.corpora.style_matrix.SLOTS` renders it); everything else is literal and must NOT be
redacted: drugs, section heads, scores like 5/5 or 10/10, vitals like 110/60, unit names.

Slots: first last full dr mr initl kin patient (PERSON) · date monyr time (DATE) · age (AGE, >= 90)
· mrn (ID) · phone ext pager (PHONE) · email (EMAIL) · hosp hosp_abbr (ORGANIZATION) · town street
zip (LOCATION) · year dow ward room (ignore: not identifiers) · young (a plain age under 90).
"""

from __future__ import annotations

NURSING_HEADERS = (
    "Nursing Progress Note",
    "NPN days:",
    "MICU Nursing Note",
    "RN note - nights",
    "Nsg Addendum:",
    "SICU NURSING PROGRESS NOTE",
    "CCU RN Note",
    "Nursing Transfer Note",
)

NURSING_LINES = (
    "Neuro: A&Ox3, MAE, follows commands. PERRLA 3mm brisk. Strength 5/5 all extremities.",
    "CV: HR 80s NSR, no ectopy. SBP 110s-130s. Pulses +2 DP/PT bilat. K 3.4, repleted w/ 40 mEq KCl PO.",
    "Resp: LS clear upper, diminished bases. On 2L NC, sats 94-97%. Weaned FiO2 to 40% at {time}.",
    "Pt's {kin} at bedside, updated by {dr} re: plan of care.",
    "Transferred to {ward} from {hosp_abbr} ER on {date} at {time}.",
    "Call {kin} {phone} / pager {pager}, {ext} with any changes.",
    "GI/GU: Abd soft, NT/ND, +BS x4. Foley draining clear yellow urine 30-60cc/hr. Last BM {date}.",
    "ID: Tmax 101.2 at {time}, pan-cultured, started on vanco and Zosyn per {dr}.",
    "Sedation: propofol 30 mcg/kg/min, RASS -2. Fentanyl gtt 50 mcg/hr. Lasix 40 mg IV x1 with good effect.",
    "Skin: intact, Braden 14. Turned q2h. Heels offloaded. Stage 2 to coccyx, Mepilex applied.",
    "Pain 10/10 at start of shift, 4/10 after morphine 2 mg IV. Pt asking when {first} is coming in.",
    "Social: Lives with {kin} in {town}. HCP is {kin}, phone {phone}.",
    "Dispo: Remains in {ward}, {room}. Possible transfer to {hosp} for rehab {dow}.",
    "{age} female admitted {date} w/ urosepsis. PMH: CHF, AFib on Coumadin, CABG {year}.",
    "Endo: BS 180s, covered per SSI. Insulin gtt off at {time}. A1c 8.2.",
    "Family meeting set for {dow} {time} with {dr} and SW {initl}.",
    "Heme: Hct 24.1, 1 unit PRBC given, post Hct pending. Heparin gtt @ 1200 u/hr, PTT 68.",
    "MD aware: {dr} paged at {time} re: SBP 80s, 500cc NS bolus given with effect.",
    "Code status: DNR/DNI, confirmed with {kin} and {dr} {date}.",
    "Report given to {initl}, RN on {ward} at {time}.",
    "Pt A&O x1, confused, pulling at lines, mitts on. Haldol 2 mg IV x1 per {dr}.",
    "Dr.{last} (renal) in to see pt, CRRT to continue. Net neg 1L goal.",
    "{mr} very anxious overnight, asking for {kin}. Ativan 0.5 mg PO given.",
    "Accepted at {hosp} for cardiac cath, report called to {first} RN at {phone}.",
    "Wt 82.4 kg (admit 79). I/O +1.2L. Cr 1.8 from 1.4. UOP 25-40cc/hr.",
    "PT/OT: OOB to chair with assist x2, tolerated 1/2 hr. Strength 4/5 LLE.",
    "Belongings: glasses and upper denture, sent home w/ {kin}.",
    "Seen in {hosp_abbr} clinic {monyr} for same complaint per {kin}.",
    "Chaplain {initl} visited. Pt Catholic, requests priest.",
    "Abd: soft, distended, OGT to LIWS draining 200cc bilious. TF (Jevity 1.2) held.",
    "Vent: AC 500 x 14, PEEP 8, FiO2 50%. ABG 7.32/45/88 at {time}.",
    "PICC placed {date} by IV team ({initl}), tip confirmed by CXR.",
    "PCP {dr} at {hosp} called back, {ext}; records faxed to {phone}.",
    "Contact: {kin} (HCP) cell {phone}, home {phone}.",
    "MRN {mrn} confirmed with 2 identifiers prior to transfusion.",
    "Lines: R IJ TLC (day 3), L radial A-line. Dressing changed {date}.",
    "Neuro checks q1h: GCS 15, NIHSS 2 (mild R facial droop), unchanged since {time}.",
    "Seen by {dr} and {dr} from cardiology; echo done {dow}, EF 35%.",
    "{kin} {last} requests call back at {phone} or e-mail {email}.",
    "From {town}, lives at {street}, {zip}; VNA to follow after d/c.",
    "Amb transfer from {hosp} to {ward} arrived {time}; accepting {dr}.",
    "Old records from {hosp_abbr} ({monyr}) reviewed: colonoscopy benign.",
    "NPO after MN for IR, consent signed by {kin}, witnessed by {initl}, RN.",
    "{mr}'s {kin} brought in home med list: metoprolol 25 BID, lisinopril 10, ASA 81.",
    "Tele: SR 70s w/ occasional PVCs. Mag 1.8, repleted 2 g IV.",
    "Pt is a {young} man, hx HTN, DM2, ESRD on HD MWF via L AVF (+thrill/bruit).",
    "Resp therapist {initl} at bedside {time}, nebs given: albuterol/Atrovent.",
    "Hx MI {year} per old chart; followed by Dr {last} at {hosp_abbr}.",
    "Pupils 2mm sluggish. Propofol off {time} for SAT, RASS 0, CAM-ICU neg.",
    "{age} gentleman, lives alone in {town}, son {first} visits daily.",
)

NURSING_SIGNOFFS = (
    "{initl}, RN",
    "{first} {last}, RN",
    "{full} RN BSN",
    "-{initl} RN",
    "Signed: {initl}, RN {date} {time}",
)

DICTATION_OPENERS = (
    "this is dr {last} dictating a discharge summary on patient {full} medical record number {mrn} date of "
    "admission {date} date of discharge {date}",
    "dictation for {full} {mrn} seen in clinic today {date}",
    "this is {full} dictating an operative note on {patient} date of service {date}",
    "this is dr {full} dictating a consult note on {patient} medical record {mrn}",
    "discharge summary for {patient} dictated by dr {last}",
)

DICTATION_LINES = (
    "history of present illness the patient is a {age} woman with a history of copd on 2 liters home oxygen who "
    "presents from {hosp} with shortness of breath",
    "she was seen at {hosp_abbr} on {date} and started on levofloxacin without improvement",
    "past surgical history cholecystectomy in {year} appendectomy as a child",
    "social history she lives in {town} with her {kin} who is her health care proxy",
    "she was given furosemide 40 mg iv and propofol for the intubation and tolerated it well",
    "on exam strength is 5/5 in the upper extremities and 4/5 in the lower extremities reflexes 2+ and symmetric",
    "pain was 10/10 on arrival and 3/10 after dilaudid 1 mg iv",
    "discussed with dr {last} at {time} who agreed with the plan",
    "the patients {kin} can be reached at {phone} or at work {phone} {ext}",
    "follow up with dr {full} in the {hosp} clinic in 2 weeks phone {phone}",
    "she had a similar episode in {monyr} requiring admission to {hosp_abbr}",
    "labs on admission were notable for a sodium of 128 potassium 5.1 creatinine 2.3 and a white count of 14",
    "ct of the chest on {date} showed bilateral pleural effusions and no pulmonary embolism",
    "the patient was transferred to the icu on {date} at {time} and extubated on {dow}",
    "cardiology was consulted dr {last} recommended a heparin drip and a repeat echo",
    "she was seen by physical therapy and cleared for discharge home with services from {hosp} home care",
    "medications at discharge metoprolol 25 mg twice daily lisinopril 10 mg daily aspirin 81 mg and furosemide "
    "20 mg daily",
    "allergies penicillin which causes hives and sulfa",
    "her daughter {first} was present for the discussion and agrees with comfort measures",
    "the patients primary care physician is dr {full} of {town}",
    "copies to {dr} and to {email}",
    "i personally discussed the results with {mr} and his {kin} at {time} on {date}",
    "he is a {age} gentleman with dementia who lives at {street} {town} {zip}",
    "the patient was last seen by me in {monyr} at which time her ejection fraction was 55 percent",
    "plan is a repeat chest x-ray on {dow} and follow up in clinic with dr {last}",
    "history obtained from the patient and from her {kin} as well as records from {hosp} dated {date}",
    "she reports symptoms began around {date} after a fall at home in {town}",
    "code status full code confirmed with the patient and {kin} health care proxy phone {phone}",
    "the patient was admitted to {ward} {room} under the care of dr {last}",
    "glasgow coma scale 15 cranial nerves 2 through 12 intact sensation grossly intact",
    "she underwent cabg in {year} and a pacemaker placement at {hosp} on {date}",
    "please page dr {last} at pager {pager} with any questions",
    "the nursing home {hosp} will accept her back contact {first} at {phone} {ext}",
    "this is an addendum to the note of {date} by dr {last} new paragraph",
    "she is a {young} woman with hypertension and diabetes on metformin 500 mg twice daily",
    "the son {first} {last} who lives in {town} was updated by phone at {time}",
    "workup at {hosp_abbr} in {monyr} included a colonoscopy which was normal",
    "she received ceftriaxone 1 g iv and azithromycin 500 mg and was admitted to the floor",
    "mr {last} was seen with his {kin} and the risks benefits and alternatives were discussed",
    "he was last admitted {date} to {hosp} for a chf exacerbation diuresed with lasix",
    "the patient states that {first} her caregiver noticed the confusion on {dow} evening",
)

DICTATION_CLOSINGS = (
    "dictated by {full} md on {date} transcribed by {initl} on {date}",
    "end of dictation dictated {date} {time} job number {mrn}",
    "dictated by {full} md {date} {time} d {date} t {date}",
    "this has been dictated by dr {last} thank you",
    "electronically signed dr {full} {date} {time}",
)
