#!/usr/bin/env bash
# Checks every bank and attacker page in real headless Chromium: axe-core (no violations),
# Lighthouse accessibility and best practices (>= 95 each), and that nothing is wider than a
# 390 px phone viewport. Starts its own lab (debug build, LAB_MTLS=optional, a fresh database and
# PKI in a temporary folder, free ports) and a Chromium whose profile trusts the lab CA and
# presents alice's certificate without a prompt; stops both when done.
#
#   scripts/check-pages.sh              # every page
#   PAGES_ONLY=lab scripts/check-pages.sh   # only the checks whose name contains "lab"
#   LAB_PROTECTIONS=off scripts/check-pages.sh  # any LAB_* variable set here reaches the lab
#
# Needs node >= 18, npm, Chromium (CHROMIUM_BIN, else /usr/lib/chromium/chromium) and certutil/
# pk12util (libnss3-tools). The npm packages (axe-core, lighthouse, puppeteer-core) are installed
# once into target/page-check/. Exits non-zero if any page fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
chrome=${CHROMIUM_BIN:-/usr/lib/chromium/chromium}
[ -x "$chrome" ] || { echo "Chromium not found at $chrome: apt-get install -y chromium (or set CHROMIUM_BIN)" >&2; exit 2; }
for tool in node npm certutil pk12util; do
  command -v "$tool" >/dev/null || { echo "$tool not found: install node/npm or libnss3-tools" >&2; exit 2; }
done

tools="$root/target/page-check"
if [ ! -d "$tools/node_modules/lighthouse" ]; then
  mkdir -p "$tools"
  (cd "$tools" && [ -f package.json ] || echo '{"private":true}' >"$tools/package.json")
  (cd "$tools" && npm install --no-audit --no-fund --silent lighthouse@12 axe-core@4 puppeteer-core@24)
fi
cp "$root/scripts/check-pages.mjs" "$tools/check-pages.mjs"

cargo build --quiet
work=$(mktemp -d /tmp/pagecheck.XXXXXX)
lab_pid=
cleanup() {
  local status=$?
  if [ -n "$lab_pid" ]; then
    kill "$lab_pid" 2>/dev/null || true
    wait "$lab_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
bank_port=$(free_port); attacker_port=$(free_port); samesite_port=$(free_port)

LAB_MTLS=optional LAB_DATABASE="$work/lab.sqlite" LAB_CERTS_DIR="$work/certs" \
  LAB_BANK_PORT=$bank_port LAB_ATTACKER_PORT=$attacker_port LAB_SAMESITE_ATTACKER_PORT=$samesite_port \
  "$root/target/debug/clickjack-lab" serve >"$work/lab.log" 2>&1 &
lab_pid=$!
for _ in $(seq 100); do
  if [ -f "$work/certs/alice.p12" ] && (exec 3<>"/dev/tcp/127.0.0.1/$attacker_port") 2>/dev/null; then break; fi
  kill -0 "$lab_pid" 2>/dev/null || { cat "$work/lab.log" >&2; exit 1; }
  sleep 0.2
done

# A browser profile: the lab CA trusted for websites, alice's certificate, selected automatically.
nss="$work/home/.pki/nssdb"
mkdir -p "$nss" "$work/ud/Default"
certutil -d "sql:$nss" -N --empty-password
certutil -d "sql:$nss" -A -t "C,," -n clickjack-lab-ca -i "$work/certs/ca.crt"
pk12util -d "sql:$nss" -i "$work/certs/alice.p12" -W lab >/dev/null
cat >"$work/ud/Default/Preferences" <<'JSON'
{"profile":{"content_settings":{"exceptions":{"auto_select_certificate":{"https://localhost,*":{"setting":{"filters":[{"ISSUER":{"CN":"clickjack-lab dev CA"}}]}}}}}}}
JSON

cd "$tools"
HOME="$work/home" CHROME="$chrome" USER_DATA="$work/ud" \
  BANK="https://localhost:$bank_port" ATTACKER="http://127.0.0.1:$attacker_port" \
  SAMESITE="https://localhost:$samesite_port" node check-pages.mjs
