// The restore dialog's options and restorePlan's answer for them: what would be replaced,
// created, added, lost or dropped, or why the API would refuse the restore.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { planRestore, setRestoreOption, toggleRestoreTable } from "../actions/restore-plan.js";
import { count } from "../format.js";
import { errorBox } from "./parts.js";

const SCHEMAS = [
  ["CURRENT", "Current: rows into today's tables"],
  ["BACKUP", "Backup: rewind the schema too (full backups, all tables)"],
];

/** Schema, tables and target database; each change asks restorePlan again. */
export function optionsForm(dialog) {
  const { schema, tables, targetDatabase } = dialog.options;
  const chosen = new Set(tables ?? dialog.backup.tablesIncluded);
  return html`<form class="options" id="restore-options" @submit=${(event) => event.preventDefault()}>
    <fieldset class="options"><legend>Schema</legend>
      ${SCHEMAS.map(
        ([value, label]) => html`<label><input type="radio" name="schema" value=${value}
          .checked=${schema === value} @change=${() => setRestoreOption("schema", value)} /> ${label}</label>`
      )}
    </fieldset>
    <fieldset class="options" id="restore-tables"><legend>Tables (${tables === null ? "all" : `${tables.length} of ${dialog.backup.tablesIncluded.length}`})</legend>
      <div class="names">${dialog.backup.tablesIncluded.map(
        (name) => html`<label><input type="checkbox" name="tables" value=${name} .checked=${chosen.has(name)}
          @change=${(event) => toggleRestoreTable(name, event.target.checked)} /> <code>${name}</code></label>`
      )}</div>
    </fieldset>
    <label class="block">Into database
      <input name="targetDatabase" type="text" spellcheck="false" placeholder="the configured target"
        .value=${targetDatabase} @change=${(event) => setRestoreOption("targetDatabase", event.target.value)} /></label>
  </form>`;
}

function names(id, title, items) {
  if (!items.length) return nothing;
  return html`<dt>${title}</dt><dd><ul class="names" id=${id}>${items.map((name) => html`<li><code>${name}</code></li>`)}</ul></dd>`;
}

function replacedTable(plan) {
  if (!plan.tablesReplaced.length) return html`<p class="empty">No table there now would be replaced.</p>`;
  return html`<table class="list" id="plan-replaced">
    <thead><tr><th>Table replaced</th><th>Rows now</th><th>Rows in the backup</th></tr></thead>
    <tbody>${plan.tablesReplaced.map(
      (table) => html`<tr data-table=${table.name}><td><code>${table.name}</code></td>
        <td class="number">${count(table.rowsNow)}</td><td class="number">${count(table.rowsInBackup)}</td></tr>`
    )}</tbody>
  </table>`;
}

function planFacts(plan, schema) {
  const added = schema === "BACKUP" ? "Columns dropped (added since the backup)" : "Columns added since (take their defaults)";
  const lost = schema === "BACKUP" ? "Columns brought back" : "Columns the tables no longer have";
  return html`${replacedTable(plan)}
    <dl class="facts">
      ${names("plan-created", "Tables created", plan.tablesCreated)}
      ${names("plan-columns-added", added, plan.columnsAdded)}
      ${names("plan-columns-lost", lost, plan.columnsLost)}
      ${names("plan-dropped", "Objects dropped for good", plan.objectsDropped)}
      <dt>Uploads</dt><dd>${plan.uploadsReplaced ? "replaced by the backup's" : "left as they are"}</dd>
      <dt>First</dt><dd>${plan.preRestoreSnapshot
        ? "a pre-restore snapshot of what is replaced (restoring it undoes this restore)"
        : "no pre-restore snapshot"}</dd>
    </dl>
    ${plan.warnings.length
      ? html`<ul class="warnings" id="plan-warnings">${plan.warnings.map((line) => html`<li>${line}</li>`)}</ul>`
      : nothing}`;
}

/** What the restore would do, its refusal, or the API's error for these options. */
export function planView(dialog) {
  const plan = dialog.plan;
  const status = dialog.planning ? "planning" : dialog.planError ? "error" : plan?.refusal ? "refused" : plan ? "ready" : "planning";
  return html`<section class="plan" id="restore-plan" data-state=${status}
    data-answers=${dialog.planAnswers}>
    <h3>What this restore would do ${dialog.planning ? html`<span class="live">checking…</span>` : nothing}
      <button class="link" id="replan" @click=${planRestore} ?disabled=${dialog.planning}>check again</button></h3>
    ${errorBox(dialog.planError)}
    ${plan?.refusal
      ? html`<div class="error" role="alert" id="restore-refusal"><p><strong>The API would refuse it:</strong> ${plan.refusal}</p></div>`
      : nothing}
    ${plan && !dialog.planError ? planFacts(plan, dialog.options.schema) : nothing}
  </section>`;
}

/** Restoring is offered only for a plan the API answered without refusal. */
export function planAllowsRestore(dialog) {
  return Boolean(dialog.plan && !dialog.plan.refusal && !dialog.planError && !dialog.planning);
}
