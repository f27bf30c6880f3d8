// Running backups and restores with live progress bars; a finished one stays with its outcome
// until dismissed.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { dismiss } from "../actions/jobs.js";
import { openRestore } from "../actions/restore.js";
import { badge, errorBox, progressBar } from "./parts.js";

function outcome(kind, item) {
  if (item.status === "FAILED") {
    return html`<div class="note failed">${item.errorMessage || item.errorLog}</div>`;
  }
  if (kind === "restores" && item.status === "COMPLETED" && item.preRestoreBackupId) {
    return html`<div class="note">Restored ${(item.tablesRestored || []).length} tables.
      Undo with the pre-restore snapshot
      <button class="link" @click=${() => openRestore(item.preRestoreBackupId)}>
        <code>${item.preRestoreBackupId}</code></button></div>`;
  }
  return nothing;
}

function job(kind, key, { item, error, live }) {
  const label = kind === "backups" ? `Backup ${item.backupId}` : `Restore of ${item.backupId}`;
  return html`<li class="job" data-job=${`${kind}:${key}`} data-status=${item.status}>
    <div class="job-title">${badge(item.status)} <strong>${label}</strong>
      ${live ? html`<span class="live">live</span>` : html`<button class="link" @click=${() => dismiss(kind, key)}>dismiss</button>`}
    </div>
    ${progressBar(item)} ${outcome(kind, item)} ${errorBox(error)}
  </li>`;
}

export function jobsPanel(state) {
  const failed = errorBox(state.running.error);
  const entries = [
    ...[...state.jobs.backups].map(([key, value]) => job("backups", key, value)),
    ...[...state.jobs.restores].map(([key, value]) => job("restores", key, value)),
  ];
  if (!entries.length) return failed;
  return html`<section class="jobs card" id="jobs"><h2>Running</h2>${failed}<ul>${entries}</ul></section>`;
}
