// The create form: a full backup, or a partial one of chosen tables.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { chooseKind, createBackup } from "../actions/backups.js";
import { bytes, count } from "../format.js";
import { errorBox } from "./parts.js";

// The target's tables from the `tables` query, each a checkbox sending its name as listed.
function tablePicker(create) {
  if (create.tables === null) return create.tablesError ? nothing : html`<p>Loading tables…</p>`;
  if (!create.tables.length) return html`<p class="empty">The target database has no tables.</p>`;
  return html`<fieldset class="tables" id="table-picker"><legend>Tables</legend>
    ${create.tables.map(
      (table) => html`<label class="table"><input type="checkbox" name="tables" value=${table.name} />
        <code>${table.name}</code> <span class="note">~${count(table.estimatedRows)} rows, ${bytes(table.sizeBytes)}</span></label>`
    )}
  </fieldset>`;
}

export function createBackupForm(state) {
  const create = state.create;
  const submit = (event) => {
    event.preventDefault();
    createBackup(event.target);
  };
  const pick = (event) => chooseKind(event.target.value);
  return html`<form class="create card" id="create-backup" @submit=${submit}>
    <h2>New backup</h2>
    <label><input type="radio" name="type" value="FULL" .checked=${create.kind === "FULL"} @change=${pick} />
      Full (every table and the uploads)</label>
    <label><input type="radio" name="type" value="PARTIAL" .checked=${create.kind === "PARTIAL"} @change=${pick} />
      Partial (chosen tables)</label>
    ${create.kind === "PARTIAL" ? html`${tablePicker(create)} ${errorBox(create.tablesError)}` : nothing}
    <label class="block">Description <input name="description" type="text" /></label>
    <button type="submit" ?disabled=${create.busy}>Create backup</button>
    ${create.created ? html`<p class="note" id="created-backup">Started <code>${create.created}</code>.</p>` : nothing}
    ${errorBox(create.error)}
  </form>`;
}
