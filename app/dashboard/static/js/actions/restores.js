// Restore history.
import { RESTORE_OPERATIONS } from "../api/documents.js";
import { PAGE_SIZE, update } from "../store.js";
import { call } from "./run.js";

export async function loadRestores() {
  update((s) => {
    s.restores.loading = true;
  });
  const data = await call(RESTORE_OPERATIONS, { limit: PAGE_SIZE }, "restores");
  update((s) => {
    s.restores.loading = false;
    if (data) s.restores.items = data.restoreOperations;
  });
}
