"""Keyed pseudonyms: stable for a secret, different across secrets, never a plain hash."""

import hashlib

from deid import pseudonyms


def test_keys_are_stable_for_a_secret_and_differ_across_secrets():
    s1, s2 = b"a" * 32, b"b" * 32
    assert pseudonyms.patient_key(s1, "12345678") == pseudonyms.patient_key(s1, "12345678")
    assert pseudonyms.patient_key(s1, "12345678") != pseudonyms.patient_key(s2, "12345678")
    assert pseudonyms.report_key(s1, "ACC1", 1) == pseudonyms.report_key(s1, "ACC1", 1)
    assert pseudonyms.report_key(s1, "ACC1", 1) != pseudonyms.report_key(s1, "ACC1", 2)
    assert pseudonyms.report_key(s1, "ACC1", 1) != pseudonyms.report_key(s2, "ACC1", 1)
    assert pseudonyms.date_shift_days(s1, "p") == pseudonyms.date_shift_days(s1, "p")


def test_a_key_is_not_a_plain_hash_and_purposes_are_separated():
    secret = b"k" * 32
    key = pseudonyms.patient_key(secret, "12345678")
    for algo in ("md5", "sha1", "sha256"):
        assert not hashlib.new(algo, b"12345678").hexdigest().startswith(key)
    assert pseudonyms.accession_key(secret, "12345678") != key


def test_contract_formula_for_report_key():
    from radforge.secret import keyed_hash

    secret = b"z" * 32
    assert pseudonyms.report_key(secret, "ACC9", 2) == keyed_hash(secret, "report", "ACC9:2")
    assert pseudonyms.patient_key(secret, "M1") == keyed_hash(secret, "patient", "M1")
    assert pseudonyms.patient_key(secret, None) is None
