#!/usr/bin/env python3
"""The forestry story of the 2023 report, against a running casebridge (standard library only).

Natural resources transfers a forestry case; the bureau accepts, investigates, records,
serves notice of a fine, records the party's statement and defence, has a major case legally
reviewed, decides and delivers, records the payment and closes the case; natural resources
reads the result; a court trainee follows it anonymised.

    export CASEBRIDGE_JWT_SECRET=$(openssl rand -hex 32)
    cargo run --release -- serve --demo &          # uses the secret above
    python3 examples/forestry_story.py http://127.0.0.1:8080

`token` reads the same database as the server: export DATABASE_URL for both when it is not
the default.
"""
import json
import os
import shlex
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta, timezone
from decimal import Decimal

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"


# How to run casebridge for `token` (e.g. CASEBRIDGE_CMD=target/release/casebridge).
CMD = shlex.split(os.environ.get("CASEBRIDGE_CMD", "cargo run --release -q --"))


def token(login):
    out = subprocess.run([*CMD, "token", "--user", login], check=True, capture_output=True, text=True)
    return out.stdout.strip()


TOKENS = {}


def gql(login, query, variables=None):
    if login not in TOKENS:
        TOKENS[login] = token(login)
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(f"{BASE}/graphql", body, {
        "content-type": "application/json", "authorization": f"Bearer {TOKENS[login]}"})
    reply = json.load(urllib.request.urlopen(req))
    if reply.get("errors"):
        raise SystemExit(f"{login}: {reply['errors']}")
    return reply["data"]


def move(login, case, action, **inp):
    q = """mutation($id: ID!, $v: Int!, $a: CaseAction!, $i: TransitionInput) {
      transitionCase(id: $id, expectedVersion: $v, action: $a, input: $i) { id version status } }"""
    case.update(gql(login, q, {"id": case["id"], "v": case["version"], "a": action, "i": inp})["transitionCase"])
    print(f"  {login:<16} {action:<18} -> {case['status']}")


bureau = next(d["id"] for d in gql("nr.liaison", "{ departments { id code } }")["departments"] if d["code"] == "bureau")
forestry = gql("nr.liaison", """{ matters(first: 1, filter: {domain: "林业"}) { edges { node {
                  code fineRange { personMin personMax } } } } }""")["matters"]["edges"][0]["node"]
matter = forestry["code"]
# R12: the fine lies within the matter's discretion benchmark for a person, when it has one.
FINE = Decimal("120000")
bounds = forestry["fineRange"] or {}
low, high = (Decimal(bounds[k]) if bounds.get(k) is not None else None for k in ("personMin", "personMax"))
if high is not None and FINE > high:
    FINE = high
if low is not None and FINE < low:
    FINE = low
FINE = str(FINE)
SHANGHAI = timezone(timedelta(hours=8))

print("1. natural resources transfers a forestry case (林业督查)")
t = gql("nr.liaison", """mutation($i: RequestTransferInput!) { requestTransfer(input: $i) { id status answerDue } }""",
        {"i": {"toDepartmentId": bureau, "category": "FORESTRY", "matterCode": matter,
               "subject": "林业督查图斑:擅自改变林地用途", "facts": "卫片执法发现林地被硬化约0.2亩。",
               # R6+: the act's date goes with the request; acceptance checks the limitation period.
               "occurredAt": (datetime.now(timezone.utc) - timedelta(days=30)).isoformat(),
               "party": {"kind": "PERSON", "name": "林建国", "idNumber": "11010519491231002X"}}})["requestTransfer"]
print(f"  transfer {t['status']}, answer due {t['answerDue']}")

officers = [e["node"]["id"] for e in gql("bureau.officer",
            "{ users(first: 2, filter: {certified: true, role: BUREAU_OFFICER}) { edges { node { id } } } }")["users"]["edges"]]
print("2. the bureau accepts: its case is filed in the same transaction")
a = gql("bureau.officer", """mutation($id: ID!, $i: AcceptTransferInput) { acceptTransfer(id: $id, input: $i) {
        status resultingCase { id version status caseNo } } }""", {"id": t["id"], "i": {"officerIds": officers}})["acceptTransfer"]
case = a["resultingCase"]
print(f"  {case['caseNo']} {case['status']}")

print("3. investigation, field record, notice, statement, [hearing waived, legal review], decision, delivery")
move("bureau.officer", case, "INVESTIGATE")
gql("bureau.officer", "mutation($i: SubmitRecordInput!) { submitRecord(input: $i) { hash } }",
    {"i": {"idempotencyKey": f"story-{case['id']}", "caseId": case["id"], "kind": "INSPECTION",
           "content": "现场勘验:林地被硬化约0.2亩,拍照取证。", "recordedAt": datetime.now(timezone.utc).isoformat()}})
case["version"] = gql("bureau.officer", "query($id: ID!) { case(id: $id) { version } }", {"id": case["id"]})["case"]["version"]
move("bureau.officer", case, "SERVE_NOTICE", fineAmount=FINE, penalties=["FINE"])
# R3+: the party states its case and defends itself, so the decision need not wait for the window.
move("bureau.officer", case, "RECORD_STATEMENT", note="当事人陈述申辩:对违法事实无异议,请求从轻处罚,无新证据")
served = gql("bureau.officer", "query($id: ID!) { case(id: $id) { major hearingRequestDue statementDue } }",
             {"id": case["id"]})["case"]
print(f"  fine {FINE} yuan, statement due {served['statementDue']}, hearing-level: {served['hearingRequestDue'] is not None}")
if served["hearingRequestDue"] is not None:
    move("bureau.officer", case, "WAIVE_HEARING", note="当事人放弃听证")
if served["major"]:
    move("bureau.officer", case, "SUBMIT_FOR_REVIEW")
    move("bureau.reviewer", case, "APPROVE_REVIEW", note="事实清楚,证据确凿")
move("bureau.officer", case, "DECIDE", fineAmount=FINE, penalties=["FINE"])
move("bureau.officer", case, "DELIVER")

print("   the party pays the fine in full, and the case closes")
today = datetime.now(SHANGHAI).date().isoformat()
paid = gql("bureau.officer", """mutation($c: ID!, $i: PaymentInput!) { recordPayment(caseId: $c, input: $i) {
           version status paidAmount paymentDue } }""",
           {"c": case["id"], "i": {"amount": FINE, "paidOn": today,
                                   "receiptNo": f"3303{today.replace('-', '')}{case['id'][-8:]}"}})["recordPayment"]
print(f"  {'bureau.officer':<16} {'recordPayment':<18} paid {paid['paidAmount']} on {today}")
case["version"] = paid["version"]
move("bureau.officer", case, "CLOSE")

print("4. natural resources reads the result")
seen = gql("nr.liaison", """query($id: ID!) { node(id: $id) { ... on Transfer { status resultingCase {
           caseNo status fineAmount paidAmount closedAt timeline { kind at } } } } }""", {"id": t["id"]})["node"]
print(json.dumps(seen, ensure_ascii=False, indent=2))

print("5. a court trainee follows it, anonymised")
trainee = gql("admin", '{ users(first: 1, filter: {search: "court.trainee"}) { edges { node { id } } } }')["users"]["edges"][0]["node"]["id"]
gql("admin", "mutation($c: ID!, $t: ID!) { enrollFollowCase(caseId: $c, traineeId: $t) { id } }", {"c": case["id"], "t": trainee})
print(json.dumps(gql("court.trainee", "query($id: ID!) { case(id: $id) { caseNo title party { name idNumber } status } }",
                     {"id": case["id"]}), ensure_ascii=False, indent=2))
