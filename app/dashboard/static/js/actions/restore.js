// The restore dialog: what the backup holds and what restoring it would do (restorePlan, for
// the options chosen), the confirmation code, then restoreBackup with the code the admin typed
// back and the same options, followed to its outcome.
import { request } from "../api/client.js";
import { BACKUP, RESTORE_BACKUP, RESTORE_CONFIRMATION_CODE } from "../api/documents.js";
import { state, update } from "../store.js";
import { loadBackups } from "./backups.js";
import { defaultOptions, planRestore, restoreInput } from "./restore-plan.js";
import { followRestore } from "./jobs.js";
import { loadRestores } from "./restores.js";
import { attempt } from "./run.js";

/** Open the dialog for the backup `backupId` (a row of the list, or a pre-restore snapshot). */
export async function openRestore(backupId) {
  update((s) => {
    s.restoreDialog = {
      backupId,
      backup: null,
      code: null,
      error: null,
      busy: false,
      operationId: null,
      options: defaultOptions(),
      plan: null,
      planError: null,
      planning: false,
      // How many answers restorePlan gave this dialog: lets a watcher tell a new one from the last.
      planAnswers: 0,
    };
  });
  const data = await attempt(
    () => request(BACKUP, { backupId }),
    (s, error) => dialogError(s, backupId, error)
  );
  if (!data) return;
  update((s) => {
    if (s.restoreDialog?.backupId !== backupId) return;
    s.restoreDialog.backup = data.backup;
    if (!data.backup) s.restoreDialog.error = { message: `No backup ${backupId}.` };
  });
  if (!data.backup) return;
  planRestore();
  fetchCode(backupId);
}

async function fetchCode(backupId) {
  const data = await attempt(
    () => request(RESTORE_CONFIRMATION_CODE, { backupId }),
    (s, error) => dialogError(s, backupId, error)
  );
  if (!data) return;
  update((s) => {
    if (s.restoreDialog?.backupId === backupId) s.restoreDialog.code = data.restoreConfirmationCode;
  });
}

function dialogError(s, backupId, error) {
  if (s.restoreDialog?.backupId !== backupId) return;
  s.restoreDialog.error = error;
  s.restoreDialog.busy = false;
}

/** Send restoreBackup with the code typed in `form`; the API checks it, not the page. */
export async function confirmRestore(form) {
  const input = restoreInput(
    state.restoreDialog,
    new FormData(form).get("confirmationCode").trim()
  );
  update((s) => {
    s.restoreDialog.busy = true;
    s.restoreDialog.error = null;
  });
  const data = await attempt(
    () => request(RESTORE_BACKUP, { input }),
    (s, error) => dialogError(s, input.backupId, error)
  );
  if (!data) return;
  const operation = data.restoreBackup;
  update((s) => {
    if (s.restoreDialog?.backupId !== input.backupId) return;
    s.restoreDialog.busy = false;
    s.restoreDialog.operationId = operation.id;
  });
  followRestore(operation, () => {
    loadRestores();
    loadBackups();
  });
}

export function closeRestore() {
  update((s) => {
    s.restoreDialog = null;
  });
}
