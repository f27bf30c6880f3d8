// GraphQL over HTTP: one POST per operation, with the admin token.
import { readToken } from "../token.js";
import { ApiError } from "./errors.js";

// Relative to the page, so the dashboard keeps working behind a proxy that adds a path prefix.
export const ENDPOINT = new URL("graphql", document.baseURI).href;

/** Run `document` with `variables`; its data, or an ApiError with every error returned. */
export async function request(document, variables = {}) {
  const token = readToken();
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: document, variables }),
    });
  } catch (failure) {
    throw new ApiError([{ code: null, message: `the API did not answer (${failure.message})` }]);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError([{ code: `HTTP_${response.status}`, message: response.statusText }]);
  }
  if (body.errors?.length) throw ApiError.fromGraphQL(body.errors);
  return body.data;
}
