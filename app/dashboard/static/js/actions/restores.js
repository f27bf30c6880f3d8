// Restore history (filter by status, pages).
import { RESTORE_OPERATIONS } from "../api/documents.js";
import { state, update } from "../store.js";
import { loadPage, toNewer, toNewest, toOlder } from "./paging.js";

export function loadRestores() {
  const variables = { status: state.restores.filters.status || null };
  return loadPage("restores", RESTORE_OPERATIONS, variables, (data) => data.restoreOperations);
}

export function filterRestores(status) {
  update((s) => {
    s.restores.filters.status = status;
    toNewest(s.restores);
  });
  loadRestores();
}

export function olderRestores() {
  update((s) => toOlder(s.restores));
  loadRestores();
}

export function newerRestores() {
  update((s) => toNewer(s.restores));
  loadRestores();
}
