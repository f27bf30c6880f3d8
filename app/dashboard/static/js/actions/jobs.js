// Running backups and restores, followed live through the backupProgress and restoreProgress
// subscriptions: each sends the current state at once, every change, then completes.
import { BACKUP_PROGRESS, RESTORE_PROGRESS, RUNNING } from "../api/documents.js";
import { follow } from "../api/live.js";
import { PAGE_SIZE, update } from "../store.js";
import { loadBackups } from "./backups.js";
import { loadRestores } from "./restores.js";
import { call } from "./run.js";

const stops = new Map();

function track(kind, key, document, variables, pick, initial, onFinished) {
  if (stops.has(`${kind}:${key}`)) return;
  update((s) => {
    s.jobs[kind].set(key, { item: initial, error: null, live: true });
  });
  const stop = follow(document, variables, {
    next: (data) =>
      update((s) => {
        s.jobs[kind].set(key, { item: pick(data), error: null, live: true });
      }),
    done: () => {
      stops.delete(`${kind}:${key}`);
      update((s) => {
        const job = s.jobs[kind].get(key);
        if (job) job.live = false;
      });
      onFinished?.();
    },
    failed: (error) => {
      stops.delete(`${kind}:${key}`);
      update((s) => {
        const job = s.jobs[kind].get(key);
        s.jobs[kind].set(key, { item: job?.item || initial, error, live: false });
      });
    },
  });
  stops.set(`${kind}:${key}`, stop);
}

/** Show `backup` in the running panel and follow it until it is completed or failed. */
export function followBackup(backup, onFinished) {
  track(
    "backups",
    backup.backupId,
    BACKUP_PROGRESS,
    { backupId: backup.backupId },
    (data) => data.backupProgress,
    backup,
    onFinished
  );
}

/** Show `operation` in the running panel and follow it until it is completed or failed. */
export function followRestore(operation, onFinished) {
  track(
    "restores",
    operation.id,
    RESTORE_PROGRESS,
    { id: operation.id },
    (data) => data.restoreProgress,
    operation,
    onFinished
  );
}

/** Take a finished job off the panel. */
export function dismiss(kind, key) {
  stops.get(`${kind}:${key}`)?.();
  stops.delete(`${kind}:${key}`);
  update((s) => {
    s.jobs[kind].delete(key);
  });
}

/** Stop following everything (the token changed). */
export function forgetJobs() {
  for (const stop of stops.values()) stop();
  stops.clear();
  update((s) => {
    s.jobs.backups.clear();
    s.jobs.restores.clear();
  });
}

/** Follow every backup and restore that is running when the page loads (or the token changes). */
export async function followRunning() {
  const data = await call(RUNNING, { limit: PAGE_SIZE }, "running");
  if (!data) return;
  for (const backup of data.backups) followBackup(backup, loadBackups);
  for (const operation of data.restoreOperations) followRestore(operation, loadRestores);
}
