// Restore drills from the backups list: verifyBackup, then the backup asked for every few
// seconds until its verification is over (no subscription follows drills: backupProgress ends
// with the backup's creation). Rows already RUNNING when the list loads are watched too.
import { request } from "../api/client.js";
import { BACKUP, VERIFY_BACKUP } from "../api/documents.js";
import { update } from "../store.js";
import { attempt } from "./run.js";

const POLL_MS = 2000;
const watched = new Set();

function showError(s, backupId, error) {
  s.backups.verifyError = { backupId, error };
}

/** Put `backup`'s new state in the list, where it is shown. */
function replaceRow(backup) {
  update((s) => {
    const index = s.backups.items.findIndex((item) => item.backupId === backup.backupId);
    if (index >= 0) s.backups.items[index] = backup;
  });
}

/** Start a drill of `backupId` (operator or admin; the API says so otherwise) and watch it. */
export async function verifyBackup(backupId) {
  update((s) => {
    s.backups.verifyError = null;
  });
  const data = await attempt(
    () => request(VERIFY_BACKUP, { backupId }),
    (s, error) => showError(s, backupId, error)
  );
  if (!data) return;
  replaceRow(data.verifyBackup);
  watchDrill(backupId);
}

/** Watch every drill still running among `backups` (the page just loaded). */
export function watchRunningDrills(backups) {
  for (const backup of backups) {
    if (backup.verification?.status === "RUNNING") watchDrill(backup.backupId);
  }
}

async function watchDrill(backupId) {
  if (watched.has(backupId)) return;
  watched.add(backupId);
  try {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const data = await attempt(
        () => request(BACKUP, { backupId }),
        (s, error) => showError(s, backupId, error)
      );
      if (!data?.backup) return;
      replaceRow(data.backup);
      if (data.backup.verification?.status !== "RUNNING") return;
    }
  } finally {
    watched.delete(backupId);
  }
}
