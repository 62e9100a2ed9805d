"""Dictionary attack on pseudonymised MRNs: plain SHA-256 vs radforge's keyed HMAC (site secret).

Every 8-digit MRN is a candidate (10^8). Against a plain hash the attacker hashes candidates until
one matches; against the keyed pseudonym the same search finds nothing without the secret (a
32-byte key: 2^256 keys to try instead). The script measures the attack rate on this machine,
runs it over --candidates MRNs (a range that holds the targets), projects the full 10^8 space,
and with --full really walks all 10^8 against the plain hashes.

Last line: one JSON object. Example: .venv/bin/python bench/bench_pseudonyms.py --candidates 10000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time

from radforge.secret import keyed_hash  # noqa: E402

SPACE = 10**8


def attack(targets: set[str], start: int, stop: int, keyed: bool = False, guess_key: bytes = b"") -> dict[str, str]:
    """Hash every MRN in [start, stop) as the attacker can (plain, or HMAC under a guessed key)."""
    found = {}
    sha = hashlib.sha256
    for i in range(start, stop):
        mrn = f"{i:08d}"
        h = keyed_hash(guess_key, "patient", mrn) if keyed else sha(mrn.encode()).hexdigest()
        if h in targets:
            found[h] = mrn
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", type=int, default=2_000_000, help="MRNs to try (default 2,000,000).")
    ap.add_argument("--targets", type=int, default=5, help="Patients whose pseudonyms the attacker holds.")
    ap.add_argument("--full", action="store_true", help="Walk all 10^8 MRNs against the plain hashes.")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    n = SPACE if args.full else args.candidates
    start = rng.randrange(0, SPACE - n + 1)
    mrns = [f"{rng.randrange(start, start + n):08d}" for _ in range(args.targets)]
    secret = os.urandom(32)
    plain = {hashlib.sha256(m.encode()).hexdigest(): m for m in mrns}
    keyed = {keyed_hash(secret, "patient", m): m for m in mrns}

    t0 = time.perf_counter()
    found_plain = attack(set(plain), start, start + n)
    t_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    k = min(n, args.candidates)  # the keyed walk finds nothing whatever its length; keep --full to the plain one
    found_keyed = attack(set(keyed), start, start + k, keyed=True, guess_key=os.urandom(32))
    t_keyed = time.perf_counter() - t0
    rate = n / t_plain
    result = {
        "candidates": n, "targets": args.targets, "full_space": SPACE,
        "plain_recovered": len(found_plain), "plain_seconds": round(t_plain, 2),
        "plain_rate_per_s": round(rate), "plain_full_space_seconds_projected": round(SPACE / rate, 1),
        "keyed_candidates": k, "keyed_recovered": len(found_keyed), "keyed_seconds": round(t_keyed, 2),
        "keyed_search_space": "2^256 secrets x 10^8 MRNs", "full_run": args.full,
    }
    print(f"plain SHA-256: {len(found_plain)}/{args.targets} MRNs recovered from {n:,} candidates in {t_plain:.1f}s "
          f"({rate:,.0f}/s; all 10^8 in {SPACE / rate / 60:.1f} min on one core)")
    print(f"keyed HMAC:    {len(found_keyed)}/{args.targets} recovered over the same range without the secret")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
