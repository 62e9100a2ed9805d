"""Regex building blocks shared by the recognizers (bounded, no nested unbounded quantifiers)."""

from __future__ import annotations

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)
# Full names first so that the alternation prefers the longest form.
# Any casing: dictation is lower case, old RIS exports are upper case ("june 12", "OCT, 97").
MONTH = (r"(?i:January|February|March|April|May|June|July|August|September|October|November|December"
         r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
# Title or upper case only: for patterns where a lower-case "may"/"mar" would be a verb ("this may be").
MONTH_CASED = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
               r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST"
               r"|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER|JAN|FEB|MAR|APR|JUN|JUL|AUG|SEPT|SEP|OCT|NOV|DEC)\.?")
DAY = r"(?:0?[1-9]|[12]\d|3[01])"
MONTH_NUM = r"(?:0?[1-9]|1[0-2])"
YEAR4 = r"(?:19|20)\d{2}"
ORDINAL = r"(?i:st|nd|rd|th)?"
# A time next to a date: "14:32", "2:30 PM", "at 0930 hrs".
TIME = (r"(?:,?\s{1,3}(?:at\s{1,3})?(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s{0,2}[AaPp]\.?[Mm]\.?)?"
        r"(?:\s{1,2}(?:hrs|hours|EST|EDT|CST|CDT|PST|PDT|UTC|GMT))?)?")

# One capitalised name token, with apostrophes/hyphens (O'Brien, Smith-Jones) and non-ASCII letters.
NAME_TOKEN = r"(?:(?:Mc|Mac|O'|D'|De|Da|Van|Von|La|Le)?\p{Lu}[\p{Ll}'\u2019]{1,24}(?:-\p{L}[\p{Ll}']{1,24})?)"
NAME_TOKEN_CAPS = r"(?:\p{Lu}[\p{Lu}'\-]{1,24})"
INITIAL = r"(?:\p{Lu}\.)"
CREDENTIALS_BARE = r"MD|DO|MBBS|PHD|RN|NP|PA|RT|RDMS|RVT|CNMT|FACR|DABR|FRCR|MSC|MS|BSN"
# "John Smith", "John A. Smith", "J. Smith", "Smith, John", "van der Berg". Names never cross a line break,
# and never start inside a word.
_START = r"(?<![\p{L}'\-])"
_NOT_CRED = rf"(?!(?:{CREDENTIALS_BARE})\b)"
PERSON_NAME = (rf"{_START}(?:{NAME_TOKEN}|{INITIAL})(?:[ \t]{{1,2}}(?:{INITIAL}|{NAME_TOKEN}|(?:van|von|de|der|del|la|"
               rf"da|di|le)"
               rf"(?=[ \t]{{1,2}}[A-Z]))){{0,3}}")
# "De la Cruz", "van der Berg", "DE LA CRUZ": lower- or upper-case particles before a surname.
PARTICLES = (r"(?:(?:De|de|DE|Del|del|DEL|La|la|LA|Van|van|VAN|Von|von|VON|Der|der|DER|Da|da|DA|Di|di|DI|Le|le|LE"
             r"|Du|du|DU)[ \t])")
LAST_FIRST = (rf"(?:{_START}{PARTICLES}{{0,3}}{NAME_TOKEN},[ \t]{{1,2}}{NAME_TOKEN}(?:[ \t]{{1,2}}(?:{NAME_TOKEN}|"
              rf"{INITIAL}"
              r"|\p{Lu}(?![\p{L}.]))){0,2})")
LAST_FIRST_CAPS = (rf"(?:{_START}{PARTICLES}{{0,3}}{NAME_TOKEN_CAPS},[ \t]{{0,2}}{_NOT_CRED}{NAME_TOKEN_CAPS}"
                   rf"(?:[ \t]{{1,2}}{_NOT_CRED}{NAME_TOKEN_CAPS}|[ \t]{{1,2}}\p{{Lu}}\.?(?![\p{{L}}])){{0,2}})")
# A name in an all-capitals report ("DR. CARMEN HERNÁNDEZ AT 216..."): capital tokens, not the small words around.
_CAPS_STOP = (r"(?!(?:AT|ON|BY|AND|OR|WITH|TO|FROM|IN|OF|THE|FOR|VIA|WAS|IS|ARE|WERE|HAS|HAD|PAGER|PHONE|CELL|FAX|"
              r"EXT|TEL|WHO|THAT|REGARDING|RE|CC|CAN|BE|WILL|SHOULD|NOT|NO|HAVE|AWARE|NOTIFIED|"
              rf"{CREDENTIALS_BARE})\b)")
CAPS_NAME = (rf"(?:{_START}(?:{_CAPS_STOP}{NAME_TOKEN_CAPS}|\p{{Lu}}\.)(?:[ \t]{{1,2}}(?:{_CAPS_STOP}{NAME_TOKEN_CAPS}"
             r"|\p{Lu}\.)){0,3})")
CREDENTIALS = (r"(?:M\.D\.|MD|D\.O\.|DO|MBBS|PhD|Ph\.D\.|RN|NP|PA-C|RT\(R\)(?:\(CT\)|\(MR\)|\(M\))?|RT|RDMS|RVT"
               r"|CNMT|FACR|DABR|FRCR|MSc|MS|BSN)")  # no bare "PA": "XR CHEST PA AND LATERAL"
# Not capitalised "MR" or "MS": in a radiology report they are a modality and a disease.
TITLES = r"(?:Dr|Drs|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister|DR|DRS|MRS|PROF)"

US_STATES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
    "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR"
]
STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|"
    "Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|"
    "Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|"
    "North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|"
    "Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming"
)
STATE = rf"(?:{'|'.join(US_STATES)}|{STATE_NAMES})"
STREET_SUFFIX = (r"(?i:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl|Terrace|Ter"
                 r"|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Trail|Trl|Row|Alley|Plaza|Pike|Turnpike|Loop"
                 r"|Crescent|Close|Route|Rte)")
