// The backups list, and the create form.
import { BACKUPS, CREATE_BACKUP } from "../api/documents.js";
import { PAGE_SIZE, update } from "../store.js";
import { call } from "./run.js";

export async function loadBackups() {
  update((s) => {
    s.backups.loading = true;
  });
  const data = await call(BACKUPS, { limit: PAGE_SIZE }, "backups");
  update((s) => {
    s.backups.loading = false;
    if (data) s.backups.items = data.backups;
  });
}

export function chooseKind(kind) {
  update((s) => {
    s.create.kind = kind;
  });
}

/** Create a backup from the form's fields. */
export async function createBackup(form) {
  const fields = new FormData(form);
  const input = { type: fields.get("type") };
  const description = (fields.get("description") || "").trim();
  if (description) input.description = description;
  if (input.type === "PARTIAL") input.tables = tablesFrom(fields);
  update((s) => {
    s.create.busy = true;
  });
  const data = await call(CREATE_BACKUP, { input }, "create");
  update((s) => {
    s.create.busy = false;
    s.create.created = data ? data.createBackup.backupId : null;
  });
  if (!data) return;
  form.reset();
  chooseKind("FULL");
  loadBackups();
}

// Typed names, one per line, as the API reads them (SQL quoting: a quoted name may hold a comma).
function tablesFrom(fields) {
  return (fields.get("tables") || "")
    .split("\n")
    .map((name) => name.trim())
    .filter(Boolean);
}
