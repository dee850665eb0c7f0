#!/usr/bin/env bash
# The lab's benchmark: the bank's confirmation page (every protection on, mutual TLS) side by side
# with the shared kit's peers (NestJS + helmet, bare actix-web + rustls), in one command. It is a
# benchmark, not a test: CI never runs it. Run it on a quiet machine.
#
#   bench/run.sh                  # 3 interleaved rounds, keep-alive, full and resumed handshakes
#   ROUNDS=5 MODES=keepalive PEERS="A B" bench/run.sh
#
# It needs the kit (../shared/perf beside the repository, or PERF_KIT=<dir>), node/npm for peer A,
# and a release build (made here). The kit is copied to target/bench/kit (the original may be
# read-only); the lab runs there on its own throwaway database and certificates, on port 8443 (the
# kit's URL), so stop any other lab first. Knobs are the kit's (ROUNDS, DURATION, CONNS, PIN, ...).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT_SRC=${PERF_KIT:-$REPO/../shared/perf}
WORK=$REPO/target/bench
KIT=$WORK/kit
LAB=$WORK/lab
export ROUNDS=${ROUNDS:-3} PEERS=${PEERS:-A B} MODES=${MODES:-keepalive new-conn resume}

[ -d "$KIT_SRC" ] || { echo "no perf kit at $KIT_SRC: set PERF_KIT=<the kit's folder>" >&2; exit 2; }
if ss -ltn 2>/dev/null | grep -q ':8443 '; then
  echo "port 8443 is taken: stop the lab (or whatever listens there) first" >&2; exit 2
fi

echo "== building the lab (release)"
(cd "$REPO" && cargo build --release --quiet && cargo build --release --quiet --example transfers)
echo "== preparing the kit in $KIT"
mkdir -p "$KIT"
(cd "$KIT_SRC" && tar --exclude=./target --exclude=./peer-nestjs/node_modules --exclude=./.scratch -cf - .) | (cd "$KIT" && tar -xf -)
(cd "$KIT" && cargo build --release --quiet)
if [[ " $PEERS " == *" A"* ]]; then
  (cd "$KIT/peer-nestjs" && { [ -d node_modules ] || npm ci --silent; } && npm run --silent build)
fi
(cd "$KIT" && ./gen-certs.sh >/dev/null)

echo "== a fresh lab in $LAB (first start creates its certificates and database)"
rm -rf "$LAB" && mkdir -p "$LAB"
LAB_ENV=(LAB_DATABASE="$LAB/lab.db" LAB_CERTS_DIR="$LAB/certs" LAB_ASSETS_DIR="$REPO")
env "${LAB_ENV[@]}" "$REPO/target/release/clickjack-lab" > "$LAB/first-start.log" 2>&1 &
first=$!
for _ in $(seq 1 100); do [ -f "$LAB/certs/alice.key" ] && ss -ltn | grep -q ':8443 ' && break; sleep 0.2; done
kill "$first" && wait "$first" 2>/dev/null || true
[ -f "$LAB/certs/alice.key" ] || { cat "$LAB/first-start.log" >&2; exit 1; }

echo "== the comparison (rounds: $ROUNDS, peers: $PEERS, modes: $MODES)"
(cd "$KIT" && TARGET_EXPECT=alice ./run.sh --url 'https://127.0.0.1:8443/transfer/confirm?to=mallory&amount=13.37' \
  --cacert "$LAB/certs/ca.crt" --cert "$LAB/certs/alice.crt" --key "$LAB/certs/alice.key" \
  --start "cd '$REPO' && exec env ${LAB_ENV[*]} ./target/release/clickjack-lab")

# The lab alone, started for each of the two measurements below and stopped after it.
lab() {
  env "${LAB_ENV[@]}" "$@" "$REPO/target/release/clickjack-lab" > "$LAB/run.log" 2>&1 &
  LAB_PID=$!
  for _ in $(seq 1 100); do ss -ltn | grep -q ':8443 ' && return; sleep 0.1; done
  cat "$LAB/run.log" >&2; exit 1
}
stop_lab() { kill "$LAB_PID"; wait "$LAB_PID" 2>/dev/null || true; }

echo "== executed transfers (GET the confirmation page, POST it), every protection on"
lab
"$REPO/target/release/examples/transfers" --bank https://localhost:8443 --certs "$LAB/certs" \
  --database "$LAB/lab.db" --pid "$LAB_PID" -c "${TRANSFER_CONNS:-8}" -d "${DURATION:-4}" || true
stop_lab

echo "== password sign-in under load (LAB_MTLS=optional)"
lab LAB_MTLS=optional
python3 "$REPO/bench/logins.py" --load "$KIT/target/release/mtls-load" --certs "$LAB/certs" \
  --bank https://localhost:8443 || true
stop_lab
