// GraphQL subscriptions over graphql-transport-ws (the graphql-ws client), one socket for the
// page; the token goes in connection_init since browsers cannot set websocket headers.
import { createClient } from "../../vendor/graphql-ws/client.js";
import { readToken } from "../token.js";
import { ENDPOINT } from "./client.js";
import { ApiError, asApiError } from "./errors.js";

let client = null;

function connection() {
  if (client === null) {
    client = createClient({
      url: ENDPOINT.replace(/^http/, "ws"),
      connectionParams: () => ({ Authorization: `Bearer ${readToken()}` }),
      retryAttempts: 3,
    });
  }
  return client;
}

/**
 * Follow a subscription: `next(data)` for each event, `done()` when the server completes it,
 * `failed(apiError)` when it fails. Returns the function that stops following.
 */
export function follow(document, variables, { next, done, failed }) {
  return connection().subscribe(
    { query: document, variables },
    {
      next: (result) => {
        if (result.errors?.length) failed(ApiError.fromGraphQL(result.errors));
        else next(result.data);
      },
      error: (failure) => failed(asApiError(failure)),
      complete: done,
    }
  );
}

/** Drop the socket (the token changed); the next follow() opens a new one. */
export function reconnect() {
  client?.dispose();
  client = null;
}
