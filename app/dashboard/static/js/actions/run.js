// The one way actions call the API: the error, if any, lands in the state for the view to show.
import { request } from "../api/client.js";
import { asApiError } from "../api/errors.js";
import { update } from "../store.js";

/**
 * Await `work()`; on failure hand the ApiError to `onError(state, error)`. Returns the result,
 * or undefined when it failed.
 */
export async function attempt(work, onError) {
  try {
    return await work();
  } catch (failure) {
    const error = asApiError(failure);
    update((state) => onError(state, error));
    return undefined;
  }
}

/**
 * Send `document`; a failure is kept in `state[slot][field]`, a success clears it. Returns the
 * data, or undefined when it failed.
 */
export async function call(document, variables, slot, field = "error") {
  const data = await attempt(
    () => request(document, variables),
    (state, error) => {
      state[slot][field] = error;
    }
  );
  if (data) {
    update((state) => {
      state[slot][field] = null;
    });
  }
  return data;
}
