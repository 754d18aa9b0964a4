#!/usr/bin/env bash
# Where casebridge's CPU goes under load: perf samples of the server while wrk drives one
# operation, grouped by library (allocator, kernel, async-graphql, sqlx, SeaORM, …).
#
#   bench/peer/profile.sh DB OP [SECONDS]     (from the project root; OP = list | detail | page | write)
#
# DB is a PostgreSQL database seeded by side-by-side.sh (KEEP_DB=1 keeps perf_10k / perf_1m).
# Env: CASEBRIDGE (default target/release/casebridge; build it with
# CARGO_PROFILE_RELEASE_DEBUG=line-tables-only for symbols), CB_ENV (extra environment for the
# server, e.g. "CASEBRIDGE_RESPONSE_CACHE_MB=0"), IDS / CURSORS as side-by-side.sh sets them
# (for detail, page and write), OUT (default target/peer-bench/profile).
# Needs perf (linux-perf) and wrk.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DB=${1:?database}; OP=${2:-list}; SECS=${3:-12}
CB=$(realpath "${CASEBRIDGE:-$ROOT/target/release/casebridge}")
OUT=${OUT:-$ROOT/target/peer-bench/profile}; mkdir -p "$OUT"
PORT=${PORT:-5490}
export CASEBRIDGE_JWT_SECRET=${CASEBRIDGE_JWT_SECRET:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
TOKEN=$("$CB" token --user bureau.officer 2>/dev/null); export TOKEN
env ${CB_ENV:-} CASEBRIDGE_RATE_LIMIT=0 CASEBRIDGE_LOG=warn "$CB" serve --bind "127.0.0.1:$PORT" > "$OUT/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.5; done
cd "$(dirname "$0")"
SERVER=cb OP=$OP wrk -t1 -c32 -d3s -s sbs.lua "http://127.0.0.1:$PORT/graphql" > /dev/null   # warm-up
perf record -F 499 -g -p "$PID" -o "$OUT/perf.data" -- sleep "$SECS" > /dev/null 2>&1 &
SERVER=cb OP=$OP wrk -t1 -c32 -d"${SECS}s" --latency -s sbs.lua "http://127.0.0.1:$PORT/graphql" | grep -E "Requests/sec|^ +(50|99)%|errors"
wait %2 2>/dev/null || sleep 1
perf report -i "$OUT/perf.data" --no-children --sort dso,sym -g none 2>/dev/null | grep -v '^#' | grep -v '^$' > "$OUT/flat.txt"
python3 - "$OUT/flat.txt" <<'PY'
import collections, re, sys
groups = [("allocator (malloc/free/memmove)", r"malloc|free|realloc|memcpy|memmove|memset|_int_|unlink_chunk|mi_|alloc::"),
          ("async-graphql (execution, resolvers)", r"async_graphql"), ("sqlx (protocol, row decoding)", r"sqlx"),
          ("SeaORM / sea-query (models, SQL building)", r"sea_orm|sea_query"), ("serde / JSON", r"serde"),
          ("futures (DataLoader, joins)", r"futures"), ("tokio / actix (runtime, HTTP)", r"tokio|actix|mio"),
          ("casebridge's own code", r"casebridge|entity::"), ("JWT / hashing", r"jsonwebtoken|sha2|hmac|ring|base64"),
          ("core / std (strings, hashing, formatting)", r"core::|std::|hashbrown|indexmap|foldhash")]
total = collections.Counter()
for line in open(sys.argv[1]):
    m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)", line)
    if not m: continue
    pct, dso, kind, sym = float(m[1]), m[2], m[3], m[4]
    if kind == "k": total["kernel (scheduling, sockets)"] += pct; continue
    for name, pat in groups:
        if re.search(pat, sym): total[name] += pct; break
    else: total["other: " + dso] += pct
for name, pct in total.most_common(12): print(f"{pct:6.1f}%  {name}")
PY
