"""The exam catalogue: per modality and body part, titles, techniques, indications, normal organ
statements and abnormal findings, each abnormal finding paired with the impression line it implies.

An impression is therefore always a summary of the findings (the corpus trains a summariser):
the abnormal items in order, numbered when there are several; a normal study gets a
"No acute ..." style impression. `{slot}` fields (sizes, levels, series/image numbers, doses)
are realistic non-PHI numbers that a careless de-identifier would flag; see `slots.py`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Abnormal:
    organ: str
    finding: str
    impression: str
    critical: bool = False


@dataclass(frozen=True, slots=True)
class ExamType:
    modality: str
    body_part: str
    titles: tuple[str, ...]
    techniques: tuple[str, ...]
    indications: tuple[str, ...]
    organs: tuple[tuple[str, tuple[str, ...]], ...]
    abnormal: tuple[Abnormal, ...]
    normal_impressions: tuple[str, ...]
    weight: int = 10
    sex: str = ""  # "F" or "M" when the exam is sex-specific
    min_age: int = 0  # screening mammography, prostate MRI, bone density...


A = Abnormal
CT_DOSE = "CTDIvol {ctdi} mGy, DLP {dlp} mGy-cm."

EXAMS: tuple[ExamType, ...] = (
    ExamType(
        "CT", "HEAD",
        ("CT HEAD WITHOUT CONTRAST", "CT BRAIN WO CONTRAST", "CT Head w/o contrast", "NONCONTRAST CT HEAD"),
        ("Axial images of the head were obtained without intravenous contrast. Coronal and sagittal reformats. "
         + CT_DOSE,
         "Noncontrast axial CT of the head with {slice} mm sections. Dose reduction techniques were used."),
        ("Fall, on anticoagulation.", "Headache, worst of life.", "Altered mental status.", "Dizziness.",
         "Syncope.", "Head trauma after motor vehicle collision.", "Left-sided weakness, 4/5 strength.",
         "Confusion, history of Parkinson disease."),
        (("Brain", ("There is no acute intracranial hemorrhage, mass effect, or midline shift.",
                    "No intracranial hemorrhage. Gray-white matter differentiation is preserved.",
                    "No acute hemorrhage, territorial infarct or space-occupying lesion.",
                    "The brain parenchyma is normal in attenuation without hemorrhage or mass effect.")),
         ("Ventricles", ("The ventricles and sulci are normal in size and configuration for age.",
                         "Ventricles are proportionate to the sulci.")),
         ("Extra-axial", ("No extra-axial fluid collection.",)),
         ("Calvarium", ("The calvarium is intact. The visualized paranasal sinuses and mastoid air cells are "
                        "clear.",)),),
        (A("Brain", "There is a {mm} mm acute subdural hematoma along the {side} cerebral convexity with {mm2} mm of "
           "midline shift.", "Acute {side} subdural hematoma measuring {mm} mm with {mm2} mm midline shift.",
           True),
         A("Brain", "Hypoattenuation in the {side} MCA territory with loss of gray-white differentiation, compatible "
           "with acute infarct.", "Acute {side} MCA territory infarct.", True),
         A("Brain", "Patchy periventricular white matter hypoattenuation, likely chronic small vessel ischemic change.",
           "Chronic small vessel ischemic changes. No acute intracranial abnormality."),
         A("Ventricles", "The ventricles are enlarged out of proportion to the sulci, with Evans index of 0.{pct2}.",
           "Ventriculomegaly out of proportion to sulcal enlargement; consider normal pressure hydrocephalus."),
         A("Calvarium", "Nondisplaced fracture of the {side} parietal bone with overlying scalp hematoma.",
           "Nondisplaced {side} parietal bone fracture.", True),
         A("Calvarium", "Mucosal thickening of the {side} maxillary sinus with an air-fluid level.",
           "{Side} maxillary sinusitis, possibly acute."),
         A("Brain", "Hyperdense blood in the basal cisterns and {side} sylvian fissure.", "Acute subarachnoid "
           "hemorrhage. CTA recommended.", True),
         A("Brain", "Encephalomalacia in the {side} frontal lobe, unchanged.", "Chronic {side} frontal "
           "encephalomalacia. No acute abnormality."),
         A("Brain", "A {size} cm hyperdense mass in the {side} basal ganglia with surrounding edema.",
           "Acute {side} basal ganglia intraparenchymal hemorrhage, {size} cm.", True)),
        ("No acute intracranial abnormality.", "No acute intracranial process.", "Negative noncontrast head CT.",
         "No intracranial hemorrhage or mass effect.", "No CT evidence of acute intracranial abnormality.",
         "Unremarkable noncontrast CT of the head."),
        weight=14,
    ),
    ExamType(
        "CT", "CHEST",
        ("CT CHEST WITH CONTRAST", "CT THORAX W/ IV CONTRAST", "CTA CHEST PE PROTOCOL", "CT CHEST WITHOUT CONTRAST",
         "LOW DOSE CT CHEST LUNG CANCER SCREENING"),
        ("Axial CT images of the chest were acquired after {contrast_ml} mL of Omnipaque 350 IV. " + CT_DOSE,
         "Helical CT of the chest from the thoracic inlet through the adrenal glands, {slice} mm reconstructions. "
         "Multiplanar and MIP reformats.",
         "Low-dose technique. " + CT_DOSE),
        ("Shortness of breath, evaluate for pulmonary embolism.", "Cough and fever.", "Lung nodule follow-up per "
         "Fleischner 2017 guidelines.", "Lung cancer screening, 30 pack-year smoker.", "Chest pain.",
         "History of Hodgkin lymphoma, restaging.", "Hemoptysis.", "Abnormal chest radiograph."),
        (("Lungs", ("The lungs are clear without focal consolidation.", "No suspicious pulmonary nodule or mass.",
                    "Mild dependent atelectasis. No consolidation.")),
         ("Pleura", ("No pleural effusion or pneumothorax.",)),
         ("Mediastinum", ("No mediastinal, hilar or axillary lymphadenopathy by CT size criteria.",
                          "The thyroid and esophagus are unremarkable. No lymphadenopathy.")),
         ("Heart", ("Heart size is normal. No pericardial effusion.", "Normal heart size. Mild coronary artery "
                    "calcification.")),
         ("Vessels", ("The pulmonary arteries are well opacified without filling defect.",
                      "Thoracic aorta is normal in caliber.")),
         ("Upper abdomen", ("Visualized upper abdomen is unremarkable.",)),
         ("Bones", ("No suspicious osseous lesion. Degenerative changes of the thoracic spine.",))),
        (A("Lungs", "There is a {size} cm spiculated nodule in the {lobe} (series {series}, image {image}).",
           "{size} cm spiculated {lobe} nodule, suspicious for primary lung malignancy. PET/CT recommended."),
         A("Lungs", "A {mm} mm solid nodule in the {lobe} (series {series}, image {image}), unchanged.",
           "Stable {mm} mm {lobe} nodule. Follow-up per Fleischner criteria."),
         A("Lungs", "Consolidation in the {lobe} with air bronchograms.", "{Lobe} consolidation, compatible with "
           "pneumonia in the appropriate clinical setting."),
         A("Vessels", "Filling defects in the {side} main and lobar pulmonary arteries. RV/LV ratio {ratio}.",
           "Acute {side} pulmonary embolism. RV/LV ratio {ratio}.", True),
         A("Pleura", "Moderate {side} pleural effusion with adjacent compressive atelectasis.",
           "Moderate {side} pleural effusion."),
         A("Pleura", "Small {side} apical pneumothorax measuring {mm} mm.", "Small {side} pneumothorax.", True),
         A("Mediastinum", "Enlarged subcarinal lymph node measuring {size} cm in short axis.",
           "Subcarinal lymphadenopathy, {size} cm."),
         A("Mediastinum", "Small hiatal hernia. Distal esophageal narrowing, possibly a Schatzki ring.",
           "Small hiatal hernia; possible Schatzki ring."),
         A("Heart", "Cardiomegaly with small pericardial effusion.", "Cardiomegaly and small pericardial effusion."),
         A("Vessels", "Ascending thoracic aorta is dilated to {aorta} cm.", "Ascending aortic aneurysm, {aorta} cm.")),
        ("No acute intrathoracic abnormality.", "No pulmonary embolism. No acute cardiopulmonary process.",
         "No CT evidence of malignancy. Lung-RADS 1. Continue annual screening.", "Clear lungs.",
         "No acute findings in the chest.", "Negative for pulmonary embolism."),
        weight=14,
    ),
    ExamType(
        "CT", "ABDOMEN",
        ("CT ABDOMEN AND PELVIS WITH CONTRAST", "CT ABD/PELVIS W IV CONTRAST", "CT A/P WITHOUT CONTRAST",
         "CT ABDOMEN PELVIS RENAL STONE PROTOCOL", "CT ENTEROGRAPHY"),
        ("Axial CT images of the abdomen and pelvis after {contrast_ml} mL of intravenous Isovue-370 and oral "
         "contrast. Coronal and sagittal reformats. " + CT_DOSE,
         "Noncontrast helical images from the diaphragm to the pubic symphysis, {slice} mm. " + CT_DOSE),
        ("Right lower quadrant pain, evaluate for appendicitis.", "Flank pain, hematuria.", "Abdominal pain, fever.",
         "Crohn disease flare.", "Weight loss.", "Follow-up renal cyst, Bosniak classification.",
         "Elevated lipase.", "Bowel obstruction?"),
        (("Liver", ("The liver is normal in size and attenuation without focal lesion.",
                    "Liver is unremarkable.", "No focal hepatic lesion. Hepatic and portal veins are patent.")),
         ("Gallbladder", ("The gallbladder is unremarkable. No biliary ductal dilatation.",)),
         ("Pancreas", ("The pancreas enhances normally without ductal dilatation.",)),
         ("Spleen", ("The spleen is normal in size.",)),
         ("Adrenals", ("The adrenal glands are unremarkable.",)),
         ("Kidneys", ("The kidneys enhance symmetrically without hydronephrosis or stone.",
                      "No hydronephrosis. No renal calculi.")),
         ("Bowel", ("No bowel obstruction or wall thickening. The appendix is normal.",
                    "Normal caliber bowel. Normal appendix.")),
         ("Pelvis", ("The bladder is unremarkable. No free fluid.", "No pelvic mass or free fluid.")),
         ("Lymph nodes", ("No abdominal or pelvic lymphadenopathy.",)),
         ("Bones", ("No aggressive osseous lesion. Mild degenerative change at L4-L5.",))),
        (A("Bowel", "The appendix is dilated to {mm} mm with periappendiceal fat stranding and an appendicolith.",
           "Acute appendicitis without abscess or perforation.", True),
         A("Kidneys", "A {mm} mm obstructing calculus at the {side} ureterovesical junction with moderate "
           "hydronephrosis.", "Obstructing {mm} mm {side} UVJ calculus with moderate hydronephrosis."),
         A("Kidneys", "A {size} cm cyst in the {side} kidney with a thin septation, {hu} Hounsfield units.",
           "{size} cm Bosniak II {side} renal cyst; no follow-up needed."),
         A("Liver", "A {size} cm hypodense lesion in hepatic segment {segment} with peripheral nodular "
           "enhancement.", "{size} cm segment {segment} liver lesion, likely hemangioma."),
         A("Liver", "Diffuse hepatic steatosis.", "Hepatic steatosis."),
         A("Gallbladder", "Cholelithiasis without gallbladder wall thickening.", "Cholelithiasis without CT "
           "evidence of cholecystitis."),
         A("Bowel", "Wall thickening and mucosal hyperenhancement of the terminal ileum over {size} cm with "
           "adjacent fat stranding.", "Active terminal ileitis, compatible with Crohn disease."),
         A("Bowel", "Dilated small bowel loops up to {size} cm with a transition point in the {side} lower "
           "quadrant.", "Small bowel obstruction with transition point in the {side} lower quadrant.", True),
         A("Adrenals", "A {size} cm {side} adrenal nodule measuring {hu} Hounsfield units on noncontrast images.",
           "{size} cm {side} adrenal adenoma."),
         A("Pelvis", "Foley catheter in a decompressed bladder. Small amount of free fluid in the pelvis.",
           "Small volume pelvic free fluid."),
         A("Pancreas", "Peripancreatic fat stranding and fluid without necrosis.", "Acute interstitial edematous "
           "pancreatitis.")),
        ("No acute abdominal or pelvic process.", "No acute abnormality in the abdomen or pelvis.",
         "Normal appendix. No acute intra-abdominal process.", "No nephrolithiasis or hydronephrosis.",
         "No CT findings to explain the patient's symptoms.", "Unremarkable CT of the abdomen and pelvis."),
        weight=14,
    ),
    ExamType(
        "CT", "SPINE",
        ("CT CERVICAL SPINE WITHOUT CONTRAST", "CT LUMBAR SPINE WO", "CT C-SPINE TRAUMA"),
        ("Axial images with sagittal and coronal reformats. " + CT_DOSE,),
        ("Trauma, neck pain.", "Fall from standing, midline tenderness.", "Low back pain after lifting."),
        (("Alignment", ("Alignment is maintained.", "Normal alignment of the cervical spine.")),
         ("Vertebrae", ("Vertebral body heights are preserved. No acute fracture.",)),
         ("Discs", ("Mild multilevel degenerative disc disease, most pronounced at {clevel}.",
                    "Disc spaces are preserved.")),
         ("Soft tissues", ("Prevertebral soft tissues are normal.",))),
        (A("Vertebrae", "Acute fracture through the {cvert} vertebral body with {mm} mm retropulsion.",
           "Acute {cvert} vertebral body fracture with retropulsion.", True),
         A("Alignment", "Grade 1 anterolisthesis of L4 on L5 with bilateral pars defects.",
           "Grade 1 anterolisthesis at L4-L5 with spondylolysis."),
         A("Discs", "Severe disc height loss and endplate osteophytes at {clevel} causing moderate foraminal "
           "narrowing.", "Advanced degenerative change at {clevel} with foraminal narrowing.")),
        ("No acute fracture or malalignment.", "No acute cervical spine fracture."),
        weight=6,
    ),
    ExamType(
        "MR", "BRAIN",
        ("MRI BRAIN WITH AND WITHOUT CONTRAST", "MR BRAIN W/WO GADOLINIUM", "MRI HEAD WITHOUT CONTRAST"),
        ("Sagittal T1, axial T2-weighted, FLAIR, DWI, SWI and post-contrast T1 images after {gad} mL gadobutrol.",
         "Multiplanar multisequence MR imaging of the brain on a 3 T scanner."),
        ("Headaches.", "Seizure.", "Known Chiari I malformation, follow-up.", "Multiple sclerosis surveillance.",
         "Vertigo.", "Memory loss."),
        (("Parenchyma", ("No restricted diffusion to suggest acute infarct. No mass.",
                         "Normal gray-white matter signal on T2-weighted and FLAIR images.")),
         ("Ventricles", ("The ventricles and sulci are normal in size.",)),
         ("Hemorrhage", ("No intracranial hemorrhage on SWI.",)),
         ("Posterior fossa", ("The cerebellar tonsils are in normal position. The brainstem is normal.",)),
         ("Vessels", ("Normal flow voids of the major intracranial vessels.",))),
        (A("Parenchyma", "Multiple T2/FLAIR hyperintense periventricular lesions, the largest {mm} mm, one with "
           "enhancement.", "Demyelinating lesions with one enhancing lesion, compatible with active multiple "
           "sclerosis."),
         A("Posterior fossa", "Cerebellar tonsils extend {mm} mm below the foramen magnum with a peg-like "
           "configuration.", "Chiari I malformation with {mm} mm tonsillar ectopia."),
         A("Parenchyma", "A {size} cm enhancing extra-axial mass along the {side} convexity with a dural tail.",
           "{size} cm {side} convexity meningioma."),
         A("Parenchyma", "Restricted diffusion in the {side} thalamus measuring {mm} mm.", "Acute {side} thalamic "
           "lacunar infarct.", True)),
        ("Normal MRI of the brain.", "No acute intracranial abnormality.", "No evidence of intracranial mass or "
         "acute infarct."),
        weight=8,
    ),
    ExamType(
        "MR", "LSPINE",
        ("MRI LUMBAR SPINE WITHOUT CONTRAST", "MR L-SPINE WO", "MRI LUMBAR SPINE W/O"),
        ("Sagittal T1, T2 and STIR, axial T2-weighted images from T12-L1 to S1.",),
        ("Low back pain radiating to the {side} leg.", "Radiculopathy.", "Cauda equina symptoms.",
         "Chronic back pain, failed conservative therapy."),
        (("Alignment", ("Normal lumbar lordosis.",)),
         ("Conus", ("The conus terminates at L1 with normal signal.",)),
         ("Vertebrae", ("Vertebral body heights and marrow signal are preserved.",)),
         ("Levels", ("L1-L2 through L3-L4: No significant spinal canal or neural foraminal stenosis.",
                     "Mild facet arthropathy at L4-L5 and L5-S1 without stenosis."))),
        (A("Levels", "{llevel}: {Side} paracentral disc extrusion contacting the traversing nerve root, with "
           "moderate spinal canal stenosis.", "{llevel} {side} paracentral disc extrusion with moderate canal "
           "stenosis and nerve root contact."),
         A("Levels", "{llevel}: Broad-based disc bulge and facet hypertrophy with severe bilateral foraminal "
           "stenosis.", "Severe bilateral foraminal stenosis at {llevel}."),
         A("Vertebrae", "Acute compression fracture of L{lvert} with {pct}% height loss and marrow edema on STIR.",
           "Acute L{lvert} compression fracture with {pct}% height loss."),
         A("Conus", "Clumping of the cauda equina nerve roots.", "Clumped nerve roots, possibly arachnoiditis.")),
        ("No significant spinal canal or foraminal stenosis.", "Mild degenerative changes without high-grade "
         "stenosis."),
        weight=7,
    ),
    ExamType(
        "MR", "KNEE",
        ("MRI KNEE WITHOUT CONTRAST", "MR {SIDE} KNEE WO", "MRI OF THE {SIDE} KNEE"),
        ("Multiplanar proton density and T2-weighted fat-saturated images of the {side} knee.",),
        ("Twisting injury, locking.", "Medial joint line pain.", "Posterior knee swelling.", "Instability."),
        (("Menisci", ("The medial and lateral menisci are intact.",)),
         ("Ligaments", ("The cruciate and collateral ligaments are intact.",)),
         ("Cartilage", ("Articular cartilage is preserved.",)),
         ("Extensor", ("The extensor mechanism is intact.",)),
         ("Soft tissues", ("No joint effusion. No popliteal cyst.",))),
        (A("Menisci", "Oblique tear of the posterior horn of the medial meniscus extending to the inferior "
           "articular surface.", "Medial meniscus posterior horn tear."),
         A("Ligaments", "Complete disruption of the anterior cruciate ligament with bone contusions of the lateral "
           "femoral condyle and a Segond fracture.", "Complete ACL tear with Segond fracture."),
         A("Soft tissues", "A {size2} cm Baker's cyst with debris. Moderate joint effusion.",
           "Baker's cyst and moderate joint effusion."),
         A("Cartilage", "Full-thickness cartilage loss of the medial femoral condyle measuring {mm} mm.",
           "Full-thickness chondral defect, medial femoral condyle.")),
        ("Normal MRI of the knee.", "No internal derangement."),
        weight=6,
    ),
    ExamType(
        "MR", "SHOULDER",
        ("MRI SHOULDER WITHOUT CONTRAST", "MR ARTHROGRAM {SIDE} SHOULDER"),
        ("Multiplanar T1 and T2-weighted fat-suppressed images of the {side} shoulder.",),
        ("Anterior dislocation, recurrent.", "Shoulder pain with overhead activity.", "Weakness after a fall."),
        (("Rotator cuff", ("The rotator cuff tendons are intact.",)),
         ("Labrum", ("The labrum is intact.",)),
         ("Biceps", ("The long head of the biceps tendon is normally located.",)),
         ("Joint", ("Mild acromioclavicular joint arthrosis. No effusion.",))),
        (A("Rotator cuff", "Full-thickness tear of the supraspinatus tendon with {mm} mm retraction.",
           "Full-thickness supraspinatus tear with {mm} mm retraction."),
         A("Labrum", "Anteroinferior labral tear with a Hill-Sachs lesion of the posterolateral humeral head.",
           "Bankart lesion with Hill-Sachs deformity, compatible with prior anterior dislocation.")),
        ("No rotator cuff tear.", "Normal MRI of the shoulder."),
        weight=4,
    ),
    ExamType(
        "XR", "CHEST",
        ("XR CHEST PA AND LATERAL", "CHEST 2 VIEWS", "PORTABLE CHEST X-RAY", "CHEST RADIOGRAPH, 1 VIEW",
         "CXR AP PORTABLE"),
        ("PA and lateral views of the chest.", "Single portable AP view.", "Frontal and lateral radiographs."),
        ("Cough.", "Shortness of breath.", "Fever.", "Line placement.", "Preoperative evaluation.",
         "Chest pain.", "Post-intubation."),
        (("Lungs", ("The lungs are clear.", "No focal airspace disease.", "Lungs are well expanded and clear.",
                    "No focal consolidation, pulmonary edema or mass.", "Clear lungs bilaterally.")),
         ("Pleura", ("No pleural effusion or pneumothorax.", "No effusion. No pneumothorax.",
                     "The costophrenic angles are sharp.")),
         ("Heart", ("Heart size is normal. The mediastinal contours are unremarkable.",
                    "Cardiomediastinal silhouette is within normal limits.")),
         ("Bones", ("No acute osseous abnormality.",))),
        (A("Lungs", "Airspace opacity in the {lobe}.", "{Lobe} opacity, compatible with pneumonia."),
         A("Lungs", "Interstitial edema with Kerley B lines and cephalization.", "Mild interstitial pulmonary "
           "edema."),
         A("Pleura", "Small {side} pleural effusion.", "Small {side} pleural effusion."),
         A("Pleura", "{Side} apical pneumothorax measuring {mm} mm.", "{Side} pneumothorax.", True),
         A("Heart", "Enlarged cardiac silhouette.", "Cardiomegaly."),
         A("Lines", "Right internal jugular Swan-Ganz catheter tip in the right main pulmonary artery. "
           "Endotracheal tube tip {ett} cm above the carina.", "Swan-Ganz catheter in the right main pulmonary "
           "artery; endotracheal tube in satisfactory position."),
         A("Lines", "Left chest wall Hickman catheter with tip at the cavoatrial junction.",
           "Hickman catheter tip at the cavoatrial junction."),
         A("Lungs", "Hyperinflation with flattening of the hemidiaphragms.", "Hyperinflation, compatible with COPD."),
         A("Bones", "Acute mildly displaced fracture of the {side} {rib} rib.", "Acute {side} {rib} rib fracture."),
         A("Lungs", "A {size} cm rounded opacity in the {lobe}.", "{size} cm {lobe} nodular opacity; CT chest "
           "recommended."),
         A("Heart", "Enlarged cardiac silhouette with bilateral pleural effusions and vascular congestion.",
           "Congestive heart failure.")),
        ("No acute cardiopulmonary process.", "No acute cardiopulmonary abnormality.", "Clear lungs.",
         "No radiographic evidence of pneumonia.", "No active disease in the chest.", "Normal chest radiograph.",
         "No acute findings."),
        weight=18,
    ),
    ExamType(
        "XR", "UPPER EXTREMITY",
        ("XR {SIDE} WRIST 3 VIEWS", "XR {SIDE} HAND", "XR {SIDE} HAND 3 VIEWS", "XR {SIDE} FOREARM 2 VIEWS"),
        ("Three views of the {side} wrist and hand.", "{views} views."),
        ("Fall on outstretched hand.", "Punched a wall.", "Wrist pain and swelling.", "Trauma.",
         "Snuffbox tenderness."),
        (("Bones", ("No acute fracture or dislocation.", "Bones are intact.")),
         ("Joints", ("Joint spaces are preserved. Carpal alignment is normal.",
                     "Mild degenerative change of the first carpometacarpal joint.")),
         ("Soft tissues", ("Soft tissues are unremarkable.",))),
        (A("Bones", "Dorsally angulated fracture of the distal radius {mm} mm proximal to the articular surface.",
           "Colles fracture of the distal radius."),
         A("Bones", "Nondisplaced fracture of the {finger} metacarpal neck with volar angulation.",
           "Nondisplaced {finger} metacarpal neck fracture (boxer's fracture)."),
         A("Bones", "Lucency through the waist of the scaphoid.", "Nondisplaced scaphoid waist fracture."),
         A("Soft tissues", "Dorsal soft tissue swelling without fracture.", "Soft tissue swelling without "
           "fracture.")),
        ("No acute fracture or dislocation.", "Normal radiographs.", "No acute osseous abnormality."),
        weight=5,
    ),
    ExamType(
        "XR", "LOWER EXTREMITY",
        ("XR {SIDE} ANKLE 3+ VIEWS", "XR {SIDE} FOOT 3 VIEWS", "XR {SIDE} TIBIA AND FIBULA", "XR {SIDE} ANKLE"),
        ("Three views of the {side} ankle.", "{views} views of the {side} lower extremity."),
        ("Ankle inversion injury.", "Pain and swelling.", "Trauma.", "Pediatric fall, evaluate growth plate.",
         "Foot pain, unable to bear weight."),
        (("Bones", ("No acute fracture or dislocation.", "Bones are intact.")),
         ("Joints", ("The ankle mortise is congruent.", "Joint spaces are preserved.")),
         ("Soft tissues", ("Soft tissues are unremarkable.",))),
        (A("Bones", "Fracture through the distal fibular physis, Salter-Harris type {sh}.",
           "Salter-Harris type {sh} fracture of the distal fibula."),
         A("Bones", "Transverse fracture of the base of the fifth metatarsal.", "Fifth metatarsal base fracture."),
         A("Joints", "Widening of the medial clear space to {mm} mm.", "Widened medial clear space, concerning for "
           "deltoid ligament injury."),
         A("Soft tissues", "Soft tissue swelling over the lateral malleolus.", "Soft tissue swelling without "
           "fracture.")),
        ("No acute fracture or dislocation.", "Normal radiographs.", "No acute osseous abnormality."),
        weight=5,
    ),
    ExamType(
        "XR", "KNEE",
        ("XR {SIDE} KNEE 2 VIEWS", "XR {SIDE} KNEE 3 VIEWS", "XR BILATERAL KNEES STANDING"),
        ("AP, lateral and sunrise views of the {side} knee.", "Weight-bearing AP and lateral views."),
        ("Knee pain.", "Osteoarthritis, preoperative planning.", "Fall onto the knee.", "Posterior knee swelling."),
        (("Bones", ("No acute fracture.",)),
         ("Joints", ("Joint spaces are preserved.", "Mild medial compartment joint space narrowing.")),
         ("Soft tissues", ("No joint effusion.",))),
        (A("Joints", "Severe medial compartment joint space narrowing with subchondral sclerosis and osteophytes.",
           "Severe medial compartment osteoarthritis."),
         A("Bones", "Nondisplaced fracture of the lateral tibial plateau with lipohemarthrosis.",
           "Lateral tibial plateau fracture with lipohemarthrosis."),
         A("Soft tissues", "Moderate suprapatellar joint effusion.", "Moderate joint effusion.")),
        ("No acute osseous abnormality.", "Mild degenerative change without acute abnormality."),
        weight=4,
    ),
    ExamType(
        "XR", "HIP",
        ("XR {SIDE} HIP AND PELVIS", "XR PELVIS 1 VIEW", "XR {SIDE} HIP 2 VIEWS"),
        ("AP pelvis and lateral view of the {side} hip.",),
        ("Fall, unable to bear weight.", "Hip pain.", "Status post hip arthroplasty."),
        (("Bones", ("No acute fracture. Bone mineralization is normal.",)),
         ("Joints", ("Hip joint spaces are preserved.", "Mild bilateral hip osteoarthritis.")),
         ("Hardware", ("No hardware.",))),
        (A("Bones", "Displaced subcapital fracture of the {side} femoral neck.", "Displaced {side} femoral neck "
           "fracture.", True),
         A("Hardware", "{Side} total hip arthroplasty in expected alignment without lucency.",
           "Intact {side} total hip arthroplasty."),
         A("Bones", "Coarsened trabeculae and cortical thickening of the {side} iliac bone.",
           "Findings compatible with Paget disease of the {side} ilium.")),
        ("No acute fracture.", "No acute osseous abnormality of the pelvis or hips."),
        weight=4, min_age=18,
    ),
    ExamType(
        "XR", "ABDOMEN",
        ("XR ABDOMEN 1 VIEW (KUB)", "ABDOMEN SUPINE AND UPRIGHT", "KUB"),
        ("Supine and upright views of the abdomen.", "Single supine view."),
        ("Constipation.", "Abdominal distension.", "Foreign body ingestion.", "Feeding tube placement."),
        (("Bowel gas", ("Nonobstructive bowel gas pattern.", "Normal bowel gas pattern.")),
         ("Free air", ("No free intraperitoneal air.",)),
         ("Calcifications", ("No radiopaque calculi.",)),
         ("Bones", ("Osseous structures are unremarkable.",))),
        (A("Bowel gas", "Multiple dilated small bowel loops up to {size} cm with air-fluid levels.",
           "Findings concerning for small bowel obstruction.", True),
         A("Bowel gas", "Large stool burden throughout the colon.", "Large colonic stool burden."),
         A("Calcifications", "A {mm} mm calcification projecting over the {side} renal shadow.",
           "Possible {side} nephrolithiasis.")),
        ("Nonobstructive bowel gas pattern.", "No acute abdominal radiographic abnormality."),
        weight=4,
    ),
    ExamType(
        "US", "ABDOMEN",
        ("US ABDOMEN RIGHT UPPER QUADRANT", "ULTRASOUND ABDOMEN COMPLETE", "US RUQ", "US ABDOMEN LIMITED"),
        ("Grayscale and color Doppler sonography of the abdomen.", "Real-time sonographic imaging."),
        ("Right upper quadrant pain.", "Elevated liver enzymes.", "Acute kidney injury.",
         "History of Wilms tumor, surveillance.", "Positive Murphy sign."),
        (("Liver", ("The liver is normal in size and echotexture, measuring {liver} cm.",)),
         ("Gallbladder", ("The gallbladder is without stones or wall thickening. Sonographic Murphy sign is "
                          "negative.",)),
         ("Bile ducts", ("The common bile duct measures {cbd} mm.",)),
         ("Kidneys", ("The right kidney measures {kidney} cm and the left {kidney2} cm without hydronephrosis.",)),
         ("Spleen", ("The spleen is normal in size.",))),
        (A("Gallbladder", "Multiple shadowing gallstones, gallbladder wall thickening to {mm} mm, pericholecystic "
           "fluid and a positive sonographic Murphy sign.", "Acute calculous cholecystitis.", True),
         A("Liver", "The liver is diffusely echogenic.", "Hepatic steatosis."),
         A("Kidneys", "Moderate {side} hydronephrosis.", "Moderate {side} hydronephrosis."),
         A("Bile ducts", "The common bile duct is dilated to {mm} mm.", "Biliary ductal dilatation; MRCP "
           "recommended.")),
        ("Normal abdominal ultrasound.", "No sonographic evidence of cholecystitis.", "Unremarkable ultrasound."),
        weight=8,
    ),
    ExamType(
        "US", "NECK",
        ("US THYROID", "ULTRASOUND THYROID AND NECK"),
        ("High-resolution grayscale and color Doppler ultrasound of the thyroid.",),
        ("Palpable nodule.", "Graves disease.", "Hypothyroidism.", "Follow-up thyroid nodule."),
        (("Right lobe", ("The right lobe measures {size2} cm, homogeneous.",)),
         ("Left lobe", ("The left lobe measures {size2b} cm, homogeneous.",)),
         ("Isthmus", ("The isthmus measures {mm} mm.",)),
         ("Lymph nodes", ("No abnormal cervical lymph nodes.",))),
        (A("Right lobe", "A {size} cm solid hypoechoic nodule with microcalcifications in the right lobe, TI-RADS "
           "5.", "{size} cm TI-RADS 5 right thyroid nodule. Fine-needle aspiration recommended."),
         A("Left lobe", "The gland is diffusely enlarged and hypervascular (thyroid inferno).",
           "Diffuse hypervascular goiter, compatible with Graves disease."),
         A("Lymph nodes", "A {size} cm level {neck_level} lymph node with loss of fatty hilum.",
           "Suspicious level {neck_level} cervical lymph node.")),
        ("Normal thyroid ultrasound.", "No suspicious thyroid nodule."),
        weight=4,
    ),
    ExamType(
        "US", "VENOUS",
        ("US {SIDE} LOWER EXTREMITY VENOUS DOPPLER", "DUPLEX VENOUS LOWER EXTREMITY {SIDE}"),
        ("Compression, color and spectral Doppler of the {side} lower extremity veins.",),
        ("Leg swelling.", "Calf pain.", "Elevated D-dimer."),
        (("Deep veins", ("The common femoral, femoral and popliteal veins are fully compressible with normal "
                         "flow.",)),
         ("Calf veins", ("The visualized calf veins are patent.",)),
         ("Soft tissues", ("No popliteal fossa cyst.",))),
        (A("Deep veins", "Noncompressible {side} popliteal and femoral veins with intraluminal echogenic thrombus.",
           "Acute deep venous thrombosis of the {side} femoral and popliteal veins.", True),
         A("Soft tissues", "A {size2} cm popliteal fossa cyst (Baker's cyst).", "Baker's cyst. No DVT.")),
        ("No deep venous thrombosis.", "No DVT in the {side} lower extremity."),
        weight=5,
    ),
    ExamType(
        "US", "PELVIS",
        ("US PELVIS TRANSVAGINAL", "PELVIC ULTRASOUND TRANSABDOMINAL AND TRANSVAGINAL", "US PELVIS COMPLETE"),
        ("Transabdominal and transvaginal grayscale and Doppler imaging.",),
        ("Pelvic pain.", "Abnormal uterine bleeding.", "Adnexal mass on exam.", "Postmenopausal bleeding."),
        (("Uterus", ("The uterus measures {size3} cm. Endometrial stripe {mm} mm.",)),
         ("Ovaries", ("Both ovaries are normal with follicles and normal Doppler flow.",)),
         ("Free fluid", ("No free fluid.",))),
        (A("Ovaries", "A {size} cm simple cyst in the {side} ovary.", "{size} cm simple {side} ovarian cyst, "
           "likely physiologic."),
         A("Uterus", "Multiple fibroids, the largest {size} cm intramural.", "Fibroid uterus."),
         A("Ovaries", "Enlarged {side} ovary without arterial or venous flow.", "Findings concerning for {side} "
           "ovarian torsion.", True)),
        ("Normal pelvic ultrasound.", "No acute pelvic abnormality."),
        weight=4, sex="F",
    ),
    ExamType(
        "MG", "BREAST",
        ("SCREENING MAMMOGRAM BILATERAL WITH TOMOSYNTHESIS", "MAMMO SCREENING BILAT", "DIAGNOSTIC MAMMOGRAM "
         "{SIDE}", "BILATERAL DIGITAL SCREENING MAMMOGRAPHY"),
        ("Standard CC and MLO views of both breasts with tomosynthesis. CAD was used.",
         "Craniocaudal and mediolateral oblique views. Spot compression of the {side} breast."),
        ("Screening.", "Palpable lump {side} breast at {clock} o'clock.", "Family history of breast cancer.",
         "Annual screening, personal history of lumpectomy."),
        (("Composition", ("The breasts are heterogeneously dense, which may obscure small masses (ACR c).",
                          "There are scattered areas of fibroglandular density (ACR b).",
                          "The breasts are almost entirely fatty (ACR a).")),
         ("Masses", ("No suspicious mass, architectural distortion or suspicious calcifications.",)),
         ("Skin", ("The skin and nipples are unremarkable. Benign-appearing axillary lymph nodes.",))),
        (A("Masses", "An irregular spiculated mass in the {side} breast at {clock} o'clock, {depth} cm from the "
           "nipple, measuring {size} cm.", "Suspicious {size} cm {side} breast mass. BI-RADS 4C: high suspicion "
           "for malignancy. Ultrasound-guided biopsy recommended."),
         A("Masses", "Grouped fine pleomorphic calcifications in the {side} upper outer quadrant spanning {mm} mm.",
           "Suspicious {side} breast calcifications. BI-RADS 4B. Stereotactic biopsy recommended."),
         A("Masses", "A {mm} mm focal asymmetry in the {side} breast on the CC view only.",
           "Focal asymmetry {side} breast. BI-RADS 0: incomplete, need additional imaging evaluation."),
         A("Masses", "An oval circumscribed {mm} mm mass, stable since prior.", "Stable probably benign mass. "
           "BI-RADS 3. Short-interval follow-up in 6 months.")),
        ("BI-RADS 1: Negative. Routine annual screening mammogram recommended.", "No mammographic evidence of "
         "malignancy. BI-RADS 2: Benign.", "Negative mammogram. BI-RADS 1."),
        weight=9, sex="F", min_age=30,
    ),
    ExamType(
        "NM", "WHOLEBODY",
        ("NM BONE SCAN WHOLE BODY", "PET/CT SKULL BASE TO MID-THIGH", "F-18 FDG PET/CT", "NM WHOLE BODY BONE "
         "SCINTIGRAPHY"),
        ("{mci} mCi Tc-99m MDP IV; whole-body images at 3 hours.", "{fdg} mCi F-18 FDG IV; blood glucose {glucose}"
         " mg/dL; uptake time {uptake} minutes. Low-dose CT for attenuation correction."),
        ("Prostate cancer staging, PSA {psa}.", "Hodgkin lymphoma, end of therapy.", "Lung cancer staging.",
         "Bone pain, history of breast cancer.", "Paget disease, follow-up."),
        (("Skeleton", ("Physiologic distribution of radiotracer throughout the skeleton.",)),
         ("Soft tissue", ("Physiologic activity in the kidneys and bladder.",
                          "Physiologic FDG activity in the brain, myocardium and urinary tract.")),
         ("Lymph nodes", ("No hypermetabolic lymph nodes.",))),
        (A("Skeleton", "Multiple foci of increased uptake in the spine, ribs and pelvis.", "Widespread osseous "
           "metastatic disease."),
         A("Lymph nodes", "Hypermetabolic {side} hilar lymph node, SUVmax {suv}.", "FDG-avid {side} hilar "
           "lymph node (SUVmax {suv}), suspicious for metastasis."),
         A("Skeleton", "Intense expansile uptake in the {side} hemipelvis, unchanged.", "Paget disease of the "
           "{side} hemipelvis."),
         A("Lymph nodes", "Complete resolution of previously FDG-avid mediastinal adenopathy (Deauville {deauville}).",
           "Complete metabolic response, Deauville {deauville}.")),
        ("No scintigraphic evidence of osseous metastatic disease.", "No FDG-avid malignancy.",
         "No evidence of metastatic disease."),
        weight=5,
    ),
    ExamType(
        "NM", "THYROID",
        ("NM THYROID UPTAKE AND SCAN", "I-123 THYROID SCAN"),
        ("{i123} uCi I-123 orally; uptake at 4 and 24 hours.",),
        ("Hyperthyroidism.", "Graves disease versus toxic nodule.", "Low TSH."),
        (("Uptake", ("4-hour uptake {u4}% and 24-hour uptake {u24}% (normal 10-30%).",)),
         ("Distribution", ("Homogeneous tracer distribution without focal nodule.",))),
        (A("Uptake", "Diffusely increased 24-hour uptake of {uhigh}%.", "Diffusely increased uptake, compatible "
           "with Graves disease."),
         A("Distribution", "Focal intense uptake in a {side} lobe nodule with suppression of the remaining gland.",
           "Toxic {side} thyroid adenoma.")),
        ("Normal thyroid uptake and scan.",),
        weight=2,
    ),
    ExamType(
        "NM", "LUNG",
        ("NM LUNG VENTILATION PERFUSION SCAN", "V/Q SCAN"),
        ("{xe} mCi Xe-133 ventilation and {maa} mCi Tc-99m MAA perfusion.",),
        ("Pulmonary embolism, contrast allergy.", "Dyspnea in pregnancy."),
        (("Ventilation", ("Homogeneous ventilation.",)),
         ("Perfusion", ("Homogeneous perfusion without segmental defect.",))),
        (A("Perfusion", "Multiple segmental perfusion defects in the {side} lung with normal ventilation.",
           "High probability for pulmonary embolism.", True),),
        ("Normal perfusion; pulmonary embolism is excluded.", "Very low probability for pulmonary embolism."),
        weight=2,
    ),
)

MORE_EXAMS: tuple[ExamType, ...] = (
    ExamType(
        "CT", "NECK",
        ("CT SOFT TISSUE NECK WITH CONTRAST", "CT NECK W CONTRAST", "CTA HEAD AND NECK", "CT SINUS WITHOUT CONTRAST"),
        ("Axial images from the skull base to the aortic arch after {contrast_ml} mL IV contrast. " + CT_DOSE,
         "CT angiography of the head and neck with 3D MIP and volume-rendered reconstructions. " + CT_DOSE),
        ("Neck mass.", "Sore throat, evaluate for abscess.", "TIA, evaluate carotids.", "Chronic sinusitis.",
         "Stroke alert, last known well 2 hours ago."),
        (("Aerodigestive tract", ("The nasopharynx, oropharynx, hypopharynx and larynx are unremarkable.",)),
         ("Glands", ("The parotid, submandibular and thyroid glands are unremarkable.",)),
         ("Lymph nodes", ("No cervical lymphadenopathy.",)),
         ("Vessels", ("The carotid and vertebral arteries are patent without stenosis by NASCET criteria.",)),
         ("Sinuses", ("The paranasal sinuses are clear. The ostiomeatal units are patent.",))),
        (A("Aerodigestive tract", "A {size2} cm rim-enhancing fluid collection in the {side} peritonsillar space.",
           "{Side} peritonsillar abscess measuring {size2} cm.", True),
         A("Vessels", "Mixed plaque at the {side} carotid bifurcation with {pct}% stenosis of the internal carotid "
           "artery by NASCET criteria.", "{pct}% {side} internal carotid artery stenosis."),
         A("Vessels", "Abrupt occlusion of the {side} M1 segment of the middle cerebral artery.",
           "Acute {side} M1 occlusion. Neurointerventional team notified.", True),
         A("Lymph nodes", "Necrotic {side} level {neck_level} lymph node measuring {size} cm.",
           "Necrotic {side} level {neck_level} lymphadenopathy, suspicious for metastatic squamous cell carcinoma."),
         A("Sinuses", "Complete opacification of the {side} maxillary sinus and ostiomeatal unit with "
           "hyperdense secretions.", "{Side} maxillary sinus disease with ostiomeatal unit obstruction.")),
        ("No acute abnormality of the neck.", "No hemodynamically significant stenosis or large vessel occlusion.",
         "Clear paranasal sinuses."),
        weight=5,
    ),
    ExamType(
        "MR", "CSPINE",
        ("MRI CERVICAL SPINE WITHOUT CONTRAST", "MR C-SPINE WO", "MRI CERVICAL SPINE W/WO"),
        ("Sagittal T1, T2 and STIR and axial T2-weighted gradient echo images of the cervical spine.",),
        ("Neck pain radiating to the {side} arm.", "Myelopathy.", "Numbness in the hands."),
        (("Alignment", ("Straightening of the normal cervical lordosis.",)),
         ("Cord", ("The cervical cord is normal in caliber and signal.",)),
         ("Levels", ("C2-3 through C4-5: No significant stenosis.", "Mild disc bulges without stenosis.")),
         ("Craniocervical junction", ("The craniocervical junction is normal.",))),
        (A("Levels", "{clevel}: Disc osteophyte complex with severe {side} neural foraminal stenosis.",
           "Severe {side} foraminal stenosis at {clevel}."),
         A("Cord", "T2 hyperintense signal within the cord at {clevel} with cord compression.",
           "Cervical spondylotic myelopathy at {clevel}."),
         A("Craniocervical junction", "Cerebellar tonsils extend {mm} mm below the foramen magnum.",
           "Chiari I malformation.")),
        ("No significant spinal canal or foraminal stenosis.", "Mild cervical spondylosis without stenosis."),
        weight=4,
    ),
    ExamType(
        "MR", "PROSTATE",
        ("MRI PROSTATE WITH AND WITHOUT CONTRAST", "MR PROSTATE MULTIPARAMETRIC"),
        ("Multiparametric 3 T MRI: T2-weighted, DWI (b {bval}), ADC and DCE sequences.",),
        ("Elevated PSA of {psa} ng/mL.", "Active surveillance, Gleason 3+3.", "Prior negative biopsy."),
        (("Gland", ("The prostate measures {size3} cm (volume {vol} mL).",)),
         ("Peripheral zone", ("No focal lesion in the peripheral zone.",)),
         ("Transition zone", ("Heterogeneous transition zone compatible with benign prostatic hyperplasia.",)),
         ("Seminal vesicles", ("The seminal vesicles are unremarkable. No pelvic lymphadenopathy.",))),
        (A("Peripheral zone", "A {mm} mm lesion in the {side} posterolateral peripheral zone at the mid gland with "
           "marked restricted diffusion (ADC {adc}).", "PI-RADS 4 {side} peripheral zone lesion. Targeted biopsy "
           "recommended."),
         A("Seminal vesicles", "Low T2 signal extending into the {side} seminal vesicle.",
           "Findings suspicious for {side} seminal vesicle invasion (PI-RADS 5).")),
        ("No clinically significant prostate cancer identified (PI-RADS 2).",),
        weight=2, sex="M", min_age=40,
    ),
    ExamType(
        "MR", "ABDOMEN",
        ("MRI ABDOMEN WITH AND WITHOUT CONTRAST", "MRI LIVER W/WO", "MRCP"),
        ("Multiplanar T1 in- and opposed-phase, T2 and dynamic post-gadolinium images. 3D MRCP.",),
        ("Indeterminate liver lesion on CT.", "Cirrhosis, HCC screening.", "Pancreatic cyst follow-up.",
         "Biliary dilatation."),
        (("Liver", ("Normal liver morphology and signal without focal lesion.",)),
         ("Biliary", ("No intra- or extrahepatic biliary dilatation. No choledocholithiasis.",)),
         ("Pancreas", ("The pancreas is normal.",)),
         ("Kidneys", ("The kidneys and adrenal glands are unremarkable.",))),
        (A("Liver", "A {size} cm arterially enhancing lesion in segment {segment} with washout and capsule.",
           "{size} cm LI-RADS 5 observation in segment {segment}, diagnostic of hepatocellular carcinoma."),
         A("Pancreas", "A {mm} mm cystic lesion in the pancreatic {panc} communicating with the main duct.",
           "{mm} mm side-branch IPMN in the pancreatic {panc}."),
         A("Biliary", "A {mm} mm filling defect in the distal common bile duct.", "Choledocholithiasis.")),
        ("Normal MRI of the abdomen.", "No suspicious hepatic lesion."),
        weight=3,
    ),
    ExamType(
        "XR", "SPINE",
        ("XR LUMBAR SPINE 2-3 VIEWS", "XR CERVICAL SPINE 3 VIEWS", "XR THORACIC SPINE AP AND LATERAL",
         "SCOLIOSIS SERIES"),
        ("AP and lateral views.", "{views} views including flexion and extension."),
        ("Back pain.", "Neck pain after motor vehicle collision.", "Scoliosis follow-up.", "Osteoporosis."),
        (("Alignment", ("Alignment is normal.",)),
         ("Vertebrae", ("Vertebral body heights are maintained.",)),
         ("Discs", ("Mild disc space narrowing at {llevel}.", "Disc spaces are preserved.")),
         ("Soft tissues", ("Paraspinal soft tissues are unremarkable.",))),
        (A("Vertebrae", "Wedge compression deformity of T{tvert} with approximately {pct}% anterior height loss, "
           "new since prior.", "New T{tvert} compression deformity."),
         A("Alignment", "Dextroconvex thoracolumbar curvature measuring {cobb} degrees (Cobb angle, T{tvert}-L3).",
           "Thoracolumbar scoliosis, Cobb angle {cobb} degrees."),
         A("Discs", "Severe disc space narrowing with vacuum phenomenon at {llevel}.",
           "Advanced degenerative disc disease at {llevel}.")),
        ("No acute osseous abnormality.", "Mild degenerative changes."),
        weight=5,
    ),
    ExamType(
        "US", "CAROTID",
        ("US CAROTID DUPLEX BILATERAL", "CAROTID DOPPLER ULTRASOUND"),
        ("Grayscale, color and spectral Doppler of both carotid and vertebral arteries.",),
        ("Carotid bruit.", "TIA.", "Amaurosis fugax."),
        (("Right carotid", ("Right ICA peak systolic velocity {psv} cm/s. Minimal plaque; less than 50% "
                            "stenosis.",)),
         ("Left carotid", ("Left ICA peak systolic velocity {psv2} cm/s without significant plaque.",)),
         ("Vertebrals", ("Antegrade flow in both vertebral arteries.",))),
        (A("Right carotid", "Heterogeneous plaque in the right ICA with peak systolic velocity {psvhigh} cm/s and "
           "ICA/CCA ratio {icaratio}.", "70% or greater right internal carotid artery stenosis."),
         A("Vertebrals", "Retrograde flow in the left vertebral artery.", "Left subclavian steal physiology.")),
        ("No hemodynamically significant carotid stenosis.",),
        weight=3, min_age=40,
    ),
    ExamType(
        "US", "SCROTUM",
        ("US SCROTUM WITH DOPPLER", "ULTRASOUND TESTICLES"),
        ("Grayscale and color Doppler imaging of the scrotum.",),
        ("Testicular pain.", "Scrotal swelling.", "Palpable testicular mass."),
        (("Testes", ("The testes are homogeneous with symmetric arterial and venous flow.",)),
         ("Epididymides", ("The epididymides are normal.",)),
         ("Scrotum", ("No hydrocele or varicocele.",))),
        (A("Testes", "Absent flow in the enlarged heterogeneous {side} testis.", "{Side} testicular torsion.",
           True),
         A("Testes", "A {mm} mm hypoechoic vascular mass in the {side} testis.", "{Side} testicular mass, "
           "suspicious for germ cell tumor."),
         A("Epididymides", "Enlarged hyperemic {side} epididymis.", "{Side} epididymitis.")),
        ("Normal scrotal ultrasound.",),
        weight=2, sex="M",
    ),
    ExamType(
        "NM", "HEPATOBILIARY",
        ("NM HEPATOBILIARY SCAN (HIDA)", "HIDA SCAN WITH CCK"),
        ("{mci5} mCi Tc-99m mebrofenin IV; dynamic imaging for 60 minutes; morphine augmentation as needed.",),
        ("Right upper quadrant pain, equivocal ultrasound.", "Biliary dyskinesia."),
        (("Liver", ("Prompt homogeneous hepatic uptake.",)),
         ("Gallbladder", ("The gallbladder fills by {gbmin} minutes.",)),
         ("Bowel", ("Tracer enters the small bowel by {bowelmin} minutes.",))),
        (A("Gallbladder", "Nonvisualization of the gallbladder at 60 minutes and 30 minutes after morphine.",
           "Acute cholecystitis.", True),
         A("Gallbladder", "Gallbladder ejection fraction after CCK is {gbef}%.", "Low gallbladder ejection "
           "fraction ({gbef}%), compatible with biliary dyskinesia.")),
        ("Patent cystic and common bile ducts. No evidence of acute cholecystitis.",),
        weight=2,
    ),
    ExamType(
        "NM", "HEART",
        ("NM MYOCARDIAL PERFUSION SPECT REST/STRESS", "REGADENOSON STRESS TEST WITH SPECT"),
        ("{mci6} mCi Tc-99m sestamibi rest and {mci7} mCi stress after 0.4 mg regadenoson. Gated SPECT.",),
        ("Chest pain.", "Preoperative risk assessment.", "Dyspnea on exertion."),
        (("Perfusion", ("Normal myocardial perfusion at stress and rest.",)),
         ("Function", ("Left ventricular ejection fraction {lvef}% with normal wall motion.",)),
         ("ECG", ("No ischemic ECG changes with regadenoson.",))),
        (A("Perfusion", "Moderate reversible defect of the inferior and inferolateral walls.",
           "Moderate inferolateral ischemia (RCA/LCx territory)."),
         A("Function", "Transient ischemic dilation ratio of {tid} with reduced ejection fraction.",
           "Transient ischemic dilation, concerning for multivessel disease.")),
        ("Normal myocardial perfusion study.", "No evidence of ischemia or infarction."),
        weight=2,
    ),
    ExamType(
        "RF", "ESOPHAGUS",
        ("FLUORO ESOPHAGRAM", "BARIUM SWALLOW", "UPPER GI SERIES", "MODIFIED BARIUM SWALLOW"),
        ("Single- and double-contrast images of the esophagus with thin and thick barium. Fluoroscopy time {fluoro} "
         "minutes.",),
        ("Dysphagia to solids.", "Food impaction.", "Reflux.", "Barrett esophagus surveillance."),
        (("Esophagus", ("Normal esophageal caliber and mucosal pattern.",)),
         ("Motility", ("Normal primary peristalsis.",)),
         ("GE junction", ("No hiatal hernia. No reflux observed.",))),
        (A("GE junction", "A thin circumferential web at the gastroesophageal junction narrowing the lumen to {mm} "
           "mm, with transient barium tablet hold-up.", "Schatzki ring."),
         A("Motility", "Tertiary contractions and intermittent stasis.", "Nonspecific esophageal dysmotility."),
         A("GE junction", "Moderate sliding hiatal hernia with spontaneous gastroesophageal reflux to the thoracic "
           "inlet.", "Hiatal hernia with gastroesophageal reflux.")),
        ("Normal esophagram.",),
        weight=2,
    ),
    ExamType(
        "DX", "BONE DENSITY",
        ("DXA BONE DENSITOMETRY", "BONE DENSITY STUDY"),
        ("Dual-energy x-ray absorptiometry of the lumbar spine (L1-L4) and {side} hip.",),
        ("Postmenopausal, osteoporosis screening.", "Long-term steroid use.", "Follow-up on bisphosphonate."),
        (("Lumbar spine", ("L1-L4 BMD {bmd} g/cm2, T-score {tnorm}.",)),
         ("Hip", ("Total hip T-score {tnorm2}; femoral neck T-score {tnorm3}.",))),
        (A("Lumbar spine", "L1-L4 BMD {bmdlow} g/cm2, T-score {tlow}.", "Osteoporosis (lumbar spine T-score "
           "{tlow})."),
         A("Hip", "Femoral neck T-score {tmid}.", "Osteopenia of the femoral neck. 10-year fracture risk (FRAX) "
           "{frax}% major osteoporotic.")),
        ("Normal bone mineral density.",),
        weight=2, min_age=40,
    ),
)

ALL_EXAMS: tuple[ExamType, ...] = EXAMS + MORE_EXAMS

# Findings a child does not get (degenerative disease, screening categories, arthroplasty...).
_ADULT_WORDS = ("degenerat", "osteoarthritis", "stenosis", "arthroplasty", "osteophyte", "aneurysm", "Paget",
                "compression", "calcification", "PI-RADS", "BI-RADS", "spondyl", "listhesis", "small vessel",
                "meningioma", "fibroid", "steatosis", "adenoma", "Cardiomegaly", "extrusion", "myelopathy")
_FEMALE_WORDS = ("pregnan", "menopaus", "Abnormal uterine")


_CHILD_WORDS = ("Salter-Harris", "physis")
_NONCONTRAST_TITLE = ("WITHOUT", " WO", "W/O", "NONCONTRAST", "LOW DOSE", "STONE PROTOCOL", "XR ", "SCREENING")
_CONTRAST_TECHNIQUE = (" mL ", " after ")  # a technique that gives a contrast dose


def _techniques_by_title() -> dict[tuple[int, str], tuple[str, ...]]:
    """A title that says "without contrast" gets a technique without a contrast dose, and vice versa."""
    out = {}
    for e in ALL_EXAMS:
        for title in e.titles:
            plain = any(w in title.upper() for w in _NONCONTRAST_TITLE)
            fits = tuple(t for t in e.techniques if any(w in t for w in _CONTRAST_TECHNIQUE) != plain)
            out[(id(e), title)] = fits or e.techniques
    return out


TECHNIQUES_BY_TITLE = _techniques_by_title()


def _by_exam() -> tuple[dict[tuple[int, bool], tuple[Abnormal, ...]], dict[tuple[int, str], tuple[str, ...]]]:
    by_age = {}
    indications = {}
    for e in ALL_EXAMS:
        kids = tuple(a for a in e.abnormal if not any(w in a.finding + a.impression for w in _ADULT_WORDS))
        adults = tuple(a for a in e.abnormal if not any(w in a.finding + a.impression for w in _CHILD_WORDS))
        by_age[(id(e), True)] = kids or e.abnormal
        by_age[(id(e), False)] = adults or e.abnormal
        men = tuple(i for i in e.indications if not any(w in i for w in _FEMALE_WORDS))
        indications[(id(e), "M")] = men or e.indications
        indications[(id(e), "F")] = e.indications
    return by_age, indications


ABNORMAL_BY_AGE, INDICATIONS_BY_SEX = _by_exam()  # keys (id(exam), is_child), (id(exam), sex)
