// Retention dry runs: what a schedule's rules, or the pre-restore snapshot expiry, would delete.
import { RETENTION_DRY_RUN, SNAPSHOT_EXPIRY_DRY_RUN } from "../api/documents.js";
import { update } from "../store.js";
import { call } from "./run.js";

async function dryRun(title, document, variables, pick) {
  update((s) => {
    s.retention.busy = true;
  });
  const data = await call(document, variables, "retention");
  update((s) => {
    s.retention.busy = false;
    s.retention.report = data ? { title, ...pick(data) } : null;
  });
}

/** applyRetention(dryRun: true) for the schedule chosen in `form`. */
export function scheduleDryRun(form, schedules) {
  const scheduleId = new FormData(form).get("scheduleId");
  const schedule = schedules.find((item) => item.id === scheduleId);
  const title = `Schedule ${schedule ? schedule.name : scheduleId}`;
  return dryRun(title, RETENTION_DRY_RUN, { scheduleId }, (data) => data.applyRetention);
}

/** expirePreRestoreSnapshots(dryRun: true). */
export function snapshotDryRun() {
  const title = "Pre-restore snapshots";
  return dryRun(title, SNAPSHOT_EXPIRY_DRY_RUN, {}, (data) => data.expirePreRestoreSnapshots);
}
