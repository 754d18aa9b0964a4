#!/usr/bin/env python3
"""side-by-side.sh, size `sqlite`: the ids and cursors the load needs, read from a casebridge SQLite
database (uuids are 16-byte blobs there). Prints shell assignments:
BUREAU, NVIS (cases bureau.officer sees), CB_DIDS (400 bureau cases with records), CB_WIDS
(400 other bureau cases) as GraphQL ids, CB_CURSORS (10 cursors 50 rows apart from the middle
of bureau.officer's list) in casebridge's cursor encoding."""
import base64, random, sqlite3, sys, uuid
from datetime import datetime

db = sqlite3.connect(sys.argv[1])
(bureau,) = db.execute("select department_id from users where login = 'bureau.officer'").fetchone()
vis = ("(department_id = ? or id in (select resulting_case_id from transfers"
       " where resulting_case_id is not null and from_department_id = ?))")
def gid(b): return base64.urlsafe_b64encode(b"Case:" + uuid.UUID(bytes=b).hex.encode()).decode().rstrip("=")
def cursor(b, filed):
    t = datetime.fromisoformat(filed.replace("Z", "+00:00"))
    s = "cases:filed_desc\x1f" + uuid.UUID(bytes=b).hex + "\x1f" + t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")
nvis = db.execute(f"select count(*) from cases where {vis}", (bureau, bureau)).fetchone()[0]
with_records = [r[0] for r in db.execute(
    "select id from cases c where department_id = ? and exists (select 1 from records r where r.case_id = c.id)", (bureau,))]
rng = random.Random(7)
dids = rng.sample(with_records, min(400, len(with_records)))
others = [r[0] for r in db.execute("select id from cases where department_id = ?", (bureau,)) if r[0] not in set(dids)]
wids = rng.sample(others, min(400, len(others)))
depth = nvis // 2
rows = db.execute(f"select id, filed_at from cases where {vis} order by filed_at desc, id desc limit 500 offset ?",
                  (bureau, bureau, depth - 1)).fetchall()
cursors = [cursor(i, f) for n, (i, f) in enumerate(rows) if n % 50 == 0][:10]
print(f"BUREAU={uuid.UUID(bytes=bureau)}")
print(f"NVIS={nvis}")
print(f"CB_DIDS={','.join(gid(i) for i in dids)}")
print(f"CB_WIDS={','.join(gid(i) for i in wids)}")
print(f"CB_CURSORS={','.join(cursors)}")
