// Runs graphql-http's server audits (the GraphQL over HTTP spec's conformance list) against
// the URL given as the first argument and prints every result as JSON on one line:
// [{"id", "name", "status": "ok" | "warn" | "notice" | "error", "reason"?}].
// tests/api/conformance.rs installs the pinned graphql-http next to this script's copy and
// fails on anything but "ok".
//
// AUDIT_AUTHORIZATION, when set, is sent as the Authorization header of every request: some
// audits ask `__type(name:)`, and introspection on casebridge needs a token.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://host:port/graphql');
  process.exit(2);
}

const authorization = process.env.AUDIT_AUTHORIZATION;
const fetchFn = authorization
  ? (input, init = {}) => fetch(input, { ...init, headers: { ...(init.headers || {}), authorization } })
  : fetch;

const results = [];
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  const entry = { id: audit.id, name: audit.name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
    if (result.response) {
      entry.responseStatus = result.response.status;
      try {
        entry.responseBody = await result.response.text();
      } catch (e) {
        entry.responseBody = String(e);
      }
    }
  }
  results.push(entry);
}
console.log(JSON.stringify(results));
