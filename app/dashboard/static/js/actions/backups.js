// The backups list (filters, pages), and the create form with its table picker.
import { BACKUPS, CREATE_BACKUP, TABLES } from "../api/documents.js";
import { state, update } from "../store.js";
import { followBackup } from "./jobs.js";
import { loadPage, toNewer, toNewest, toOlder } from "./paging.js";
import { call } from "./run.js";
import { watchRunningDrills } from "./verify.js";

export async function loadBackups() {
  const { status, type, includeDeleted } = state.backups.filters;
  const variables = { status: status || null, type: type || null, includeDeleted };
  await loadPage("backups", BACKUPS, variables, (data) => data.backups);
  watchRunningDrills(state.backups.items);
}

/** Change one filter (status, type, includeDeleted) and show the newest matching page. */
export function filterBackups(name, value) {
  update((s) => {
    s.backups.filters[name] = value;
    toNewest(s.backups);
  });
  loadBackups();
}

export function olderBackups() {
  update((s) => toOlder(s.backups));
  loadBackups();
}

export function newerBackups() {
  update((s) => toNewer(s.backups));
  loadBackups();
}

/** Full or partial; the picker's tables are loaded the first time partial is chosen. */
export function chooseKind(kind) {
  update((s) => {
    s.create.kind = kind;
  });
  if (kind === "PARTIAL" && state.create.tables === null) loadTables();
}

async function loadTables() {
  const data = await call(TABLES, {}, "create", "tablesError");
  update((s) => {
    s.create.tables = data ? data.tables : null;
  });
}

/** Create a backup from the form's fields; follow it in the running panel. */
export async function createBackup(form) {
  const fields = new FormData(form);
  const input = { type: fields.get("type") };
  const description = (fields.get("description") || "").trim();
  if (description) input.description = description;
  if (input.type === "PARTIAL") input.tables = fields.getAll("tables");
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
  followBackup(data.createBackup, loadBackups);
  loadBackups();
}
