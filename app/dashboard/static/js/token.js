// The admin token, kept like the GraphiQL page keeps it (same localStorage key, so one token
// serves both pages of this origin), and handed over as /#token=… in one step.
const STORAGE_KEY = "lifeboat.token";

/** Store a token given in the fragment, then remove it from the address bar and history. */
export function takeTokenFromFragment() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = (fragment.get("token") || "").trim();
  if (token) {
    localStorage.setItem(STORAGE_KEY, token);
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
}

export function readToken() {
  return localStorage.getItem(STORAGE_KEY) || "";
}

export function saveToken(token) {
  localStorage.setItem(STORAGE_KEY, token.trim());
}

export function forgetToken() {
  localStorage.removeItem(STORAGE_KEY);
}
