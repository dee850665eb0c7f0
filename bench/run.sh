#!/usr/bin/env bash
# The lab's benchmark: the bank's confirmation page (every protection on, mutual TLS) side by side
# with the shared kit's peers (NestJS + helmet, bare actix-web + rustls), in one command. It is a
# benchmark, not a test: CI never runs it. Run it on a quiet machine. Then, round by round beside
# peer A's keep-alive GET: executed transfers (bench/transfers.rs) and the page over HTTP/2
# (bench/h2load.rs: the kit's load generator speaks HTTP/1.1 only); last, password sign-in under
# load (bench/logins.py).
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
(cd "$REPO" && cargo build --release --quiet && cargo build --release --quiet --example transfers --example h2load)
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

# Executed transfers, interleaved round by round with peer A's keep-alive GET of the same page, so
# that the goal (transfers/s >= peer A's GET req/s) is judged on numbers the same noise touched.
echo "== executed transfers (GET the confirmation page, POST it; every protection on) and the page over HTTP/2, against peer A's GET"
if [[ " $PEERS " == *" A "* ]]; then
  PEER_CERTS=$KIT/.scratch/certs
  setsid env NODE_ENV=production CERT_DIR="$PEER_CERTS" PORT=9443 node "$KIT/peer-nestjs/dist/main.js" > "$LAB/peer-a.log" 2>&1 &
  PEER_A=$!
  for _ in $(seq 1 100); do ss -ltn | grep -q ':9443 ' && break; sleep 0.1; done
fi
median() { sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]; else print 0}'; }
: > "$LAB/transfers.txt"
for round in $(seq 1 "$ROUNDS"); do
  lab
  out=$("$REPO/target/release/examples/transfers" --bank https://localhost:8443 --certs "$LAB/certs" \
    --database "$LAB/lab.db" --pid "$LAB_PID" -c "${TRANSFER_CONNS:-8}" -d "${DURATION:-4}" || true)
  h2=$("$REPO/target/release/examples/h2load" --certs "$LAB/certs" --pid "$LAB_PID" \
    -c "${H2_CONNS:-4}" -s "${H2_STREAMS:-8}" -d "${DURATION:-4}" || true)
  stop_lab
  h2_rate=$(sed -n 's/.* = \([0-9]*\) req\/s .*/\1/p' <<<"$h2"); h2_cpu=$(sed -n 's/.* = \([0-9]*\) us per .*/\1/p' <<<"$h2")
  h2_p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$h2"); h2_errors=$(sed -n 's/^errors: \([0-9]*\).*/\1/p' <<<"$h2")
  rate=$(sed -n 's/.* = \([0-9]*\)\/s .*/\1/p' <<<"$out"); cpu=$(sed -n 's/.* = \([0-9]*\) us per .*/\1/p' <<<"$out")
  money=$(sed -n 's/^money: .*: //p' <<<"$out"); errors=$(sed -n 's/^errors: \([0-9]*\).*/\1/p' <<<"$out")
  a=-
  if [ -n "${PEER_A:-}" ]; then
    a=$("$KIT/target/release/mtls-load" --json -c "${CONNS:-32}" -d "${DURATION:-4}" -w 1 --cacert "$PEER_CERTS/ca.crt" \
      --cert "$PEER_CERTS/alice.crt" --key "$PEER_CERTS/alice.key" \
      'https://127.0.0.1:9443/transfer/confirm?to=mallory&amount=13.37' | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["rps"]))')
  fi
  echo "round $round: transfers ${rate:-0}/s, ${cpu:-?} us each, errors ${errors:-?}, money ${money:-?}; h2 page ${h2_rate:-0} req/s, ${h2_cpu:-?} us, p99 ${h2_p99:-?} ms, errors ${h2_errors:-?}; peer A GET $a req/s" | tee -a "$LAB/transfers.txt"
done
[ -n "${PEER_A:-}" ] && { kill -- "-$PEER_A" 2>/dev/null || true; wait "$PEER_A" 2>/dev/null || true; }
t=$(sed -n 's/.*transfers \([0-9]*\)\/s.*/\1/p' "$LAB/transfers.txt" | median)
u=$(sed -n 's/.*\/s, \([0-9]*\) us each.*/\1/p' "$LAB/transfers.txt" | median)
a=$(sed -n 's/.*peer A GET \([0-9]*\) req.*/\1/p' "$LAB/transfers.txt" | median)
h=$(sed -n 's/.*h2 page \([0-9]*\) req.*/\1/p' "$LAB/transfers.txt" | median)
hu=$(sed -n 's/.*h2 page [0-9]* req\/s, \([0-9]*\) us.*/\1/p' "$LAB/transfers.txt" | median)
ratio() { python3 -c "print(f'{$1 / $2:.2f}' if $2 else '-')"; }
echo "transfers, median of $ROUNDS: $t/s, $u us of bank CPU each; peer A GET $a req/s; transfers/A $(ratio "$t" "$a")"
echo "the page over h2 (${H2_CONNS:-4} connections x ${H2_STREAMS:-8} streams), median of $ROUNDS: $h req/s, $hu us of bank CPU each; h2/A $(ratio "$h" "$a")"
! grep -q 'NOT CONSERVED' "$LAB/transfers.txt" || echo "MONEY NOT CONSERVED in some round"

echo "== password sign-in under load (LAB_MTLS=optional)"
lab LAB_MTLS=optional
python3 "$REPO/bench/logins.py" --load "$KIT/target/release/mtls-load" --certs "$LAB/certs" \
  --bank https://localhost:8443 || true
stop_lab
