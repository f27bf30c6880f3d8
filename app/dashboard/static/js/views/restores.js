// Restore history: who restored what (into which database, with which schema), when, the
// outcome with its warnings, and the snapshot that undoes it.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { repeat } from "../../vendor/lit-html/directives/repeat.js";
import { openRestore } from "../actions/restore.js";
import {
  filterRestores,
  loadRestores,
  newerRestores,
  olderRestores,
} from "../actions/restores.js";
import { count, elapsed, seconds, when, who } from "../format.js";
import { badge, choice, errorBox, pager } from "./parts.js";

const STATUSES = [["", "any"], ["IN_PROGRESS", "in progress"], ["COMPLETED", "completed"], ["FAILED", "failed"]];

function records(operation) {
  const entries = Object.entries(operation.recordsCount || {});
  if (!entries.length) return "—";
  return entries.map(([name, rows]) => html`<div>${name}: ${count(rows)}</div>`);
}

function row(operation) {
  return html`<tr data-restore-id=${operation.id}>
    <td>${when(operation.startedAt)}</td>
    <td><code>${operation.backupId}</code>
      ${operation.targetDatabase ? html`<div class="note">into database <code>${operation.targetDatabase}</code></div>` : nothing}
      ${operation.schema === "BACKUP" ? html`<div class="note">schema rewound to the backup's</div>` : nothing}</td>
    <td>${badge(operation.status)}${operation.errorLog ? html`<div class="note failed">${operation.errorLog}</div>` : nothing}
      ${operation.warnings.length ? html`<ul class="warnings">${operation.warnings.map((line) => html`<li>${line}</li>`)}</ul>` : nothing}</td>
    <td>${records(operation)}</td>
    <td class="number">${seconds(elapsed(operation.startedAt, operation.completedAt))}</td>
    <td>${who(operation.initiatedBy)}</td>
    <td>${operation.preRestoreBackupId
      ? html`<code>${operation.preRestoreBackupId}</code>
          <button class="link" @click=${() => openRestore(operation.preRestoreBackupId)}>undo…</button>`
      : "—"}</td>
  </tr>`;
}

export function restoresView(state) {
  const list = state.restores;
  return html`<section class="restores">
    <div class="toolbar">
      <h2>Restore history</h2>
      <form class="filters" id="restore-filters" @submit=${(event) => event.preventDefault()}>
        ${choice("Status", "status", list.filters.status, STATUSES, filterRestores)}
      </form>
      <button @click=${loadRestores} ?disabled=${list.loading}>Refresh</button>
    </div>
    ${errorBox(list.error)}
    <table class="list" id="restores-table">
      <thead><tr><th>Started</th><th>Backup</th><th>Status</th><th>Rows restored</th>
        <th>Duration</th><th>By</th><th>Pre-restore snapshot</th></tr></thead>
      <tbody>${repeat(list.items, (operation) => operation.id, row)}</tbody>
    </table>
    ${list.items.length || list.loading ? nothing : html`<p class="empty">No restores.</p>`}
    ${pager(list, { newer: newerRestores, older: olderRestores })}
  </section>`;
}
