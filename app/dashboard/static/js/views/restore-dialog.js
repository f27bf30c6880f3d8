// The restore dialog: what the backup holds, the options and what restoring with them would do,
// the code to type back, then the restore's progress and outcome.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { closeRestore, confirmRestore, openRestore } from "../actions/restore.js";
import { bytes, count, when } from "../format.js";
import { badge, errorBox, progressBar } from "./parts.js";
import { optionsForm, planAllowsRestore, planView } from "./restore-plan.js";

function summary(backup) {
  return html`<dl class="facts">
    <dt>Backup</dt><dd><code>${backup.backupId}</code> (${backup.type.toLowerCase()}, ${bytes(backup.sizeBytes)}, ${when(backup.createdAt)})</dd>
    <dt>Tables it holds</dt><dd><ul class="names">${backup.tablesIncluded.map((name) => html`<li>${name}</li>`)}</ul></dd>
  </dl>`;
}

function confirmForm(dialog) {
  const submit = (event) => {
    event.preventDefault();
    confirmRestore(event.target);
  };
  return html`<form id="restore-confirm" @submit=${submit} autocomplete="off">
    <p>To restore, type this code: <code class="code" id="confirmation-code">${dialog.code ?? "…"}</code></p>
    <input name="confirmationCode" aria-label="Confirmation code" spellcheck="false" required />
    <button type="submit" class="danger" ?disabled=${dialog.busy || !planAllowsRestore(dialog)}>Restore</button>
  </form>`;
}

function operationView(job) {
  if (!job) return html`<p>Starting…</p>`;
  const operation = job.item;
  return html`<div class="outcome" id="restore-outcome" data-status=${operation.status}>
    <p>${badge(operation.status)} restore <code>${operation.id}</code>
      ${operation.targetDatabase ? html`into database <code>${operation.targetDatabase}</code>` : nothing}</p>
    ${progressBar(operation)}
    ${operation.status === "COMPLETED"
      ? html`<p>Restored: ${Object.entries(operation.recordsCount || {}).map(([name, rows]) => html`<span class="pill">${name} ${count(rows)}</span>`)}</p>`
      : nothing}
    ${operation.errorLog ? html`<pre class="note failed">${operation.errorLog}</pre>` : nothing}
    ${operation.warnings.length
      ? html`<ul class="warnings">${operation.warnings.map((line) => html`<li>${line}</li>`)}</ul>`
      : nothing}
    ${operation.preRestoreBackupId
      ? html`<p>Pre-restore snapshot: <code id="pre-restore-snapshot">${operation.preRestoreBackupId}</code>
          ${operation.status === "COMPLETED"
            ? html`<button id="undo-restore" @click=${() => openRestore(operation.preRestoreBackupId)}>Undo: restore this snapshot…</button>`
            : nothing}</p>`
      : nothing}
    ${errorBox(job.error)}
  </div>`;
}

export function restoreDialog(state) {
  const dialog = state.restoreDialog;
  if (!dialog) return nothing;
  const job = dialog.operationId ? state.jobs.restores.get(dialog.operationId) : null;
  return html`<div class="overlay">
    <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="restore-title" id="restore-dialog">
      <h2 id="restore-title">Restore ${dialog.backupId}</h2>
      ${dialog.backup ? summary(dialog.backup) : nothing}
      ${dialog.operationId
        ? operationView(job)
        : dialog.backup
          ? html`${optionsForm(dialog)} ${planView(dialog)} ${confirmForm(dialog)}`
          : nothing}
      ${errorBox(dialog.error)}
      <button class="close" @click=${closeRestore}>Close</button>
    </div>
  </div>`;
}
