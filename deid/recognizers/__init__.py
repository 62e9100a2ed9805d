"""Recognizers, one class per entity kind (Presidio style). Which ones run comes from [deid].recognizers.

`build_recognizers(section)` instantiates them with the site's patterns, gazetteers and context words;
an unknown name is a `ConfigError` that lists the known ones.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, Pattern

from deid.recognizers.base import RadEntityRecognizer, RadPatternRecognizer
from deid.recognizers.contact.email_recognizer import EmailRecognizer
from deid.recognizers.contact.ip_recognizer import IpRecognizer
from deid.recognizers.contact.phone_number_recognizer import PhoneNumberRecognizer
from deid.recognizers.contact.phone_recognizer import PhoneRecognizer
from deid.recognizers.contact.url_recognizer import UrlRecognizer
from deid.recognizers.dates.age_recognizer import AgeRecognizer
from deid.recognizers.dates.date_recognizer import DateRecognizer
from deid.recognizers.header.header_field_recognizer import HeaderFieldRecognizer
from deid.recognizers.ids.accession_recognizer import AccessionRecognizer
from deid.recognizers.ids.mrn_recognizer import MrnRecognizer
from deid.recognizers.ids.record_number_recognizer import RecordNumberRecognizer
from deid.recognizers.ids.ssn_recognizer import SsnRecognizer
from deid.recognizers.location.address_block_recognizer import AddressBlockRecognizer
from deid.recognizers.location.address_recognizer import StreetAddressRecognizer
from deid.recognizers.location.city_recognizer import CityStateRecognizer
from deid.recognizers.location.hospital_recognizer import HospitalRecognizer
from deid.recognizers.location.place_recognizer import PlaceRecognizer, TownRecognizer
from deid.recognizers.names.person_cue_recognizer import PersonCueRecognizer
from deid.recognizers.names.person_lexicon_recognizer import PersonLexiconRecognizer
from deid.recognizers.names.person_ner_recognizer import PersonNerRecognizer
from deid.recognizers.record.known_value_recognizer import KnownValueRecognizer

REGISTRY: dict[str, type[EntityRecognizer]] = {cls.__name__: cls for cls in (
    HeaderFieldRecognizer, PersonCueRecognizer, PersonLexiconRecognizer, PersonNerRecognizer, DateRecognizer,
    AgeRecognizer, MrnRecognizer, AccessionRecognizer, SsnRecognizer, RecordNumberRecognizer, PhoneRecognizer,
    PhoneNumberRecognizer, EmailRecognizer, UrlRecognizer, IpRecognizer, StreetAddressRecognizer, CityStateRecognizer,
    HospitalRecognizer, PlaceRecognizer, TownRecognizer, AddressBlockRecognizer,
)}
PATTERN_ONLY = tuple(name for name, cls in REGISTRY.items() if issubclass(cls, RadPatternRecognizer))

__all__ = ["REGISTRY", "PATTERN_ONLY", "KnownValueRecognizer", "build_recognizers", *REGISTRY]


def build_recognizers(section, names: list[str] | None = None) -> list[EntityRecognizer]:
    """Instantiate the configured recognizers with the site's extra patterns and context words."""
    from radforge.errors import ConfigError

    wanted = list(names if names is not None else (section.recognizers or REGISTRY))
    unknown = [n for n in wanted if n not in REGISTRY]
    unknown += [n for n in section.context if n not in REGISTRY]
    if unknown:
        raise ConfigError(f"unknown de-id recognizer(s) {', '.join(sorted(set(unknown)))}; "
                          f"known: {', '.join(sorted(REGISTRY))}")
    site_patterns = {
        "MrnRecognizer": [Pattern("site mrn (strong)", p, 0.9) for p in section.mrn_patterns],
        "AccessionRecognizer": [Pattern("site accession (strong)", p, 0.9) for p in section.accession_patterns],
        "RecordNumberRecognizer": [Pattern("site identifier (strong)", p, 0.9) for p in section.id_patterns],
    }
    out: list[EntityRecognizer] = []
    for name in wanted:
        cls = REGISTRY[name]
        context = section.context.get(name)
        if name == "HeaderFieldRecognizer":
            out.append(cls(extra_fields=section.header_fields))
        elif name == "PersonNerRecognizer" or issubclass(cls, RadEntityRecognizer):
            out.append(cls())
        elif name == "HospitalRecognizer":
            out.append(cls(gazetteer=section.hospital_gazetteer, context=context))
        elif name == "CityStateRecognizer" and section.city_gazetteer:
            import regex

            alternation = "|".join(regex.escape(c) for c in sorted(section.city_gazetteer, key=len, reverse=True))
            out.append(cls(context=context, extra_patterns=[Pattern("site city gazetteer (strong)",
                                                                    rf"(?<!\w)(?:{alternation})(?!\w)", 0.9)]))
        else:
            out.append(cls(context=context, extra_patterns=site_patterns.get(name)))
    return out
