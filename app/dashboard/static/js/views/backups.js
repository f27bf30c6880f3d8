// The backups list: status, type, tables, size, duration, who; each completed one restorable.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { repeat } from "../../vendor/lit-html/directives/repeat.js";
import { filterBackups, loadBackups, newerBackups, olderBackups } from "../actions/backups.js";
import { openRestore } from "../actions/restore.js";
import { verifyBackup } from "../actions/verify.js";
import { bytes, elapsed, seconds, when, who } from "../format.js";
import { createBackupForm } from "./create-backup.js";
import { badge, choice, errorBox, pager } from "./parts.js";
import { verified } from "./verification.js";

// verifyBackup needs an operator or an admin; a viewer is not offered the button.
const DRILLERS = new Set(["operator", "admin"]);

const STATUSES = [["", "any"], ["CREATING", "creating"], ["COMPLETED", "completed"], ["FAILED", "failed"]];
const TYPES = [["", "any"], ["FULL", "full"], ["PARTIAL", "partial"], ["SCHEDULED", "scheduled"]];

function filters(list) {
  const { status, type, includeDeleted } = list.filters;
  return html`<form class="filters" id="backup-filters" @submit=${(event) => event.preventDefault()}>
    ${choice("Status", "status", status, STATUSES, (value) => filterBackups("status", value))}
    ${choice("Type", "type", type, TYPES, (value) => filterBackups("type", value))}
    <label><input type="checkbox" name="includeDeleted" .checked=${includeDeleted}
      @change=${(event) => filterBackups("includeDeleted", event.target.checked)} /> deleted too</label>
  </form>`;
}

function tables(backup) {
  const names = backup.tablesIncluded;
  if (!names.length) return "—";
  const shown = names.slice(0, 3).join(", ");
  return html`<span title=${names.join("\n")}>${names.length} · ${shown}${names.length > 3 ? "…" : ""}</span>`;
}

function row(backup, canVerify) {
  const restorable = backup.status === "COMPLETED" && !backup.deletedAt;
  const verifiable = restorable && canVerify && backup.verification?.status !== "RUNNING";
  return html`<tr data-backup-id=${backup.backupId}>
    <td><code>${backup.backupId}</code>${backup.description ? html`<div class="note">${backup.description}</div>` : nothing}</td>
    <td>${badge(backup.status)}${backup.deletedAt ? html` <span class="badge deleted">deleted</span>` : nothing}
      ${backup.errorMessage ? html`<div class="note failed">${backup.errorMessage}</div>` : nothing}</td>
    <td>${backup.type.toLowerCase()}</td>
    <td>${tables(backup)}</td>
    <td class="number">${bytes(backup.sizeBytes)}</td>
    <td class="number">${seconds(elapsed(backup.createdAt, backup.completedAt))}</td>
    <td>${when(backup.createdAt)}</td>
    <td>${who(backup.createdBy)}</td>
    <td class="verified">${verified(backup.verification)}</td>
    <td class="actions">${restorable
      ? html`<button class="restore" @click=${() => openRestore(backup.backupId)}>Restore…</button>`
      : nothing}${verifiable
      ? html` <button class="verify" @click=${() => verifyBackup(backup.backupId)}>Verify</button>`
      : nothing}</td>
  </tr>`;
}

export function backupsView(state) {
  const list = state.backups;
  const canVerify = DRILLERS.has((state.session.me?.role || "").toLowerCase());
  const failed = list.verifyError;
  return html`<section class="backups">
    ${createBackupForm(state)}
    <div class="toolbar">
      <h2>Backups</h2>
      ${filters(list)}
      <button @click=${loadBackups} ?disabled=${list.loading}>Refresh</button>
    </div>
    ${errorBox(list.error)}
    ${failed ? html`<div id="verify-error"><p>Verifying <code>${failed.backupId}</code>:</p>${errorBox(failed.error)}</div>` : nothing}
    <table class="list" id="backups-table">
      <thead><tr>
        <th>Backup</th><th>Status</th><th>Type</th><th>Tables</th><th>Size</th>
        <th>Duration</th><th>Created</th><th>By</th><th>Verified</th><th></th>
      </tr></thead>
      <tbody>${repeat(list.items, (backup) => backup.backupId, (backup) => row(backup, canVerify))}</tbody>
    </table>
    ${list.items.length || list.loading ? nothing : html`<p class="empty">No backups.</p>`}
    ${pager(list, { newer: newerBackups, older: olderBackups })}
  </section>`;
}
