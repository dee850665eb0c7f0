#!/usr/bin/env python3
"""Password sign-in under load: the confirmation page's p99 under keep-alive load (the kit's
mtls-load, alice's certificate), alone and then with 20 argon2 sign-ins per second (bob, by
password, each on a connection without a certificate, from --clients clients with a loopback
address each, since the bank throttles parallel sign-ins for one user from one address) beside it. The goal: the page's p99 with
the sign-ins at most 3x its p99 without. A p99 over a few seconds on a shared machine is noisy
(one pair of runs gave anything from 2.2x to 3.5x), so the two alternate for --rounds rounds and
the ratio of the medians is the result, every round printed. The lab must run with
LAB_MTLS=optional (password sign-in); bench/run.sh starts one so.

  bench/logins.py --load KIT/target/release/mtls-load --certs DIR --bank https://127.0.0.1:8443
"""
import argparse, http.client, json, os, re, ssl, subprocess, threading, time, urllib.parse

def page_p99(args):
    url = f"{args.bank}/transfer/confirm?to=mallory&amount=13.37"
    out = subprocess.run([args.load, "--cacert", f"{args.certs}/ca.crt", "--cert", f"{args.certs}/alice.crt",
                          "--key", f"{args.certs}/alice.key", "-c", "32", "-d", str(args.d), "-w", "1",
                          "--mode", "keepalive", "--json", url], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    return report

def sign_ins(args, source, stop, done, errors):
    host = urllib.parse.urlsplit(args.bank)
    ctx = ssl.create_default_context(cafile=f"{args.certs}/ca.crt")
    origin = f"{host.scheme}://{host.netloc}"
    period = args.clients / args.rate  # --clients of these run at once
    next_at = time.monotonic()
    while not stop.is_set():
        next_at += period
        try:
            conn = http.client.HTTPSConnection(host.hostname, host.port, context=ctx, source_address=(source, 0))
            conn.request("GET", "/login")
            answer = conn.getresponse()
            page = answer.read().decode()
            cookie = "; ".join(c.split(";")[0] for c in answer.headers.get_all("Set-Cookie") or [])
            token = re.search(r'name="csrf_token" value="([^"]*)"', page)
            body = urllib.parse.urlencode({"username": "bob", "password": args.password,
                                           "csrf_token": token.group(1) if token else ""})
            conn.request("POST", "/login", body=body, headers={"Origin": origin, "Cookie": cookie,
                         "Content-Type": "application/x-www-form-urlencoded"})
            answer = conn.getresponse()
            answer.read()
            (done if answer.status == 303 else errors).append(answer.status)
            conn.close()
        except (OSError, http.client.HTTPException) as e:
            errors.append(repr(e))
        time.sleep(max(0.0, next_at - time.monotonic()))

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--load", required=True, help="the kit's mtls-load binary")
    p.add_argument("--certs", required=True)
    p.add_argument("--bank", default="https://127.0.0.1:8443")
    p.add_argument("--password", default="bob-pass")
    p.add_argument("--rate", type=float, default=20.0, help="sign-ins per second")
    p.add_argument("--clients", type=int, default=16, help="sign-in clients at once, each on its own schedule")
    p.add_argument("-d", type=int, default=8, help="seconds of page load per measurement")
    p.add_argument("--rounds", type=int, default=3, help="alternations of alone and with sign-ins")
    args = p.parse_args()
    p99 = lambda r: r["latency_ms"]["p99"]
    median = lambda xs: sorted(xs)[len(xs) // 2]
    quiet, loaded, rates, done, errors = [], [], [], [], []
    for round in range(1, args.rounds + 1):
        alone = page_p99(args)
        stop = threading.Event()
        threads = [threading.Thread(target=sign_ins, args=(args, f"127.0.0.{10 + i}", stop, done, errors))
                   for i in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        started, count = time.monotonic(), len(done)
        beside = page_p99(args)
        rates.append((len(done) - count) / (time.monotonic() - started))
        stop.set()
        for thread in threads:
            thread.join()
        quiet.append(alone)
        loaded.append(beside)
        print(f"round {round}: page alone {alone['rps']:.0f} req/s, p99 {p99(alone):.2f} ms; with "
              f"{rates[-1]:.1f} sign-ins/s {beside['rps']:.0f} req/s, p99 {p99(beside):.2f} ms "
              f"({p99(beside) / p99(alone):.2f}x)")
    q, l = median([p99(r) for r in quiet]), median([p99(r) for r in loaded])
    print(f"page alone:            {median([r['rps'] for r in quiet]):.0f} req/s, p99 {q:.2f} ms (median of {args.rounds})")
    print(f"page + {args.rate:.0f} sign-ins/s:  {median([r['rps'] for r in loaded]):.0f} req/s, p99 {l:.2f} ms "
          f"({l / q:.2f}x; goal <= 3x)")
    print(f"sign-ins: {len(done)} done ({median(rates):.1f}/s while the page was measured, median), {len(errors)} failed "
          f"{sorted(set(map(str, errors)))[:3]}")

if __name__ == "__main__":
    main()
