#!/usr/bin/env bash
# `make airgap-check`: prove the wheelhouse installs radforge with no index, no network and no compiler,
# then run `radforge doctor` and a 20-report de-identification from that venv. One JSON line last.
#
# No network: the whole install and run happen inside a new network namespace (`unshare -n`: only a
# loopback, down) when the kernel allows it; always, pip reads no config file (PIP_CONFIG_FILE=/dev/null,
# so the machine's index and find-links are gone), gets --no-index and a dead index/proxy address.
# No compiler: --only-binary :all: makes pip refuse any sdist, so nothing can be built.
# AIRGAP_PIP_OPTS (default --no-compile: no .pyc up front, to keep the check short; a server install
# compiles them, as the runbook does) goes to the two installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
WH=$(realpath "${WHEELHOUSE:-wheelhouse}")
DIR=$(realpath -m "${AIRGAP_DIR:-var/airgap}")
PY=${PYTHON:-python3.11}
REPORTS=${AIRGAP_REPORTS:-20}
test -f "$WH/requirements-pip.lock" && test -f "$WH/requirements.lock" && test -f "$WH/requirements-nodeps.lock" || { echo "no wheelhouse at $WH: run make wheelhouse" >&2; exit 2; }

if unshare -n true 2>/dev/null; then NET=(unshare -n); network="unshare -n (no interface but a down loopback)"
else NET=(); network="none refused by the kernel here: pip --no-index + dead index/proxy only"; fi
offline() {
  env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 \
    PIP_INDEX_URL=http://127.0.0.1:9/simple http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_WAIT_POLICY=PASSIVE "${NET[@]}" "$@"
}
# the check itself: is the network really gone inside? (a connection to the package index must fail)
net_refused=$(offline "$PY" -c 'import socket
try:
    socket.create_connection(("pypi.org", 443), timeout=5); print("false")
except OSError:
    print("true")')

rm -rf "$DIR" && mkdir -p "$DIR"
V="$DIR/venv/bin"
t0=$(date +%s)
offline "$PY" -m venv "$DIR/venv"
pipi=("$V/pip" install -q ${AIRGAP_PIP_OPTS---no-compile} --no-index --find-links "$WH" --only-binary :all: --require-hashes)
offline "$V/python" -m pip install -q --no-index --find-links "$WH" --only-binary :all: --require-hashes \
  -r "$WH/requirements-pip.lock"
offline "${pipi[@]}" -r "$WH/requirements.lock"
offline "${pipi[@]}" --no-deps -r "$WH/requirements-nodeps.lock"
install_s=$(( $(date +%s) - t0 ))
pip_check=$(offline "$V/python" "$REPO/platform/install/pip_check.py" "$WH/requirements-nodeps.lock")

# run from outside the checkout, so the installed radforge (not the source tree) is what runs
cd "$DIR"
export RADFORGE_HOME="$DIR/home"
unset RADFORGE_CONFIG
offline "$V/radforge" init > init.log
offline "$V/radforge" doctor > doctor.log || { cat doctor.log >&2; echo "radforge doctor failed" >&2; exit 1; }
offline "$V/radforge" synth --reports "$REPORTS" --seed 7 --out corpus > synth.log
t1=$(date +%s)
offline "$V/radforge" deid --in corpus/reports.jsonl --out deid.jsonl --workers 1 > deid.log
deid_s=$(( $(date +%s) - t1 ))
deid_rows=$(wc -l < deid.jsonl)
test "$deid_rows" -eq "$REPORTS" || { cat deid.log >&2; echo "de-id wrote $deid_rows rows, expected $REPORTS" >&2; exit 1; }
sdists=$(find "$WH" -maxdepth 1 -type f ! -name '*.whl' ! -name '*.lock' | wc -l)
wheels=$(find "$WH" -maxdepth 1 -name '*.whl' | wc -l)
ok=true; [ "$net_refused" = true ] && [ "$sdists" -eq 0 ] && echo "$pip_check" | grep -q '"pip_check_ok": true' || ok=false
printf '{"ok": %s, "wheels": %d, "sdists_in_wheelhouse": %d, "network_refused": %s, "network": "%s", "install_seconds": %d, "doctor": "passed", "deid_reports": %d, "deid_seconds": %d, "pip_check": %s}\n' \
  "$ok" "$wheels" "$sdists" "$net_refused" "$network" "$install_s" "$deid_rows" "$deid_s" "$pip_check"
[ "$ok" = true ]
