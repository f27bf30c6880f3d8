// Runs graphql-http's GraphQL over HTTP server audits against a URL, with an admin's bearer token
// added to every request, and prints the results as one JSON array on stdout.
// Usage: node audit.mjs URL TOKEN
import { serverAudits } from "graphql-http";

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error("usage: node audit.mjs URL TOKEN");
  process.exit(2);
}

function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = [];
for (const audit of serverAudits({ url, fetchFn: fetchWithToken })) {
  const result = await audit.fn();
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    entry.reason = result.reason;
    entry.response = result.response
      ? { status: result.response.status, body: await result.response.text().catch(() => null) }
      : null;
  }
  results.push(entry);
}
console.log(JSON.stringify(results));
