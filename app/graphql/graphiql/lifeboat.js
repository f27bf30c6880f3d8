// Lifeboat's GraphiQL: every request (introspection included) carries the admin token that this
// browser keeps in localStorage; the server accepts nothing without it.
(function () {
  "use strict";

  var STORAGE_KEY = "lifeboat.token";
  var DEFAULT_QUERY = [
    "# Every operation needs an admin token (the field above).",
    "# Make one with: lifeboat admin create EMAIL",
    "",
    "query Backups {",
    "  backups(limit: 10) {",
    "    backupId",
    "    type",
    "    status",
    "    createdAt",
    "  }",
    "}",
    "",
  ].join("\n");

  // A token handed over in the fragment (#token=...) is stored, then removed from the address
  // bar and history; the fragment never reaches the server.
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.get("token")) {
    localStorage.setItem(STORAGE_KEY, fragment.get("token").trim());
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  var token = localStorage.getItem(STORAGE_KEY) || "";
  var input = document.getElementById("lifeboat-token-input");
  var state = document.getElementById("lifeboat-token-state");
  input.value = token;
  state.textContent = token
    ? "token set (kept in this browser's localStorage)"
    : "no token: every request will fail with UNAUTHENTICATED";
  state.classList.toggle("missing", !token);

  // Reloading refetches the schema with the new token.
  document.getElementById("lifeboat-token").addEventListener("submit", function (event) {
    event.preventDefault();
    localStorage.setItem(STORAGE_KEY, input.value.trim());
    window.location.reload();
  });
  document.getElementById("lifeboat-token-forget").addEventListener("click", function () {
    localStorage.removeItem(STORAGE_KEY);
    window.location.reload();
  });

  var endpoint = window.location.origin + window.location.pathname;
  var auth = token ? { Authorization: "Bearer " + token } : {};
  var fetcher = GraphiQL.createFetcher({
    url: endpoint,
    headers: auth,
    subscriptionUrl: endpoint.replace(/^http/, "ws"),
    wsConnectionParams: auth,
  });

  // ?q=... opens the IDE with that document (shareable links, like Strawberry's own page).
  var sharedQuery = new URLSearchParams(window.location.search).get("q");
  var props = { fetcher: fetcher, defaultQuery: DEFAULT_QUERY, isHeadersEditorEnabled: true };
  if (sharedQuery) {
    props.query = sharedQuery;
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, props)
  );
})();
