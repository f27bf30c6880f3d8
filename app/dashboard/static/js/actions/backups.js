// The backups list: load, filter, page; and the create form.
import { request } from "../api/client.js";
import { BACKUPS, CREATE_BACKUP } from "../api/documents.js";
import { PAGE_SIZE, update } from "../store.js";
import { attempt } from "./run.js";

export async function loadBackups() {
  update((s) => {
    s.backups.loading = true;
  });
  const data = await attempt(
    () => request(BACKUPS, { limit: PAGE_SIZE }),
    (s, error) => {
      s.backups.error = error;
      s.backups.loading = false;
    }
  );
  if (!data) return;
  update((s) => {
    s.backups.items = data.backups;
    s.backups.error = null;
    s.backups.loading = false;
  });
}

export function chooseKind(kind) {
  update((s) => {
    s.create.kind = kind;
  });
}

/** Create a backup from the form's fields; follow it in the running panel. */
export async function createBackup(form) {
  const fields = new FormData(form);
  const input = { type: fields.get("type") };
  const description = (fields.get("description") || "").trim();
  if (description) input.description = description;
  if (input.type === "PARTIAL") input.tables = tablesFrom(fields);
  update((s) => {
    s.create.busy = true;
    s.create.error = null;
  });
  const data = await attempt(
    () => request(CREATE_BACKUP, { input }),
    (s, error) => {
      s.create.error = error;
      s.create.busy = false;
    }
  );
  if (!data) return;
  update((s) => {
    s.create.busy = false;
    s.create.created = data.createBackup.backupId;
  });
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
