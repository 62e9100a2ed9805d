"""Non-PHI numbers and words that fill `{slot}` fields of the exam catalogue.

These are the look-alikes that a careless de-identifier flags: sizes ("1.2 x 0.8 cm"), spine levels
("L4-L5", "C5-6"), "series 3 image 45", doses, SUVs, clock positions, percentages.
A report draws each slot at most once, so findings and impression agree ("{size} cm nodule").
"""

from __future__ import annotations

from random import Random

_LOBES = ("right upper lobe", "right middle lobe", "right lower lobe", "left upper lobe", "left lower lobe",
          "lingula")
_CLEVELS = ("C2-3", "C3-4", "C4-5", "C5-6", "C6-7", "C7-T1", "C5-C6", "C6-C7")
_LLEVELS = ("L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1", "L4-5", "L5-S1")


def _cm(r: Random, lo: float, hi: float) -> str:
    return f"{r.uniform(lo, hi):.1f}"


SLOT_MAKERS = {
    "ctdi": lambda r: _cm(r, 2, 65),
    "dlp": lambda r: str(r.randrange(80, 1800)),
    "slice": lambda r: r.choice(("0.625", "1.25", "2.5", "3", "5")),
    "contrast_ml": lambda r: str(r.choice((75, 80, 90, 100, 110, 125))),
    "mm": lambda r: str(r.randrange(3, 28)),
    "mm2": lambda r: str(r.randrange(2, 12)),
    "pct": lambda r: str(r.randrange(15, 60)),
    "pct2": lambda r: str(r.randrange(31, 45)),
    "lobe": lambda r: r.choice(_LOBES),
    "series": lambda r: str(r.randrange(2, 12)),
    "image": lambda r: str(r.randrange(12, 240)),
    "ratio": lambda r: f"{r.uniform(0.8, 1.6):.2f}",
    "size": lambda r: _cm(r, 0.6, 7.5),
    "size2": lambda r: f"{_cm(r, 1, 6)} x {_cm(r, 0.5, 3)}",
    "size2b": lambda r: f"{_cm(r, 1, 6)} x {_cm(r, 0.5, 3)}",
    "size3": lambda r: f"{_cm(r, 5, 10)} x {_cm(r, 3, 6)} x {_cm(r, 3, 6)}",
    "aorta": lambda r: _cm(r, 4.1, 5.6),
    "hu": lambda r: str(r.randrange(-15, 25)),
    "segment": lambda r: r.choice(("2", "3", "4A", "4B", "5", "6", "7", "8", "IVa", "VII")),
    "cvert": lambda r: r.choice(("C5", "C6", "T12", "L1", "L2")),
    "clevel": lambda r: r.choice(_CLEVELS),
    "llevel": lambda r: r.choice(_LLEVELS),
    "lvert": lambda r: str(r.randrange(1, 6)),
    "gad": lambda r: f"{r.uniform(5, 10):.1f}",
    "ett": lambda r: _cm(r, 2, 7),
    "views": lambda r: r.choice(("Two", "Three", "Four", "2", "3")),
    "sh": lambda r: r.choice(("I", "II", "II", "III", "IV")),
    "finger": lambda r: r.choice(("second", "third", "fourth", "fifth", "5th")),
    "liver": lambda r: _cm(r, 12, 17),
    "cbd": lambda r: f"{r.uniform(2, 6):.1f}",
    "kidney": lambda r: _cm(r, 9.5, 12.5),
    "kidney2": lambda r: _cm(r, 9.5, 12.5),
    "neck_level": lambda r: r.choice(("II", "III", "IV", "VI", "2A", "3")),
    "clock": lambda r: str(r.randrange(1, 13)),
    "depth": lambda r: str(r.randrange(1, 12)),
    "mci": lambda r: _cm(r, 18, 27),
    "fdg": lambda r: _cm(r, 8, 15),
    "glucose": lambda r: str(r.randrange(78, 190)),
    "uptake": lambda r: str(r.randrange(55, 80)),
    "psa": lambda r: _cm(r, 0.2, 45),
    "suv": lambda r: _cm(r, 2.5, 21),
    "deauville": lambda r: r.choice(("1", "2", "3")),
    "i123": lambda r: str(r.choice((200, 300, 400))),
    "u4": lambda r: str(r.randrange(5, 15)),
    "u24": lambda r: str(r.randrange(12, 30)),
    "uhigh": lambda r: str(r.randrange(45, 85)),
    "xe": lambda r: _cm(r, 10, 20),
    "maa": lambda r: _cm(r, 3, 5),
    "rib": lambda r: r.choice(("4th", "5th", "6th", "7th", "8th", "ninth", "tenth")),
    "bval": lambda r: r.choice(("1400", "1500", "2000")),
    "vol": lambda r: str(r.randrange(18, 120)),
    "adc": lambda r: str(r.randrange(550, 900)),
    "panc": lambda r: r.choice(("head", "body", "tail", "uncinate process")),
    "tvert": lambda r: str(r.randrange(4, 13)),
    "cobb": lambda r: str(r.randrange(11, 48)),
    "psv": lambda r: str(r.randrange(55, 110)),
    "psv2": lambda r: str(r.randrange(55, 110)),
    "psvhigh": lambda r: str(r.randrange(240, 420)),
    "icaratio": lambda r: f"{r.uniform(4, 6):.1f}",
    "mci5": lambda r: _cm(r, 4, 6),
    "mci6": lambda r: _cm(r, 8, 12),
    "mci7": lambda r: _cm(r, 28, 36),
    "gbmin": lambda r: str(r.randrange(15, 45)),
    "bowelmin": lambda r: str(r.randrange(20, 55)),
    "gbef": lambda r: str(r.randrange(8, 32)),
    "lvef": lambda r: str(r.randrange(52, 72)),
    "tid": lambda r: f"{r.uniform(1.2, 1.5):.2f}",
    "fluoro": lambda r: f"{r.uniform(0.8, 4.5):.1f}",
    "bmd": lambda r: f"{r.uniform(0.95, 1.3):.3f}",
    "bmdlow": lambda r: f"{r.uniform(0.6, 0.8):.3f}",
    "tnorm": lambda r: f"{r.uniform(-0.9, 1.5):.1f}",
    "tnorm2": lambda r: f"{r.uniform(-0.9, 1.5):.1f}",
    "tnorm3": lambda r: f"{r.uniform(-0.9, 1.5):.1f}",
    "tlow": lambda r: f"{r.uniform(-4, -2.5):.1f}",
    "tmid": lambda r: f"{r.uniform(-2.4, -1.1):.1f}",
    "frax": lambda r: f"{r.uniform(8, 30):.1f}",
}


class Slots(dict):
    """Lazily drawn slot values for one report (`str.format_map` calls `__missing__`)."""

    __slots__ = ("rng",)

    def __init__(self, rng: Random, side: str) -> None:
        super().__init__(side=side, Side=side.capitalize(), SIDE=side.upper())
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key[0].isupper() and key.lower() in SLOT_MAKERS:
            value = self[key.lower()]
            value = value[0].upper() + value[1:]
        else:
            value = SLOT_MAKERS[key](self.rng)
        self[key] = value
        return value
