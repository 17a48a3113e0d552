#!/usr/bin/env python3
"""Soak test: mixed traffic against a running xyjt server for a while, at a fixed fraction of the
capacity measured first, reporting errors, latency percentiles and the server's RSS growth.

    scripts/soak.py --url http://127.0.0.1:8080 --pid SERVER_PID [--minutes 10] [--fraction 0.5]

Standard library only (threads and http.client), so the generator itself has a ceiling on two
cores: the capacity it measures is the pair's, and the report says which side was saturated
(the generator's own CPU time is printed). Not a test: numbers go to docs/BENCHMARKS.md.
"""

import argparse
import http.client
import json
import os
import random
import threading
import time
import urllib.parse

# The mix: (weight, method, path, body). Public reads dominate, as on a portal; checks and
# filings are a small share (filings hit the anonymous cap and answer 429, which counts as a
# refusal, not an error).
MIX = [
    (30, "GET", "/", None),
    (20, "GET", "/publicity", None),
    (15, "GET", "/api/v1/publicity", None),
    (10, "GET", "/api/v1/subjects?q=%E8%BF%90%E8%BE%93", None),
    (8, "GET", "/integrity", None),
    (7, "GET", "/disclosure/catalogue", None),
    (5, "GET", "/api/v1/disclosure/annual-report?year=2025", None),
    (3, "GET", "/api/v1/integrity/departments", None),
    (2, "POST", "/api/v1/disclosure-requests",
     {"applicant": {"type": "自然人", "name": "压测"}, "content": "压测信息", "channel": "网络"}),
]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Worker(threading.Thread):
    def __init__(self, host, port, deadline, interval, results):
        super().__init__(daemon=True)
        self.host, self.port = host, port
        self.deadline, self.interval = deadline, interval
        self.results = results

    def run(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        next_at = time.monotonic()
        while time.monotonic() < self.deadline:
            _, method, path, body = random.choices(MIX, [m[0] for m in MIX])[0]
            data = json.dumps(body).encode() if body else None
            headers = {"content-type": "application/json"} if body else {}
            start = time.monotonic()
            try:
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except Exception:
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
            self.results.append((status, time.monotonic() - start))
            if self.interval:
                next_at += self.interval
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)


def run(url, seconds, threads, rate=None):
    u = urllib.parse.urlparse(url)
    results = []
    deadline = time.monotonic() + seconds
    interval = threads / rate if rate else 0
    workers = [Worker(u.hostname, u.port or 80, deadline, interval, results) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


def summary(results, seconds):
    lat = sorted(r[1] for r in results)
    errors = sum(1 for s, _ in results if s == 0 or s >= 500)
    refused = sum(1 for s, _ in results if s == 429)
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0
    return {
        "requests": len(results),
        "rate": round(len(results) / seconds, 1),
        "errors": errors,
        "rate_limited": refused,
        "p50_ms": round(pct(0.50), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(lat[-1] * 1000, 1) if lat else 0,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--fraction", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--only", help="send only GET PATH (the reference run against nginx)")
    a = ap.parse_args()
    if a.only:
        MIX[:] = [(1, "GET", a.only, None)]
    cpu0 = os.times()
    cap = summary(run(a.url, 20, a.threads), 20)
    print("capacity (closed loop, %d connections, 20 s):" % a.threads, json.dumps(cap))
    target = cap["rate"] * a.fraction
    rss_start = rss_kb(a.pid)
    seconds = a.minutes * 60
    soak = summary(run(a.url, seconds, a.threads, rate=target), seconds)
    rss_end = rss_kb(a.pid)
    cpu1 = os.times()
    print("soak (%.0f%% of capacity, %.1f min):" % (a.fraction * 100, a.minutes), json.dumps(soak))
    print("server RSS: %d kB -> %d kB (%+d kB)" % (rss_start, rss_end, rss_end - rss_start))
    print("generator CPU: %.1f s user + %.1f s system" % (cpu1.user - cpu0.user, cpu1.system - cpu0.system))


if __name__ == "__main__":
    main()
