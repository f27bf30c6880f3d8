// Retention dry runs: what a schedule's rules, or the pre-restore snapshot expiry, would delete.
import { request } from "../api/client.js";
import { RETENTION_DRY_RUN, SNAPSHOT_EXPIRY_DRY_RUN } from "../api/documents.js";
import { update } from "../store.js";
import { attempt } from "./run.js";

async function dryRun(title, document, variables, pick) {
  update((s) => {
    s.retention.busy = true;
    s.retention.error = null;
  });
  const data = await attempt(
    () => request(document, variables),
    (s, error) => {
      s.retention.error = error;
      s.retention.report = null;
      s.retention.busy = false;
    }
  );
  if (!data) return;
  update((s) => {
    s.retention.report = { title, ...pick(data) };
    s.retention.busy = false;
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
