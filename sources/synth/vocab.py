"""Name, place and organisation vocabularies for the synthetic corpus.

All of it is invented or generic: common given names and surnames of many origins (non-ASCII
spellings kept as real hospitals store them), surnames that are also English words or clinical
eponyms (the classic de-id trap: "Dr. Baker" is PHI, "Baker's cyst" is not), fictitious hospitals,
streets and towns. Tuples, not lists: they are shared read-only by every worker.
"""

from __future__ import annotations

# (given names, surnames) per origin. Surnames are written as the RIS stores them.
ORIGINS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "anglo": (
        ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
         "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
         "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
         "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
         "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
         "Hope", "Rose", "Grace", "Faith", "Joy", "April", "May", "June", "Summer", "Dawn", "Crystal", "Will",
         "Bill", "Art", "Guy", "Pat", "Zoë", "Chloë", "Brooke", "Wade", "Dale", "Glen"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
         "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
         "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker", "Nelson",
         "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards",
         "Collins", "Stewart", "Morris", "Rogers", "Reed", "Cook", "Morgan", "Bell", "Murphy", "Bailey",
         "Cooper", "Richardson", "Cox", "Howard", "Ward", "Peterson", "Gray", "James", "Watson", "Brooks",
         "Kelly", "Sanders", "Price", "Bennett", "Wood", "Barnes", "Ross", "Henderson", "Coleman", "Jenkins",
         "Long", "Small", "Black", "Hart", "Hope", "Rose", "Graves", "Foley", "Paget", "Barrett", "Parkinson",
         "Graham", "Smith-Jones", "Taylor-Reed", "Lake", "Moss", "Stone", "Field", "Marsh", "Banks", "Bone"),
    ),
    "irish": (
        ("Siobhan", "Aoife", "Niamh", "Sean", "Ciaran", "Padraig", "Eileen", "Declan", "Brendan", "Orla"),
        ("O'Brien", "O'Neill", "O'Connor", "McDonald", "McCarthy", "O'Sullivan", "Fitzgerald", "Gallagher",
         "Kennedy", "Doyle", "MacLeod", "D'Arcy"),
    ),
    "hispanic": (
        ("José", "María", "Juan", "Ana", "Luis", "Carmen", "Jorge", "Lucía", "Andrés", "Sofía", "Raúl", "Inés",
         "Carlos", "Rosa", "Miguel", "Dolores", "Ramón", "Begoña", "Iñaki", "Ximena", "Jesús", "Guadalupe"),
        ("Muñoz", "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
         "Ramírez", "Peña", "Núñez", "Ibáñez", "Castillo", "Ortiz", "Morales", "Vargas", "García-López",
         "De la Cruz", "Fernández", "Gutiérrez", "Jiménez"),
    ),
    "polish": (
        ("Łukasz", "Małgorzata", "Wojciech", "Agnieszka", "Paweł", "Katarzyna", "Zbigniew", "Grażyna", "Jerzy"),
        ("Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowska", "Zieliński", "Szymańska",
         "Łukasz", "Dąbrowski", "Krawczyk"),
    ),
    "german": (
        ("Jürgen", "Günther", "Ursula", "Jörg", "Käthe", "Björn", "Matthias", "Sabine", "Uwe", "Anneliese"),
        ("Müller", "Schröder", "Schäfer", "Köhler", "Weiß", "Groß", "Hoffmann", "Schneider", "Krüger", "Vogel"),
    ),
    "french": (
        ("François", "Hélène", "Zoë", "Amélie", "Jérôme", "Cécile", "Anaïs", "Noël", "Gaëlle", "René"),
        ("Lefèvre", "Dupont", "Béranger", "Moreau", "Laurent", "Girard", "Fontaine", "Chevalier", "Rousseau"),
    ),
    "nordic": (
        ("Søren", "Bjørn", "Åsa", "Sigrún", "Ragnhild", "Jökull", "Þórunn", "Lars", "Ingrid", "Mikael"),
        ("Sørensen", "Ødegaard", "Åberg", "Jónsdóttir", "Lindqvist", "Halvorsen", "Þórsson", "Nyström"),
    ),
    "vietnamese": (
        ("Văn An", "Thị Mai", "Minh", "Thanh Hương", "Đức", "Phương", "Quốc Bảo", "Thu Hà", "Tuấn", "Lan"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Huỳnh", "Nguyen", "Tran"),
    ),
    "chinese": (
        ("Wei", "Xiaoming", "Li Na", "Jun", "Mei", "Yong", "Hui", "Jian", "Xiu Ying", "Zhiwei"),
        ("Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun"),
    ),
    "korean": (
        ("Ji-woo", "Min-jun", "Seo-yeon", "Hyun-woo", "Eun-ji", "Jae-hyun", "Soo-ah"),
        ("Park", "Kim", "Lee", "Choi", "Jung", "Kang", "Yoon"),
    ),
    "south_asian": (
        ("Priya", "Rahul", "Anjali", "Vikram", "Sunita", "Arjun", "Lakshmi", "Sanjay", "Deepa", "Ravi"),
        ("Raghavan", "Patel", "Sharma", "Iyer", "Gupta", "Reddy", "Krishnamurthy", "Chatterjee", "Nair", "Singh"),
    ),
    "arabic": (
        ("Mohammed", "Fatima", "Ahmed", "Aisha", "Omar", "Layla", "Yusuf", "Mariam", "Khalid", "Nour"),
        ("Al-Rashid", "Haddad", "Khoury", "El-Sayed", "Mansour", "Nasser", "Al-Farsi", "Saleh", "Abu-Bakr"),
    ),
    "west_african": (
        ("Chinwe", "Oluwaseun", "Adaeze", "Emeka", "Ngozi", "Tunde", "Yetunde", "Kwame", "Ama", "Chukwuemeka"),
        ("Okafor", "Adeyemi", "Okonkwo", "Eze", "Mensah", "Obi", "Adebayo", "Nwosu", "Boateng", "Okeke"),
    ),
    "turkish_greek": (
        ("Gül", "Çağrı", "Şükrü", "Özlem", "Yiannis", "Eleni", "Dimitrios", "Athena"),
        ("Çelik", "Şahin", "Yılmaz", "Öztürk", "Papadopoulos", "Georgiou", "Konstantinidis"),
    ),
    "japanese": (
        ("Haruto", "Yui", "Sakura", "Takeshi", "Yoko", "Kenji"),
        ("Takahashi", "Sato", "Suzuki", "Watanabe", "Yamamoto", "Nakamura"),
    ),
}
# Given names used for men (the rest are women's names or both): patients get a name that fits the
# sex in their header, which the summariser's "72-year-old man" then agrees with.
MALE_GIVEN: frozenset[str] = frozenset((
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas", "Charles",
    "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul", "Andrew", "Joshua", "Kenneth",
    "Kevin", "Brian", "George", "Timothy", "Will", "Bill", "Art", "Guy", "Wade", "Dale", "Glen", "Sean", "Ciaran",
    "Padraig", "Declan", "Brendan", "José", "Juan", "Luis", "Jorge", "Andrés", "Raúl", "Carlos", "Miguel", "Ramón",
    "Iñaki", "Jesús", "Łukasz", "Wojciech", "Paweł", "Zbigniew", "Jerzy", "Jürgen", "Günther", "Jörg", "Björn",
    "Matthias", "Uwe", "François", "Jérôme", "Noël", "René", "Søren", "Bjørn", "Jökull", "Lars", "Mikael", "Văn An",
    "Minh", "Đức", "Quốc Bảo", "Tuấn", "Wei", "Xiaoming", "Jun", "Yong", "Jian", "Zhiwei", "Min-jun", "Hyun-woo",
    "Jae-hyun", "Rahul", "Vikram", "Arjun", "Sanjay", "Ravi", "Mohammed", "Ahmed", "Omar", "Yusuf", "Khalid",
    "Oluwaseun", "Emeka", "Tunde", "Kwame", "Chukwuemeka", "Çağrı", "Şükrü", "Yiannis", "Dimitrios", "Haruto",
    "Takeshi", "Kenji", "Pat",
))
BOTH_GIVEN: frozenset[str] = frozenset(("Pat", "Ji-woo", "Hui", "Jun", "Dale", "Nour", "Ama"))

# How often each origin is drawn for a patient (weights, same order as ORIGINS).
ORIGIN_WEIGHTS: tuple[int, ...] = (46, 5, 14, 3, 3, 3, 2, 5, 5, 2, 5, 3, 2, 1, 1)

# Surnames that are everyday words or clinical eponyms; physicians get them more often on purpose.
TRAP_SURNAMES: tuple[str, ...] = (
    "Baker", "Graves", "Hope", "Rose", "Wilms", "Chiari", "Foley", "Paget", "Barrett", "Crohn", "Hodgkin",
    "Schatzki", "Hill", "Sachs", "Morton", "Colles", "Kerley", "Bosniak", "Fleischner", "Salter", "Harris",
    "Parkinson", "Meckel", "Virchow", "Swan", "Hickman", "Bankart", "Segond", "Long", "Small", "White",
    "Black", "Young", "Hart", "Bone", "Price", "King", "Green", "Brown", "Moss", "Stone", "Marsh", "Heart",
    "Bland", "Mass", "Wing", "Cage", "Bowel", "Lamb", "Fox", "Wolf", "Frost", "Winter", "Day", "Knight",
    "Evans", "Murphy", "Gray", "Stone", "Li", "Do",
)
# Eponymous clinical terms that are NOT PHI (they appear in findings and histories).
EPONYM_TERMS: tuple[str, ...] = (
    "Baker's cyst", "Graves disease", "Schatzki ring", "Hounsfield units", "Foley catheter", "Chiari I malformation",
    "Wilms tumor", "Hodgkin lymphoma", "Crohn disease", "Barrett esophagus", "Hill-Sachs lesion", "Bankart lesion",
    "Morton neuroma", "Colles fracture", "Kerley B lines", "Swan-Ganz catheter", "Bosniak", "Fleischner",
    "Salter-Harris", "Paget disease", "Parkinson disease", "Meckel diverticulum", "Hickman catheter",
    "Segond fracture", "Evans index", "Murphy sign",
)

STATES: tuple[tuple[str, str], ...] = (("MA", "01"), ("NY", "12"), ("PA", "15"), ("OH", "44"), ("IL", "60"),
                                        ("TX", "75"), ("CA", "94"), ("WA", "98"), ("GA", "30"), ("MN", "55"))
TOWNS: tuple[str, ...] = (
    "Springfield", "Riverton", "Fairview", "Oakdale", "Lakewood", "Milford", "Ashland", "Clinton", "Georgetown",
    "Franklin", "Greenville", "Bristol", "Salem", "Dover", "Madison", "Arlington", "Newport", "Kingston",
    "Hudson", "Marion", "Oxford", "Winchester", "Burlington", "Chester", "Brookfield", "Westbury", "Hope",
    "Mount Vernon", "Bay Ridge", "Port Haven", "Cedar Falls", "Elk Grove", "Sainte-Marie", "San José",
)
STREET_NAMES: tuple[str, ...] = (
    "Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine", "Church", "High",
    "Mill", "Spring", "River", "Walnut", "Chestnut", "Highland", "Union", "Prospect", "Baker", "Rose",
    "Sunset", "Jefferson", "Franklin", "Center", "Bridge", "Water", "School", "Forest", "Meadow",
)
STREET_KINDS: tuple[str, ...] = ("St", "Street", "Ave", "Avenue", "Rd", "Road", "Blvd", "Lane", "Ln", "Dr",
                                 "Drive", "Way", "Court", "Terrace", "Pl")

# The health system's own facilities: (name, short code, email/web domain, town, state index, street no, street)
FACILITIES: tuple[tuple[str, str, str, str, int, int, str], ...] = (
    ("Memorial General Hospital", "MGH", "memgen.org", "Springfield", 0, 55, "Fruit Street"),
    ("St. Elsewhere Medical Center", "SEMC", "stelsewhere.org", "Riverton", 0, 1200, "Boylston Avenue"),
    ("Lakeside Community Hospital", "LCH", "lakesidech.org", "Lakewood", 1, 300, "Shore Drive"),
    ("Riverside Imaging Center", "RIC", "riversideimaging.com", "Fairview", 2, 18, "Mill Road"),
    ("Mercy Regional Medical Center", "MRMC", "mercyregional.org", "Oakdale", 3, 4000, "Mercy Way"),
    ("Hope Valley Hospital", "HVH", "hopevalley.org", "Milford", 4, 77, "Valley Road"),
    ("Baker Memorial Hospital", "BMH", "bakermemorial.org", "Ashland", 5, 910, "Baker Street"),
    ("Northshore Children's Hospital", "NSCH", "northshorekids.org", "Salem", 0, 2, "Harbor Lane"),
    ("Grace Hospital", "GH", "gracehosp.org", "Bristol", 6, 150, "Grace Avenue"),
    ("University Medical Center of Westbury", "UMCW", "umcw.edu", "Westbury", 7, 1, "University Place"),
)
# Hospitals outside the system, named in free text ("outside study from ...").
OUTSIDE_HOSPITALS: tuple[str, ...] = (
    "St. Mary's Hospital", "Good Samaritan Medical Center", "Beth Israel Lahey Health", "Cedar Falls Regional",
    "Sacred Heart Hospital", "Kaiser Fairview", "Brigham Radiology Associates", "Valley Orthopedic Clinic",
    "Hospital Universitario La Paz", "Clínica Santa Lucía", "Mount Carmel West", "Shore Urgent Care",
    "Children's Hospital of Kingston", "Veterans Affairs Medical Center", "Hudson Valley Imaging",
    "Newport Family Practice", "Oxford Sports Medicine", "Burlington Cancer Institute",
)
