// The restore dialog's options (schema, tables, target database) and the restorePlan answer for
// them, asked again whenever an option changes. The plan and the restore read the same input.
import { request } from "../api/client.js";
import { RESTORE_PLAN } from "../api/documents.js";
import { state, update } from "../store.js";
import { attempt } from "./run.js";

// Answers can come back out of order when options change quickly; only the latest one counts.
let asked = 0;

export function defaultOptions() {
  return { schema: "CURRENT", tables: null, targetDatabase: "" };
}

/** restoreBackup's input for the dialog's backup and options, with `code` (may be ""). */
export function restoreInput(dialog, code) {
  const { schema, tables, targetDatabase } = dialog.options;
  return {
    backupId: dialog.backupId,
    confirmationCode: code,
    schema,
    tables,
    targetDatabase: targetDatabase.trim() || null,
  };
}

/** Ask restorePlan what the restore with the dialog's current options would do. */
export async function planRestore() {
  const dialog = state.restoreDialog;
  if (!dialog?.backup) return;
  const ticket = ++asked;
  // restorePlan does not check the code; the input type still requires one.
  const input = restoreInput(dialog, "");
  update((s) => {
    s.restoreDialog.planning = true;
  });
  const current = (s) => s.restoreDialog?.backupId === input.backupId && ticket === asked;
  const data = await attempt(
    () => request(RESTORE_PLAN, { input }),
    (s, error) => {
      if (!current(s)) return;
      s.restoreDialog.plan = null;
      s.restoreDialog.planError = error;
      s.restoreDialog.planning = false;
      s.restoreDialog.planAnswers += 1;
    }
  );
  if (!data) return;
  update((s) => {
    if (!current(s)) return;
    s.restoreDialog.plan = data.restorePlan;
    s.restoreDialog.planError = null;
    s.restoreDialog.planning = false;
    s.restoreDialog.planAnswers += 1;
  });
}

/** Change one option and re-plan. `tables` is null for all the backup holds, else a list. */
export function setRestoreOption(name, value) {
  update((s) => {
    s.restoreDialog.options[name] = value;
  });
  planRestore();
}

/** Tick or untick one table of the backup; every table ticked means all (tables: null). */
export function toggleRestoreTable(name, ticked) {
  const dialog = state.restoreDialog;
  const all = dialog.backup.tablesIncluded;
  const chosen = new Set(dialog.options.tables ?? all);
  if (ticked) chosen.add(name);
  else chosen.delete(name);
  const tables = all.filter((table) => chosen.has(table));
  setRestoreOption("tables", tables.length === all.length ? null : tables);
}
