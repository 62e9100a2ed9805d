"""Realistic fake values (hide in plain sight), consistent within a patient, and `[TYPE]` tags.

A surrogate is derived from keyed_hash(secret, "surrogate:<TYPE>", patient_key + value): the same
real value in any of a patient's reports becomes the same fake value, and nobody without the
site secret can go back. Names map token by token, so "ROE, JANE", "Jane Roe" and "Ms. Roe" stay
one person. Dates move by the patient's offset and keep their written form.
"""

from __future__ import annotations

import regex

from deid.dates import parse_date, shift_month_words
from radforge.secret import keyed_hash

FIRST = (
    "Avery", "Blake", "Casey", "Dana", "Drew", "Elliot", "Emerson", "Finley", "Harper", "Hayden", "Jamie", "Jordan",
    "Kendall", "Logan", "Morgan", "Parker", "Quinn", "Reese", "Riley", "Rowan", "Sawyer", "Skyler", "Taylor", "Adrian",
    "Ariel", "Bailey", "Cameron", "Charlie", "Dakota", "Devon", "Eden", "Frankie", "Hollis", "Jesse", "Jules", "Lane",
    "Marlowe", "Micah", "Noel", "Oakley", "Peyton", "Remy", "Robin", "Sage", "Shay", "Sidney", "Stevie", "Sutton",
    "Tatum", "Tobin", "Wren", "Ainsley", "Brett", "Carmen", "Corey", "Darcy", "Ellis", "Flynn", "Indigo", "Jody",
    "Kerry", "Mackenzie", "Merritt", "Nico", "Perry", "Rory", "Terry", "Tracy",
)
LAST = (
    "Ashdown", "Bellamy", "Brightwater", "Calloway", "Dunmore", "Eastwick", "Fairbanks", "Galloway", "Hartwell",
    "Ingleby", "Jessop", "Kettering", "Lindqvist", "Marchetti", "Northcott", "Oakhurst", "Pemberton", "Quayle",
    "Redfern", "Stanhope", "Thornbury", "Underhill", "Vantongeren", "Whitlock", "Yardley", "Zeller", "Abernethy",
    "Blackwood", "Cresswell", "Dovecote", "Elsworth", "Fenwick", "Greyson", "Holloway", "Ibbotson", "Jarrow",
    "Kingsley", "Lockridge", "Merriweather", "Nettleton", "Ormsby", "Prescott", "Quenby", "Rushworth", "Sedgewick",
    "Tolliver", "Upton", "Vandermeer", "Wetherby", "Yelland", "Ainsworth", "Bramwell", "Castellan", "Drummond",
    "Eversley", "Fothergill", "Gainsford", "Hathaway", "Islington", "Jellicoe", "Kilbride", "Lovelace", "Mortimer",
    "Nightingale", "Overton", "Penrose", "Rathbone", "Somerby", "Tremaine", "Umber", "Varley", "Winterbourne",
)
CITIES = ("Maplewood", "Riverton", "Fairview", "Lakeside", "Brookfield", "Oakridge", "Hillsdale", "Greenville",
          "Westbury", "Millbrook", "Ashford", "Clearwater", "Pinecrest", "Stonebridge", "Kingsport", "Elmwood")
STREETS = ("Maple", "Oak", "Cedar", "Elm", "Birch", "Willow", "Chestnut", "Spruce", "Walnut", "Aspen", "Hawthorn",
           "Juniper", "Linden", "Poplar", "Sycamore")
STREET_TYPES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court")
ORGS = ("Lakeside Regional Hospital", "Fairview Medical Center", "Riverton Community Hospital",
        "Oakridge Imaging Center",
        "Hillsdale General Hospital", "Brookfield Health Center", "Westbury Clinic", "Maplewood Medical Group")

_CLOCK = regex.compile(r"(?P<h>\d{1,2})(?P<sep>:?)(?P<m>[0-5]\d)(?P<rest>(?::[0-5]\d)?\s{0,2}"
                       r"(?:(?P<ampm>[AaPp]\.?[Mm]\.?)|hours|hrs|h)?)")
_CITY_STATE = regex.compile(r"^(?P<city>[^,\d]{2,60})(?P<sep>,\s{0,2})(?P<state>[A-Za-z .]{2,30}?)"
                            r"(?:(?P<zsep>\.?\s{1,2})(?P<zip>\d{5}(?:-\d{4})?))?$")
_NAME_TOKEN = regex.compile(r"[^\W\d_][^\W\d_'\u2019\-]*(?:['\u2019\-][^\W\d_]+)*")


class Surrogates:
    """Fake values for one patient; `mode="tag"` gives `[TYPE]` instead."""

    def __init__(self, secret: bytes, patient: str, shift_days: int, mode: str = "surrogate") -> None:
        self.secret = secret
        self.patient = patient
        self.shift_days = shift_days
        self.mode = mode

    def _pick(self, kind: str, value: str, choices: tuple | list) -> str:
        h = int(keyed_hash(self.secret, f"surrogate:{kind}", self.patient + "\x1f" + value, length=8), 16)
        return choices[h % len(choices)]

    def _digits(self, kind: str, value: str) -> str:
        return str(int(keyed_hash(self.secret, f"surrogate:{kind}", self.patient + "\x1f" + value, length=16), 16))

    def replace(self, entity_type: str, value: str) -> str:
        if self.mode == "tag":
            return f"[{entity_type}]"
        method = getattr(self, f"_{entity_type.lower()}", None)
        if method is None:
            return f"[{entity_type}]"
        return method(value)

    # --- one method per contract type -------------------------------------------------------
    def _person(self, value: str) -> str:
        def swap(m: regex.Match) -> str:
            token = m.group()
            if len(token) == 1:
                return self._pick("PERSON_INITIAL", token.upper(), "ABCDEFGHJKLMNPRSTW")
            pool = FIRST if self._looks_first(token) else LAST
            fake = self._pick("PERSON", token.lower(), pool)
            return fake.upper() if token.isupper() else fake

        return _NAME_TOKEN.sub(swap, value)

    def _looks_first(self, token: str) -> bool:
        # Which pool only changes the flavour of the fake; keyed so it is stable per token.
        return int(keyed_hash(self.secret, "surrogate:PERSON_POOL", token.lower(), length=2), 16) % 2 == 0

    def _date(self, value: str) -> str:
        parsed = parse_date(value)
        clock = _CLOCK.fullmatch(value.strip()) if parsed is None else None
        if clock:
            return self._clock(value.strip(), clock)  # a time alone: a fake time of the same shape
        if parsed is None or not parsed.valid:
            moved = shift_month_words(value, self.shift_days)
            return moved if moved is not None and not any(c.isdigit() for c in value) else "[DATE]"
        try:
            return parsed.shift(self.shift_days)
        except (ValueError, OverflowError):
            return "[DATE]"

    def _clock(self, value: str, m: regex.Match) -> str:
        h = int(keyed_hash(self.secret, "surrogate:TIME", self.patient + "\x1f" + value, length=4), 16)
        twelve = bool(m.group("ampm"))
        hour = h % 12 + 1 if twelve else h % 24
        minute = (h >> 8) % 60
        hours = f"{hour:02d}" if len(m.group("h")) == 2 else str(hour)
        return f"{hours}{m.group('sep')}{minute:02d}{m.group('rest')}"

    def _age(self, value: str) -> str:
        return "90+" if any(c.isdigit() for c in value) else "[AGE]"

    def _id(self, value: str) -> str:
        return self._same_shape("ID", value)

    def _phone(self, value: str) -> str:
        fake = self._same_shape("PHONE", value, keep_letters=True)
        # Keep the fake in the 555 exchange when the shape allows it (never a real subscriber line).
        digits = [i for i, c in enumerate(fake) if c.isdigit()]
        if len(digits) >= 10:
            chars = list(fake)
            for pos, d in zip(digits[-7:-4], "555", strict=True):
                chars[pos] = d
            fake = "".join(chars)
        return fake

    def _same_shape(self, kind: str, value: str, keep_letters: bool = False) -> str:
        stream = self._digits(kind, value) * 4
        letters = keyed_hash(self.secret, f"surrogate:{kind}:letters", self.patient + value, length=16)
        out, di, li = [], 0, 0
        for c in value:
            if c.isdigit():
                out.append(stream[di % len(stream)])
                di += 1
            elif c.isalpha() and c.isascii() and not keep_letters:
                letter = chr(ord("A") + int(letters[li % len(letters)], 16) % 26)
                out.append(letter if c.isupper() else letter.lower())
                li += 1
            else:
                out.append(c)
        return "".join(out)

    def _email(self, value: str) -> str:
        user = self._pick("EMAIL", value, [f"{f.lower()}.{ln.lower()}" for f in FIRST[:12] for ln in LAST[:12]])
        return f"{user}@example.org"

    def _url(self, value: str) -> str:
        return f"https://example.org/{self._digits('URL', value)[:8]}"

    def _ip(self, value: str) -> str:
        d = self._digits("IP", value)
        if ":" in value and value.count(":") > 1:
            return f"2001:db8::{int(d[:4]) % 65536:x}"
        return f"192.0.2.{int(d[:3]) % 254 + 1}"  # TEST-NET-1, documentation only

    def _location(self, value: str) -> str:
        v = value.strip()
        city_state = _CITY_STATE.match(v)
        if city_state:  # Safe Harbor keeps the state; the town and ZIP go
            zip_code = city_state.group("zip")
            fake = f"{self._pick('LOCATION', city_state.group('city').lower(), CITIES)}{city_state.group('sep')}"
            fake += city_state.group("state")
            return fake + (city_state.group("zsep") + self._same_shape("ZIP", zip_code) if zip_code else "")
        if regex.fullmatch(r"\d{5}(?:-\d{4})?", v):
            return self._same_shape("ZIP", v)
        if regex.match(r"\d", v) or v.lower().startswith(("p.o", "po ", "post")):
            number = int(self._digits("LOCATION", value)[:4]) % 9000 + 100
            street = self._pick("LOCATION:street", value, STREETS)
            kind = self._pick("LOCATION:type", value, STREET_TYPES)
            return f"{number} {street} {kind}"
        return self._pick("LOCATION", value.lower(), CITIES)

    def _organization(self, value: str) -> str:
        return self._pick("ORGANIZATION", value.lower(), ORGS)
