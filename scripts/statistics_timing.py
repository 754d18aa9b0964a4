#!/usr/bin/env python3
# Times statistics(year: 2023) against a trivial query on running servers over the given
# databases (seed them first: `casebridge seed --demo [--scale 10]`).
# Usage: scripts/statistics_timing.py target/release/casebridge sqlite:///tmp/x1.db?mode=rwc postgres://…
import json, os, subprocess, sys, time, urllib.request, statistics as st
B = sys.argv[1]; urls = sys.argv[2:]
env = dict(os.environ, CASEBRIDGE_JWT_SECRET="test-secret-test-secret-test-secret-0123456789")
Q = "query { statistics(year: 2023) { cases { total simple general } finesTotal implementationRate { percent } penaltyCoverage { percent } certificateRate { percent } rectificationNotices licencePublications penaltyPublications byMonth { month total fines } overdue { cases transfers } } }"
def post(port, tok, q):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": q}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {tok}"})
    t = time.perf_counter(); body = urllib.request.urlopen(req).read(); return time.perf_counter() - t, json.loads(body)
for i, url in enumerate(urls):
    e = dict(env, DATABASE_URL=url)
    tok = subprocess.check_output([B, "token", "--user", "dashboard"], env=e, stderr=subprocess.DEVNULL).decode().strip()
    port = 18900 + i
    srv = subprocess.Popen([B, "serve", "--bind", f"127.0.0.1:{port}"], env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try: urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz"); break
            except Exception: time.sleep(0.1)
        for _ in range(3): post(port, tok, Q); post(port, tok, "{ __typename }")
        s, b = [], []
        for _ in range(20):
            s.append(post(port, tok, Q)[0]); b.append(post(port, tok, "{ __typename }")[0])
        d = post(port, tok, Q)[1]["data"]["statistics"]
        print(f"{url}: cases={d['cases']['total']} statistics median {st.median(s)*1000:.1f} ms (p90 {sorted(s)[17]*1000:.1f}), baseline {{__typename}} {st.median(b)*1000:.2f} ms, ratio {st.median(s)/st.median(b):.0f}x")
    finally:
        srv.terminate(); srv.wait()
