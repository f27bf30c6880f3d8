// Retention dry runs: what would be deleted, and why every other backup stays.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { scheduleDryRun, snapshotDryRun } from "../actions/retention.js";
import { bytes, when } from "../format.js";
import { badge, errorBox } from "./parts.js";

function backupCells(backup) {
  return html`<td><code>${backup.backupId}</code></td><td>${badge(backup.status)}</td>
    <td>${backup.type.toLowerCase()}</td><td>${when(backup.createdAt)}</td>
    <td class="number">${bytes(backup.sizeBytes)}</td>`;
}

function report(report) {
  if (!report) return nothing;
  return html`<div class="report" id="retention-report">
    <h3>${report.title}: ${report.forgotten.length} would be deleted, ${report.kept.length} kept</h3>
    <table class="list">
      <thead><tr><th>Backup</th><th>Status</th><th>Type</th><th>Created</th><th>Size</th><th>Verdict</th></tr></thead>
      <tbody>
        ${report.forgotten.map((backup) => html`<tr class="forgotten">${backupCells(backup)}<td>would be deleted</td></tr>`)}
        ${report.kept.map((kept) => html`<tr>${backupCells(kept.backup)}<td>kept: ${kept.reasons.join(", ")}</td></tr>`)}
      </tbody>
    </table>
  </div>`;
}

export function retentionView(state) {
  const schedules = state.schedules.items;
  const submit = (event) => {
    event.preventDefault();
    scheduleDryRun(event.target, schedules);
  };
  return html`<section class="retention">
    <h2>Retention dry runs</h2>
    <p>Nothing is deleted here: each run lists what retention would delete now.</p>
    <form class="card" id="retention-form" @submit=${submit}>
      <label>Schedule <select name="scheduleId">
        ${schedules.map((schedule) => html`<option value=${schedule.id}>${schedule.name}</option>`)}
      </select></label>
      <button type="submit" ?disabled=${state.retention.busy || !schedules.length}>Dry run</button>
      <button type="button" @click=${snapshotDryRun} ?disabled=${state.retention.busy}>Pre-restore snapshots dry run</button>
    </form>
    ${errorBox(state.retention.error)}
    ${report(state.retention.report)}
  </section>`;
}
