#!/usr/bin/env python3
"""Executed transfers per second, and the bank's CPU per transfer: real confirmations, as a browser
sends them. Each worker keeps one mutual-TLS connection (alice's or bob's certificate), loads the
confirmation page (a fresh request id and the token the page carries) and posts it, so every POST
moves money once. At the end the money must be conserved: the sum of all balances is unchanged.

  bench/transfers.py --bank https://127.0.0.1:8443 --certs DIR --database FILE --pid PID [-c 8] [-d 10]

A benchmark, not a test: run it against a lab started for it (bench/run.sh does), on a quiet machine.
"""
import argparse, http.client, os, re, sqlite3, ssl, threading, time, urllib.parse

def cpu_seconds(pid):
    """User + system CPU of the process and its threads, from /proc (clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def total_money(database):
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return db.execute("SELECT SUM(balance_cents), COUNT(*) FROM accounts").fetchone()

def worker(args, user, to, stop, counts, errors):
    ctx = ssl.create_default_context(cafile=os.path.join(args.certs, "ca.crt"))
    ctx.load_cert_chain(os.path.join(args.certs, f"{user}.crt"), os.path.join(args.certs, f"{user}.key"))
    host = urllib.parse.urlsplit(args.bank)
    conn = http.client.HTTPSConnection(host.hostname, host.port, context=ctx)
    origin = f"{host.scheme}://{host.netloc}"
    moved = 0
    while not stop.is_set():
        try:
            conn.request("GET", f"/transfer/confirm?to={to}&amount=0.01")
            page = conn.getresponse().read().decode()
            fields = dict(re.findall(r'name="(csrf_token|to|amount|request_id)" value="([^"]*)"', page))
            body = urllib.parse.urlencode(fields)
            conn.request("POST", "/transfer", body=body, headers={
                "Origin": origin, "Content-Type": "application/x-www-form-urlencoded"})
            answer = conn.getresponse()
            answer.read()
            if answer.status == 303:
                moved += 1
            else:
                errors.append(answer.status)
        except (OSError, http.client.HTTPException) as e:
            errors.append(repr(e))
            conn.close()
            conn = http.client.HTTPSConnection(host.hostname, host.port, context=ctx)
    counts.append(moved)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bank", default="https://127.0.0.1:8443")
    p.add_argument("--certs", required=True)
    p.add_argument("--database", required=True)
    p.add_argument("--pid", type=int, required=True, help="the lab's process id (its CPU is measured)")
    p.add_argument("-c", type=int, default=8, help="connections (half alice to bob, half bob to alice)")
    p.add_argument("-d", type=float, default=10.0, help="seconds")
    args = p.parse_args()
    before = total_money(args.database)
    stop, counts, errors = threading.Event(), [], []
    pairs = [("alice", "bob"), ("bob", "alice")]
    threads = [threading.Thread(target=worker, args=(args, *pairs[i % 2], stop, counts, errors))
               for i in range(args.c)]
    cpu0, t0 = cpu_seconds(args.pid), time.monotonic()
    for t in threads:
        t.start()
    time.sleep(args.d)
    stop.set()
    for t in threads:
        t.join()
    cpu, elapsed = cpu_seconds(args.pid) - cpu0, time.monotonic() - t0
    moved = sum(counts)
    after = total_money(args.database)
    print(f"executed transfers: {moved} in {elapsed:.1f} s = {moved / elapsed:.0f}/s "
          f"(each one GET of the confirmation page + one POST)")
    if moved:
        print(f"bank CPU: {cpu:.2f} s = {cpu / moved * 1e6:.0f} us per transfer (page + POST)")
    print(f"errors: {len(errors)} {sorted(set(map(str, errors)))[:5]}")
    print(f"money: {before[0]} cents in {before[1]} accounts before, {after[0]} after: "
          + ("conserved" if before == after else "NOT CONSERVED"))
    raise SystemExit(0 if before == after and moved else 1)

if __name__ == "__main__":
    main()
