// Lists paged by cursor, as the API pages: `before` = the last shown item's cursor. One more
// item than a page is asked for, so the view knows whether an older page exists.
import { request } from "../api/client.js";
import { asApiError } from "../api/errors.js";
import { PAGE_SIZE, state, update } from "../store.js";

// Loads of one list may overlap (a filter changed twice quickly) and answer out of order:
// only the latest load's answer is kept.
const latest = {};

/** Load the page `state[slot]` is on with `variables`; `pick(data)` is the list returned. */
export async function loadPage(slot, document, variables, pick) {
  const list = state[slot];
  const mine = (latest[slot] = (latest[slot] || 0) + 1);
  const before = list.cursors[list.cursors.length - 1];
  update((s) => {
    s[slot].loading = true;
  });
  let data = null;
  let error = null;
  try {
    data = await request(document, { ...variables, limit: PAGE_SIZE + 1, before });
  } catch (failure) {
    error = asApiError(failure);
  }
  if (mine !== latest[slot]) return;
  update((s) => {
    const current = s[slot];
    current.loading = false;
    current.error = error;
    if (data) {
      const items = pick(data);
      current.hasOlder = items.length > PAGE_SIZE;
      current.items = items.slice(0, PAGE_SIZE);
    }
  });
}

export function toOlder(list) {
  list.cursors.push(list.items[list.items.length - 1].cursor);
}

export function toNewer(list) {
  if (list.cursors.length > 1) list.cursors.pop();
}

/** Back to the newest page (the filters changed). */
export function toNewest(list) {
  list.cursors = [null];
}
