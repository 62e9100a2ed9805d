"""Deterministic splits. Patient-level: a patient's reports all land in one split, chosen by a
keyed hash of the patient key (stable across runs and machines, not guessable without the site
secret). Temporal: test on one exam year, train/validate on the years before it (validation is a
patient-hash slice of those years), later years are left out.
"""

from __future__ import annotations

import polars as pl

from radforge.secret import keyed_hash

SPLITS = ("train", "validation", "test")


def patient_buckets(patient_keys: list[str], secret: bytes) -> dict[str, float]:
    """Patient key -> a number in [0, 1) from HMAC-SHA256 (one hash per distinct patient)."""
    return {p: int(keyed_hash(secret, "split", p, length=8), 16) / 2**64 for p in patient_keys}


def _bucket_column(pairs: pl.DataFrame, secret: bytes) -> pl.DataFrame:
    keys = pairs["patient_key"].unique().to_list()
    buckets = patient_buckets(keys, secret)
    table = pl.DataFrame({"patient_key": list(buckets), "_u": list(buckets.values())},
                         schema={"patient_key": pl.String, "_u": pl.Float64})
    return pairs.join(table, on="patient_key", how="left")


def patient_split(pairs: pl.DataFrame, secret: bytes, test_fraction: float, validation_fraction: float
                  ) -> pl.DataFrame:
    """Add `split`: no patient appears in two splits."""
    df = _bucket_column(pairs, secret)
    split = (pl.when(pl.col("_u") < test_fraction).then(pl.lit("test"))
             .when(pl.col("_u") < test_fraction + validation_fraction).then(pl.lit("validation"))
             .otherwise(pl.lit("train")))
    return df.with_columns(split=split).drop("_u")


def temporal_split(pairs: pl.DataFrame, secret: bytes, test_year: int, validation_fraction: float) -> pl.DataFrame:
    """Add `split`: test = exam_year == test_year; train/validation = earlier years; later years dropped."""
    df = _bucket_column(pairs.filter(pl.col("exam_year") <= test_year), secret)
    split = (pl.when(pl.col("exam_year") == test_year).then(pl.lit("test"))
             .when(pl.col("_u") < validation_fraction).then(pl.lit("validation"))
             .otherwise(pl.lit("train")))
    return df.with_columns(split=split).drop("_u")
