// Restore history.
import { request } from "../api/client.js";
import { RESTORE_OPERATIONS } from "../api/documents.js";
import { PAGE_SIZE, update } from "../store.js";
import { attempt } from "./run.js";

export async function loadRestores() {
  update((s) => {
    s.restores.loading = true;
  });
  const data = await attempt(
    () => request(RESTORE_OPERATIONS, { limit: PAGE_SIZE }),
    (s, error) => {
      s.restores.error = error;
      s.restores.loading = false;
    }
  );
  if (!data) return;
  update((s) => {
    s.restores.items = data.restoreOperations;
    s.restores.error = null;
    s.restores.loading = false;
  });
}
