#!/usr/bin/env bash
# side-by-side: casebridge, PostGraphile v4 and the plain-SQL floor (pgbench) on the SAME
# PostgreSQL database and the same work, at 10k and/or 1M cases (all traffic to 127.0.0.1);
# and casebridge alone on SQLite at 10k (size `sqlite`).
#
#   bench/peer/side-by-side.sh [10k] [1m] [sqlite]   (from the project root; default: 10k 1m sqlite)
#
# Started from the shared peer-bench tool (tools/peer-bench/side-by-side.sh); what this copy adds:
# it builds the release binary when CASEBRIDGE is not set; 1M cases are seeded by
# `seed --demo --scale` itself (bulk inserts), with the SQL multiplication only as a fallback
# (MULTIPLY=1, or when the seed falls short of TARGET_1M by more than 5%); a second casebridge
# (system `cb0`) runs with its response cache off (CASEBRIDGE_RESPONSE_CACHE_MB=0), so the
# uncached path is measured in the same rounds; statements per request are captured for both;
# the SQLite size; and a summary against the issue's targets.
#
# Env: CASEBRIDGE  release binary (default: cargo build --release, target/release/casebridge);
#      SYSTEMS (default "cb cb0 pgl sql": which systems each operation runs); CB_LOG (casebridge's CASEBRIDGE_LOG, default warn; info adds its line per request); DUR (s, <=20, default 20); WARM (default 4);
#      CONN (default 32); ROUNDS (default 2: casebridge, PostGraphile, pgbench per operation,
#      then all again); SCALE_10K (default 3.25 = ~10k cases); SEED_SCALE_1M (default 32: seeded,
#      then multiplied by SQL up to TARGET_1M, default 1000000); LOAD_MAX (default 0.8) and
#      LOAD_WAIT (s, default 30): before each run wait up to LOAD_WAIT for the 1-min load to
#      drop below LOAD_MAX (or the machine to be idle for 2 s); REUSE=1 keeps a database that
#      already has its cases; KEEP_DB=1 does not drop it at the end; OPS (default
#      "list detail page write"); PGB_CONN (pgbench clients, default CONN; 8 = casebridge's pool); ROUND0 (default 0: the first round's number is ROUND0+1); OUT (default side-by-side-out in the temp folder);
#      PGL_DIR (PostGraphile install, default peer-bench-postgraphile in the temp folder);
#      PGLOG (PostgreSQL's log, for the statement capture; default: from pg_current_logfile
#      or /var/log/postgresql/postgresql-<major>-main.log).
# Needs PostgreSQL on 127.0.0.1:5432 (trust, user postgres), node >= 18, npm, pgbench, curl;
# installs wrk (apt) and postgraphile@4 (npm, into PGL_DIR) when missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${CASEBRIDGE:-}" ]; then (cd "$ROOT" && cargo build --release -q -p casebridge); CASEBRIDGE=$ROOT/target/release/casebridge; fi
CB=$(realpath "$CASEBRIDGE")
cd "$(dirname "$0")"
SYSTEMS=${SYSTEMS:-cb cb0 pgl sql}
CB_LOG=${CB_LOG:-warn}
has() { [[ " $SYSTEMS " == *" $1 "* ]]; }
DUR=${DUR:-20}; WARM=${WARM:-4}; CONN=${CONN:-32}; ROUNDS=${ROUNDS:-2}
SCALE_10K=${SCALE_10K:-3.25}; SEED_SCALE_1M=${SEED_SCALE_1M:-325}; TARGET_1M=${TARGET_1M:-1000000}
LOAD_MAX=${LOAD_MAX:-0.8}; LOAD_WAIT=${LOAD_WAIT:-30}; OPS=${OPS:-list detail page write}; ROUND0=${ROUND0:-0}
SCRATCH=$ROOT/target/peer-bench   # never committed (target/ is ignored)
PGL_DIR=${PGL_DIR:-$SCRATCH/postgraphile}; OUT=${OUT:-$SCRATCH/out}
CB_PORT=${CB_PORT:-5480}; CB0_PORT=${CB0_PORT:-5481}; PGL_PORT=${PGL_PORT:-5433}
CB_URL=http://127.0.0.1:$CB_PORT/graphql; CB0_URL=http://127.0.0.1:$CB0_PORT/graphql; PGL_URL=http://127.0.0.1:$PGL_PORT/graphql
PSQL="psql -h 127.0.0.1 -U postgres -X -q -v ON_ERROR_STOP=1"
(( DUR <= 20 )) || { echo "DUR must be <= 20 s"; exit 1; }
mkdir -p "$OUT"; RES=$OUT/results.tsv; EXTRA=$OUT/figures.txt
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x "$PGL_DIR/node_modules/.bin/postgraphile" ] || (mkdir -p "$PGL_DIR" && cd "$PGL_DIR" &&
  npm init -y >/dev/null && npm install --no-audit --no-fund -s postgraphile@4 @graphile-contrib/pg-simplify-inflector@6)
PGLOG=${PGLOG:-$($PSQL -Atc "select coalesce(current_setting('data_directory') || '/' || pg_current_logfile(), '')" 2>/dev/null || true)}
[ -n "$PGLOG" ] && [ -r "$PGLOG" ] || PGLOG=/var/log/postgresql/postgresql-$($PSQL -Atc "show server_version_num" | cut -c1-2)-main.log
[ -f "$RES" ] || printf 'system\top\tsize\tround\trate/s\tp50_ms\tp99_ms\terrors\tserver_cores\tpg_cores\tloadgen_cores\tbusy_cores\tload1_before\tidle_busy_before\n' > "$RES"
RUN_ID=$(( $(date +%s) % 20000 ))   # makes idempotency keys, record ids and seqs unique across runs

# ---------------------------------------------------------------- processes
CB_PID=; CB0_PID=; PGL_PID=
export CASEBRIDGE_JWT_SECRET=${CASEBRIDGE_JWT_SECRET:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}
db_url() { case $1 in sqlite*) echo "sqlite://$OUT/$1.db?mode=rwc" ;; *) echo "postgres://postgres@127.0.0.1:5432/$1" ;; esac; }
start_cb() {  # start_cb DB: casebridge serve with its defaults, CASEBRIDGE_LOG=$CB_LOG (warn; info logs a line per request); with cb0 in SYSTEMS a second
  # instance on CB0_PORT with the response cache off
  # one login drives all the load: its rate limit (50/s by default) is off, as PostGraphile has none
  DATABASE_URL="$(db_url "$1")" CASEBRIDGE_LOG=$CB_LOG CASEBRIDGE_RATE_LIMIT=0 \
    "$CB" serve --bind "127.0.0.1:$CB_PORT" > "$OUT/casebridge-$1.log" 2>&1 &
  CB_PID=$!
  if has cb0; then
    DATABASE_URL="$(db_url "$1")" CASEBRIDGE_LOG=$CB_LOG CASEBRIDGE_RATE_LIMIT=0 CASEBRIDGE_RESPONSE_CACHE_MB=0 \
      "$CB" serve --bind "127.0.0.1:$CB0_PORT" > "$OUT/casebridge0-$1.log" 2>&1 &
    CB0_PID=$!
  fi
  for _ in $(seq 60); do
    curl -sf "http://127.0.0.1:$CB_PORT/readyz" >/dev/null 2>&1 && { [ -z "$CB0_PID" ] || curl -sf "http://127.0.0.1:$CB0_PORT/readyz" >/dev/null 2>&1; } && return 0
    sleep 0.5
  done
  echo "casebridge did not start"; cat "$OUT/casebridge-$1.log"; exit 1
}
start_pgl() {  # start_pgl DB [env...]: PostGraphile v4 CLI, NODE_ENV=production, no auth
  env NODE_ENV=production "${@:2}" "$PGL_DIR/node_modules/.bin/postgraphile" -c "postgres://postgres@127.0.0.1:5432/$1" \
    -s public --port "$PGL_PORT" --disable-query-log --append-plugins @graphile-contrib/pg-simplify-inflector \
    > "$OUT/postgraphile-$1.log" 2>&1 &
  PGL_PID=$!
  for _ in $(seq 120); do gql pgl '{"query":"{ __typename }"}' >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "postgraphile did not start"; cat "$OUT/postgraphile-$1.log"; exit 1
}
stop_pid() {  # SIGTERM, then SIGKILL after 10 s (a wedged casebridge ignores SIGTERM)
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 20); do kill -0 "$1" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true
}
stop_cb() { [ -z "$CB_PID" ] || stop_pid "$CB_PID"; CB_PID=; [ -z "$CB0_PID" ] || stop_pid "$CB0_PID"; CB0_PID=; }
stop_pgl() { [ -z "$PGL_PID" ] || stop_pid "$PGL_PID"; PGL_PID=; }
db_quiet() {  # up to 60 s for no other active / idle-in-transaction sessions on $DB (a backlog or a wedge)
  local n
  for _ in $(seq 60); do
    n=$($PSQL -Atc "select count(*) from pg_stat_activity where datname = '$DB' and pid <> pg_backend_pid() and state in ('active', 'idle in transaction')")
    [ "$n" = 0 ] && return 0; sleep 1
  done
  echo "$DB still busy after 60 s: $n sessions" | tee -a "$EXTRA"
  $PSQL -Atc "select pid, state, wait_event_type, wait_event, now() - xact_start, pg_blocking_pids(pid), left(query, 100) from pg_stat_activity where datname = '$DB' and state <> 'idle'" >> "$EXTRA"
}
check_servers() {  # after a run: casebridge must still answer /readyz (else log it, kill -9, restart); PostGraphile is
  # restarted after its deep page (it keeps executing the requests wrk gave up on)
  if [ -n "$CB_PID" ] && ! { curl -sf -m 5 "http://127.0.0.1:$CB_PORT/readyz" >/dev/null &&
       { [ -z "$CB0_PID" ] || curl -sf -m 5 "http://127.0.0.1:$CB0_PORT/readyz" >/dev/null; }; }; then
    echo "casebridge WEDGED after $1 (readyz timed out); sessions:" | tee -a "$EXTRA"
    $PSQL -Atc "select pid, state, wait_event_type, wait_event, now() - xact_start, pg_blocking_pids(pid), left(query, 100) from pg_stat_activity where datname = '$DB' and state <> 'idle'" | tee -a "$EXTRA"
    stop_cb; db_quiet; start_cb "$DB"
  fi
  if [ "$1" = pgl-page ]; then stop_pgl; db_quiet; start_pgl "$DB"; fi
  db_quiet
}
trap 'stop_cb; stop_pgl' EXIT
rss() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null || echo "?"; }   # rss PID VmRSS|VmHWM (kB)

gql() {  # gql cb|pgl BODY_JSON: one POST, the reply on stdout; fails on an "errors" member
  local url=$CB_URL auth=(); [ "$1" = pgl ] && url=$PGL_URL; [ "$1" = cb0 ] && url=$CB0_URL
  [ "$1" != pgl ] && auth=(-H "Authorization: Bearer ${TOKEN:-}")
  local r; r=$(curl -s "$url" -H 'Content-Type: application/json' "${auth[@]}" --data-binary "$2")
  echo "$r"; [[ "$r" == *'"data"'* && "$r" != *'"errors"'* ]]
}
body() {  # body FILE [VARIABLES_JSON]: the JSON request for a .graphql file
  node -e 'const fs=require("fs");process.stdout.write(JSON.stringify({query:fs.readFileSync(process.argv[1],"utf8"),variables:JSON.parse(process.argv[2]||"{}")}))' "$1" "${2:-{\}}"
}
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=new Function("d","return "+process.argv[1])(JSON.parse(s));console.log(typeof v=="object"?JSON.stringify(v):v)})' "$1"; }

# ---------------------------------------------------------------- measuring
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
proc_cpu() { [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && awk '{print $14+$15}' "/proc/$1/stat" || echo 0; }
pg_cpu() {  # "pid ticks" of every postgres process (one awk over their /proc/PID/stat)
  local pids; pids=$(pgrep -x postgres | sed 's|.*|/proc/&/stat|' | tr '\n' ' ')
  [ -n "$pids" ] && awk '$2 == "(postgres)" {print $1, $14+$15}' $pids 2>/dev/null || true
}
wait_quiet() {  # up to LOAD_WAIT s for load1 < LOAD_MAX or an idle machine (< 0.25 busy cores over 2 s)
  local t0=$SECONDS b0 t0b b1 t1b
  while :; do
    read -r b0 t0b < <(busy); sleep 2; read -r b1 t1b < <(busy)
    IDLE_BUSY=$(awk -v b="$((b1 - b0))" -v t="$((t1b - t0b))" -v n="$(nproc)" 'BEGIN{printf "%.2f", t ? b/t*n : 0}')
    LOAD1=$(cut -d' ' -f1 /proc/loadavg)
    awk -v l="$LOAD1" -v m="$LOAD_MAX" -v i="$IDLE_BUSY" 'BEGIN{exit !(l < m || i < 0.25)}' && return 0
    (( SECONDS - t0 >= LOAD_WAIT )) && return 0
  done
}
measure() {  # measure NAME PID_TO_WATCH CMD...: run CMD (bounded), CPU of the process, PostgreSQL, loadgen, machine
  local b0 t0 b1 t1 n0 n1 hz; hz=$(getconf CLK_TCK)
  # PostgreSQL's CPU: backends of pgbench exit with it, so sample every 0.5 s and keep each pid's last value
  pg_cpu > "$OUT/pg0"; ( while sleep 0.5; do pg_cpu; done ) > "$OUT/pg1" & local sampler=$!
  read -r b0 t0 < <(busy); n0=$(proc_cpu "$2")
  /usr/bin/time -f '%e %U %S' -o "$OUT/time" timeout 40 "${@:3}" > "$OUT/$1.txt" 2>&1 || true
  read -r b1 t1 < <(busy); n1=$(proc_cpu "$2"); kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; pg_cpu >> "$OUT/pg1"
  local pgd; pgd=$(awk 'NR==FNR{a[$1]=$2; next} {last[$1]=$2} END{for (p in last) d += last[p] - (p in a ? a[p] : 0); print d+0}' "$OUT/pg0" "$OUT/pg1")
  read -r el us sy < <(tail -1 "$OUT/time")
  CPU=$(awk -v el="$el" -v us="$us" -v sy="$sy" -v n="$((n1 - n0))" -v pg="$pgd" -v b="$((b1 - b0))" -v t="$((t1 - t0))" \
        -v hz="$hz" -v nc="$(nproc)" -v srv="$2" 'BEGIN{if (el <= 0) el = 1; if (t <= 0) t = 1; printf "%s\t%.2f\t%.2f\t%.2f", srv ? sprintf("%.2f", n/hz/el) : "-", pg/hz/el, (us+sy)/el, b/t*nc}')
}
wrk_run() {  # wrk_run cb|pgl OP SIZE ROUND: env for sbs.lua set by the caller
  local sys=$1 url=$CB_URL pid=$CB_PID name="$1-$2-$3-r$4" server=cb
  [ "$sys" = pgl ] && { url=$PGL_URL; pid=$PGL_PID; server=pgl; }
  [ "$sys" = cb0 ] && { url=$CB0_URL; pid=$CB0_PID; }
  has "$sys" || return 0
  RUN=$((RUN_ID * 10 + 1)) SERVER=$server OP=$2 timeout 30 wrk -t1 -c"$CONN" -d"${WARM}s" --timeout 10s -s sbs.lua "$url" > "$OUT/$name-warm.txt" 2>&1 || true
  RUN_ID=$((RUN_ID + 1)); wait_quiet
  RUN=$((RUN_ID * 10 + 2)) SERVER=$server OP=$2 measure "$name" "$pid" wrk -t1 -c"$CONN" -d"${DUR}s" --timeout 10s --latency -s sbs.lua "$url"
  RUN_ID=$((RUN_ID + 1))
  awk -v s="$sys" -v o="$2" -v z="$3" -v r="$4" -v cpu="$CPU" -v l="$LOAD1" -v i="$IDLE_BUSY" '
    function ms(v){ if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/{r2=$2} /^ +50%/{p50=ms($2)} /^ +99%/{p99=ms($2)}
    /Non-2xx/{e+=$NF} /Socket errors/{gsub(/,/,""); e+=$4+$6+$8+$10} /graphql_errors/{e+=$2}
    END{printf "%s\t%s\t%s\t%s\t%.0f\t%.2f\t%.2f\t%d\t%s\t%s\t%s\n", s, o, z, r, r2, p50, p99, e, cpu, l, i}' "$OUT/$name.txt" | tee -a "$RES"
  check_servers "$sys-$2"
}
pgb_run() {  # pgb_run OP SIZE ROUND FILE [pgbench args]
  has sql || return 0
  local a=(-h 127.0.0.1 -U postgres -n -M prepared -f "$4" -c "${PGB_CONN:-$CONN}" -j 1 "${@:5}") name="sql-$1-$2-r$3"
  timeout 30 pgbench "${a[@]}" -T "$WARM" "$DB" >/dev/null 2>&1 || true; db_quiet
  rm -f "$OUT"/pgb.*; wait_quiet
  measure "$name" "" pgbench "${a[@]}" -T "$DUR" -l --log-prefix="$OUT/pgb" "$DB"
  sort -n -k3,3 "$OUT"/pgb.* | awk -v o="$1" -v z="$2" -v r="$3" -v cpu="$CPU" -v f="$OUT/$name.txt" -v l="$LOAD1" -v i="$IDLE_BUSY" '
    {lat[NR]=$3; if ($3 < 0 || $2 ~ /failed/) e++} END{ while ((getline x < f) > 0) { if (x ~ /^tps/) { split(x, a, " "); rate=a[3] } if (x ~ /^number of failed/) { split(x, b, ": "); e+=b[2]+0 } }
      printf "sql\t%s\t%s\t%s\t%.0f\t%.2f\t%.2f\t%d\t%s\t%s\t%s\n", o, z, r, rate, lat[int(NR*0.5)]/1000, lat[int(NR*0.99)]/1000, e, cpu, l, i }' | tee -a "$RES"
}

# ---------------------------------------------------------------- SQLite (casebridge alone, 10k)
run_sqlite() {  # the embedded default: WAL, casebridge's own pool; list, detail, deep page, write
  local DB=sqlite_10k f="$OUT/sqlite_10k.db" size=sqlite save=$SYSTEMS
  if [ "${REUSE:-0}" != 1 ] || [ ! -s "$f" ]; then
    rm -f "$f" "$f-wal" "$f-shm"
    echo "== $DB: migrate + seed --demo --scale $SCALE_10K"
    DATABASE_URL=$(db_url $DB) "$CB" migrate > "$OUT/migrate-$size.log" 2>&1
    s0=$(date +%s.%N); DATABASE_URL=$(db_url $DB) "$CB" seed --demo --scale "$SCALE_10K" > "$OUT/seed-$size.log" 2>&1; s1=$(date +%s.%N)
    seeded=$(sqlite3 "$f" "select count(*) from cases")
    awk -v n="$seeded" -v a="$s0" -v b="$s1" -v s="$SCALE_10K" 'BEGIN{printf "seed sqlite: scale %s, %d cases in %.1f s = %.0f cases/s\n", s, n, b-a, n/(b-a)}' | tee -a "$EXTRA"
  fi
  eval "$(python3 sqlite-ids.py "$f")"
  TOKEN=$(DATABASE_URL=$(db_url $DB) "$CB" token --user bureau.officer); export TOKEN
  SYSTEMS=cb; start_cb "$DB"; sleep 2; CB_RSS0=$(rss "$CB_PID" VmRSS)
  total=$(gql cb '{"query":"{ cases(first: 1) { totalCount } }"}' | json 'd.data.cases.totalCount')
  [ "$total" = "$NVIS" ] || { echo "casebridge on SQLite does not serve the rows ($total vs $NVIS)"; exit 1; }
  gql cb "$(body sbs-cb-list.graphql "{\"after\":\"${CB_CURSORS%%,*}\"}")" > /dev/null || { echo "deep page failed on SQLite"; exit 1; }
  echo "sqlite: $(sqlite3 "$f" "select count(*) from cases") cases, bureau.officer sees $NVIS" | tee -a "$EXTRA"
  for round in $(seq $((ROUND0 + 1)) $((ROUND0 + ROUNDS))); do
    for op in $OPS; do
      case $op in
        list) IDS= wrk_run cb list "$size" "$round" ;;
        page) IDS= CURSORS=$CB_CURSORS wrk_run cb page "$size" "$round" ;;
        detail) IDS=$CB_DIDS wrk_run cb detail "$size" "$round" ;;
        write) IDS=$CB_WIDS wrk_run cb write "$size" "$round" ;;
      esac
    done
  done
  echo "RSS sqlite (kB): casebridge at rest $CB_RSS0, after $(rss "$CB_PID" VmRSS), peak $(rss "$CB_PID" VmHWM)" | tee -a "$EXTRA"
  stop_cb; SYSTEMS=$save
}

# ---------------------------------------------------------------- one size
for size in ${*:-10k 1m sqlite}; do
  case $size in 10k) SCALE=$SCALE_10K ;; 1m) SCALE=$SEED_SCALE_1M ;; sqlite) run_sqlite; continue ;; *) echo "size: 10k, 1m or sqlite"; exit 1 ;; esac
  DB=perf_$size; export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
  have=$($PSQL -d "$DB" -Atc "select count(*) from cases" 2>/dev/null || echo 0)
  if [ "${REUSE:-0}" != 1 ] || [ "$have" -lt 1000 ]; then
    echo "== $DB: migrate + seed --demo --scale $SCALE"
    $PSQL -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    "$CB" migrate > "$OUT/migrate-$size.log" 2>&1
    s0=$(date +%s.%N); "$CB" seed --demo --scale "$SCALE" > "$OUT/seed-$size.log" 2>&1; s1=$(date +%s.%N)
    seeded=$($PSQL -d "$DB" -Atc "select count(*) from cases")
    awk -v n="$seeded" -v a="$s0" -v b="$s1" -v z="$size" -v s="$SCALE" 'BEGIN{printf "seed %s: scale %s, %d cases in %.1f s = %.0f cases/s\n", z, s, n, b-a, n/(b-a)}' | tee -a "$EXTRA"
    if [ "$size" = 1m ] && { [ "${MULTIPLY:-0}" = 1 ] || (( seeded * 100 < TARGET_1M * 95 )); }; then
      copies=$(( (TARGET_1M + seeded - 1) / seeded - 1 ))
      echo "== $DB: multiplying by $((copies + 1)) with SQL (sbs-multiply.sql)"
      m0=$(date +%s); $PSQL -d "$DB" -v copies="$copies" -f sbs-multiply.sql | tee -a "$EXTRA"; m1=$(date +%s)
      echo "multiply 1m: $((m1 - m0)) s" | tee -a "$EXTRA"
    fi
    $PSQL -d "$DB" -c "VACUUM ANALYZE"
  fi
  NCASES=$($PSQL -d "$DB" -Atc "select count(*) from cases")
  TOKEN=$("$CB" token --user bureau.officer); ADMIN_TOKEN=$("$CB" token --user admin); export TOKEN
  BUREAU=$($PSQL -d "$DB" -Atc "select department_id from users where login = 'bureau.officer'")
  BY=$($PSQL -d "$DB" -Atc "select id from users where login = 'bureau.officer'"); export BY
  VIS="department_id = '$BUREAU' or id in (select resulting_case_id from transfers where resulting_case_id is not null and from_department_id = '$BUREAU')"
  NVIS=$($PSQL -d "$DB" -Atc "select count(*) from cases where $VIS")
  # detail: 400 random bureau cases that have records (the demo gives records to some 8% of cases);
  # write: 400 other random bureau cases. bureau.officer may read all of them and submit records to them.
  DIDS=$($PSQL -d "$DB" -At -c "select setseed(0.7)" -c "select string_agg(id::text, ',') from (select id from cases c
      where department_id = '$BUREAU' and exists (select 1 from records r where r.case_id = c.id) order by random() limit 400) s" | tail -1)
  WIDS=$($PSQL -d "$DB" -At -c "select setseed(0.3)" -c "select string_agg(id::text, ',') from (select id from cases
      where department_id = '$BUREAU' and id <> all ('{$DIDS}'::uuid[]) order by random() limit 400) s" | tail -1)
  DPIDS=$($PSQL -d "$DB" -Atc "select string_agg(c.party_id::text, ',' order by u.n) from unnest('{$DIDS}'::uuid[]) with ordinality u(id, n) join cases c on c.id = u.id")
  b64id="rtrim(translate(encode(convert_to('Case:' || replace(id::text, '-', ''), 'UTF8'), 'base64'), '+/', '-_'), '=')"
  CB_DIDS=$($PSQL -d "$DB" -Atc "select string_agg($b64id, ',' order by n) from unnest('{$DIDS}'::uuid[]) with ordinality u(id, n)")
  CB_WIDS=$($PSQL -d "$DB" -Atc "select string_agg($b64id, ',' order by n) from unnest('{$WIDS}'::uuid[]) with ordinality u(id, n)")
  LIST_PIDS=$($PSQL -d "$DB" -Atc "select string_agg(party_id::text, ',' order by rn) from (select party_id,
      row_number() over (order by filed_at desc, id desc) rn from cases where $VIS order by filed_at desc, id desc limit 50) s")
  # 10 deep cursors, 50 rows apart, from the middle of bureau.officer's list (row 500,000 at 1M)
  DEPTH=$(( NVIS / 2 < 500000 ? NVIS / 2 : 500000 ))
  $PSQL -d "$DB" -At -F '|' -c "select id, to_json(filed_at)::text,
        replace(rtrim(translate(encode(convert_to('cases:filed_desc' || chr(31) || replace(id::text, '-', '') || chr(31)
          || to_char(filed_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '000Z', 'UTF8'), 'base64'), '+/', '-_'), '='), chr(10), ''),
        filed_at, rn
      from (select id, filed_at, row_number() over (order by filed_at desc, id desc) rn from cases where $VIS) s
      where rn >= $DEPTH and rn < $DEPTH + 500 and (rn - $DEPTH) % 50 = 0 order by rn" > "$OUT/deep-$size.txt"
  CB_CURSORS=$(cut -d'|' -f3 "$OUT/deep-$size.txt" | paste -sd,)
  CUR_AT="{$(cut -d'|' -f4 "$OUT/deep-$size.txt" | sed 's/.*/"&"/' | paste -sd,)}"
  CUR_ID="{$(cut -d'|' -f1 "$OUT/deep-$size.txt" | paste -sd,)}"
  PAGE_PIDS=$($PSQL -d "$DB" -Atc "select string_agg(party_id::text, ',' order by rn) from (select party_id,
      row_number() over (order by filed_at desc, id desc) rn from cases where $VIS) s
      where rn > $DEPTH and rn <= $DEPTH + 500")
  echo "$size: $NCASES cases, bureau.officer sees $NVIS; deep page cursors at rows $DEPTH..$((DEPTH + 450))" | tee -a "$EXTRA"

  # ---- casebridge: check it serves the rows, check the cursor encoding, capture its SQL per request
  $PSQL -c "ALTER DATABASE $DB SET log_min_duration_statement = 0"
  start_cb "$DB"
  total=$(gql cb '{"query":"{ cases(first: 1) { totalCount } }"}' | json 'd.data.cases.totalCount')
  echo "casebridge totalCount as bureau.officer: $total (SQL: $NVIS)" | tee -a "$EXTRA"
  [ "$total" = "$NVIS" ] || { echo "casebridge does not serve the rows"; exit 1; }
  p1=$(gql cb "$(body sbs-cb-list.graphql)")
  row50=$($PSQL -d "$DB" -Atc "select replace(rtrim(translate(encode(convert_to('cases:filed_desc' || chr(31) || replace(id::text, '-', '') || chr(31)
          || to_char(filed_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '000Z', 'UTF8'), 'base64'), '+/', '-_'), '='), chr(10), '')
      from cases where $VIS order by filed_at desc, id desc offset 49 limit 1")
  [ "$(json 'd.data.cases.pageInfo.endCursor' <<< "$p1")" = "$row50" ] || { echo "cursor encoding differs from casebridge's"; exit 1; }
  first_id=${CB_DIDS%%,*}; first_cur=${CB_CURSORS%%,*}; wid=${CB_WIDS%%,*}
  for sys in cb cb0; do
  has "$sys" || continue
  for op in list detail page write; do
    case $op in
      list) b=$(body sbs-cb-list.graphql) ;;
      page) b=$(body sbs-cb-list.graphql "{\"after\":\"$first_cur\"}") ;;
      detail) b=$(body sbs-cb-detail.graphql "{\"id\":\"$first_id\"}") ;;
      write) b=$(body sbs-cb-write.graphql "{\"caseId\":\"$wid\",\"key\":\"capture-$sys-$RUN_ID-0\"}") ;;
    esac
    for i in $(seq 16); do  # fill the statement caches of every pooled connection first
      if [ "$op" = write ]; then gql "$sys" "$(body sbs-cb-write.graphql "{\"caseId\":\"$wid\",\"key\":\"capture-$sys-$RUN_ID-w$i\"}")" > /dev/null
      else gql "$sys" "$b" > /dev/null; fi
    done
    sleep 1; from=$(stat -c %s "$PGLOG")
    gql "$sys" "$b" > "$OUT/$sys-$op-$size.json" || { echo "casebridge $op failed:"; cat "$OUT/$sys-$op-$size.json"; exit 1; }
    sleep 1; tail -c +$((from + 1)) "$PGLOG" | grep -a "@$DB " > "$OUT/$sys-$op-$size.sqllog" || true
    n_exec=$(grep -acE 'duration: .* (execute|statement: )' "$OUT/$sys-$op-$size.sqllog" || true)
    n_parse=$(grep -acE 'duration: .* parse ' "$OUT/$sys-$op-$size.sqllog" || true)
    label=casebridge; [ "$sys" = cb0 ] && label="casebridge (response cache off)"
    echo "$label $op ($size): $n_exec statements executed per request ($n_parse parsed)" | tee -a "$EXTRA"
  done
  done
  stop_cb
  $PSQL -c "ALTER DATABASE $DB RESET log_min_duration_statement"

  # ---- PostGraphile: its cursors for the same deep rows
  PGL_CURSORS=
  if has pgl; then
  start_pgl "$DB"
  pgl_total=$(gql pgl '{"query":"{ cases { totalCount } }"}' | json 'd.data.cases.totalCount')
  echo "PostGraphile totalCount: $pgl_total" | tee -a "$EXTRA"
  prefix=$(gql pgl "$(body sbs-pgl-list.graphql)" | json 'd.data.cases.pageInfo.endCursor' | base64 -d | sed 's/,\[[^]]*\]\]$//')
  PGL_CURSORS=$(while IFS='|' read -r id at _; do printf '%s,[%s,"%s"]]' "$prefix" "$at" "$id" | base64 -w0; echo; done < "$OUT/deep-$size.txt" | paste -sd,)
  c1=${PGL_CURSORS%%,*}; IFS='|' read -r id1 _ _ at1 _ < "$OUT/deep-$size.txt"
  expect=$($PSQL -d "$DB" -Atc "select id from cases where (filed_at, id) < ('$at1', '$id1') order by filed_at desc, id desc limit 1")
  got=$(gql pgl "$(body sbs-pgl-list.graphql "{\"after\":\"$c1\"}")" | json 'd.data.cases.edges[0].node.id')
  [ "$got" = "$expect" ] || { echo "PostGraphile's deep page does not end where expected ($got vs $expect)"; exit 1; }
  stop_pgl
  fi

  # ---- measurements: per operation casebridge, PostGraphile, pgbench; ROUNDS times
  start_cb "$DB"; sleep 2; CB_RSS0=$(rss "$CB_PID" VmRSS); CB0_RSS0=$(rss "$CB0_PID" VmRSS)
  PGL_RSS0=-; if has pgl; then start_pgl "$DB"; sleep 2; PGL_RSS0=$(rss "$PGL_PID" VmRSS); fi
  NIDS=$(tr ',' '\n' <<< "$DIDS" | wc -l)
  for round in $(seq $((ROUND0 + 1)) $((ROUND0 + ROUNDS))); do
    for op in $OPS; do
      case $op in
        page) IDS= CURSORS=$CB_CURSORS wrk_run cb page "$size" "$round"
              IDS= CURSORS=$CB_CURSORS wrk_run cb0 page "$size" "$round"
              IDS= CURSORS=$PGL_CURSORS wrk_run pgl page "$size" "$round"
              pgb_run page "$size" "$round" sbs-floor-page.sql -D "cur_at=$CUR_AT" -D "cur_id=$CUR_ID" -D ncur=10 \
                -D "pids={$PAGE_PIDS}" -D "bureau=$BUREAU" -D "by=$BY" ;;
        list) IDS= wrk_run cb list "$size" "$round"; IDS= wrk_run cb0 list "$size" "$round"; IDS= wrk_run pgl list "$size" "$round"
              pgb_run list "$size" "$round" sbs-floor-list.sql -D "pids={$LIST_PIDS}" -D "bureau=$BUREAU" -D "by=$BY" ;;
        detail) IDS=$CB_DIDS wrk_run cb detail "$size" "$round"; IDS=$CB_DIDS wrk_run cb0 detail "$size" "$round"
              IDS=$DIDS wrk_run pgl detail "$size" "$round"
              pgb_run detail "$size" "$round" sbs-floor-detail.sql -D "ids={$DIDS}" -D "pids={$DPIDS}" -D nids="$NIDS" \
                -D "bureau=$BUREAU" -D "by=$BY" ;;
        write) IDS=$CB_WIDS wrk_run cb write "$size" "$round"; IDS=$WIDS wrk_run pgl write "$size" "$round"
              pgb_run write "$size" "$round" sbs-floor-write.sql -D "ids={$WIDS}" -D nids="$(tr ',' '\n' <<< "$WIDS" | wc -l)" \
                -D "by=$BY" -D "run=$((RUN_ID++))" -D "bureau=$BUREAU" ;;
      esac
    done
  done
  echo "RSS $size (kB): casebridge at rest $CB_RSS0, after $(rss "$CB_PID" VmRSS), peak $(rss "$CB_PID" VmHWM);" \
       "PostGraphile at rest $PGL_RSS0, after $(rss "$PGL_PID" VmRSS), peak $(rss "$PGL_PID" VmHWM)" | tee -a "$EXTRA"
  [ -z "$CB0_PID" ] || echo "RSS $size (kB): casebridge with the response cache off at rest $CB0_RSS0, after $(rss "$CB0_PID" VmRSS), peak $(rss "$CB0_PID" VmHWM)" | tee -a "$EXTRA"
  stop_pgl

  # ---- statistics(year: 2023) as admin, single client, median of 20 (after 3), with a { __typename } baseline
  STATS='{"query":"{ statistics(year: 2023) { cases { total simple general } finesTotal townCases { simple general } implementationRate { numerator denominator percent } penaltyCoverage { percent } rectificationNotices transfersReceived { category count } penaltyPublications certificateRate { percent } firstViolationExemptions byMonth { month total fines } } }"}'
  for sys in cb cb0; do
  has "$sys" || continue
  url=$CB_URL; [ "$sys" = cb0 ] && url=$CB0_URL
  for q in "$STATS" '{"query":"{ __typename }"}'; do
    label="statistics ($sys)"; [[ "$q" == *__typename* ]] && label="__typename ($sys)"
    for i in $(seq 23); do
      curl -s -o "$OUT/stats.json" -w '%{time_total}\n' "$url" -H 'Content-Type: application/json' -H "Authorization: Bearer $ADMIN_TOKEN" --data-binary "$q"
    done | tail -20 | sort -n | awk -v z="$size" -v q="$label" '{a[NR]=$1*1000} END{printf "%s %s: median %.1f ms of 20 (min %.1f, max %.1f), single client, admin\n", z, q, (a[10]+a[11])/2, a[1], a[NR]}' | tee -a "$EXTRA"
    grep -q '"errors"' "$OUT/stats.json" && { echo "statistics failed:"; head -c 500 "$OUT/stats.json"; }
  done
  done
  stop_cb
  [ "${KEEP_DB:-0}" = 1 ] || $PSQL -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
done
rm -f "$OUT"/pgb.* "$OUT"/pg0 "$OUT"/pg1 "$OUT/time"

# ---------------------------------------------------------------- summary and ratios
echo; echo "== results ($RES); cores are of $(nproc); DUR=${DUR}s CONN=$CONN; load1/idle_busy before each run"
column -t -s $'\t' "$RES"; echo; cat "$EXTRA"; echo
# Per operation and size, the mean over rounds of each system's rate and p50/p99, and the ratios
# the issue's targets are stated in (casebridge ÷ PostGraphile; cb0 is casebridge with its
# response cache off; sql is pgbench replaying casebridge's captured statements).
awk -F'\t' 'NR > 1 { k = $2 "\t" $3; r[$1, k] += $5; p[$1, k] += $6; q[$1, k] += $7; n[$1, k]++; keys[k] = 1 }
  function m(a, s, k) { return n[s, k] ? a[s, k] / n[s, k] : 0 }
  function rt(x, y) { return y ? sprintf("%.2fx", x / y) : "-" }
  END { printf "%-7s %-6s | %8s %8s %8s %8s | %-9s %-9s %-9s | %s\n", "op", "size", "cb/s", "cb0/s", "pgl/s", "sql/s",
          "cb÷pgl", "cb0÷pgl", "cb÷sql", "p99 ms cb / cb0 / pgl"
        for (k in keys) { split(k, a, "\t")
          printf "%-7s %-6s | %8.0f %8.0f %8.0f %8.0f | %-9s %-9s %-9s | %.1f / %.1f / %.1f\n", a[1], a[2],
            m(r, "cb", k), m(r, "cb0", k), m(r, "pgl", k), m(r, "sql", k),
            rt(m(r, "cb", k), m(r, "pgl", k)), rt(m(r, "cb0", k), m(r, "pgl", k)), rt(m(r, "cb", k), m(r, "sql", k)),
            m(q, "cb", k), m(q, "cb0", k), m(q, "pgl", k) } }' "$RES" | sort -k2,2 -k1,1 | tee "$OUT/ratios.txt"
awk -F'\t' 'NR > 1 { k = $1 "\t" $2 "\t" $3; p[k] += $6; n[k]++ }
  END { split("cb cb0 pgl sql", ss, " ")
        for (i = 1; i <= 4; i++) { x = ss[i]
          l10 = n[x "\tlist\t10k"] ? p[x "\tlist\t10k"] / n[x "\tlist\t10k"] : 0; l1m = n[x "\tlist\t1m"] ? p[x "\tlist\t1m"] / n[x "\tlist\t1m"] : 0
          d1m = n[x "\tpage\t1m"] ? p[x "\tpage\t1m"] / n[x "\tpage\t1m"] : 0
          if (l10 && l1m) printf "%s list p50 at 1m / at 10k: %.2fx\n", x, l1m / l10
          if (l1m && d1m) printf "%s deep page p50 / page-one p50 at 1m: %.2fx\n", x, d1m / l1m } }' "$RES" | tee -a "$OUT/ratios.txt"
echo "targets: list 1m >= 3x, detail >= 1.5x, write >= 1.5x PostGraphile at no worse p99; deep page within 1.5x of page one;" \
     "list p50 1m within 1.5x of 10k; statements list <= 2, detail <= 2, write <= 6; statistics 1m < 300 ms; seed 1m < 5 min"
