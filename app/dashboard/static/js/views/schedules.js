// Schedules: enable, disable, edit (whether each backup gets a restore drill too), next run.
// A bad cron comes back with the API's message.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import {
  deleteSchedule,
  editSchedule,
  saveSchedule,
  setEnabled,
} from "../actions/schedules.js";
import { when } from "../format.js";
import { errorBox } from "./parts.js";

const TYPES = ["SCHEDULED", "FULL", "PARTIAL"];
const RULES = [
  ["keepLast", "keep last"],
  ["keepDaily", "daily"],
  ["keepWeekly", "weekly"],
  ["keepMonthly", "monthly"],
];
const EMPTY = {
  name: "",
  cron: "0 2 * * *",
  timezone: "UTC",
  backupType: "SCHEDULED",
  tables: null,
  description: "",
  enabled: true,
  verify: true,
  retention: { keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
};

function form(state) {
  const id = state.schedules.editing;
  const schedule = id === "new" ? EMPTY : state.schedules.items.find((item) => item.id === id);
  if (!schedule) return nothing;
  const submit = (event) => {
    event.preventDefault();
    saveSchedule(event.target, id);
  };
  return html`<form class="card schedule-form" id="schedule-form" @submit=${submit}>
    <h3>${id === "new" ? "New schedule" : `Edit ${schedule.name}`}</h3>
    <label>Name <input name="name" required .value=${schedule.name} /></label>
    <label>Cron <input name="cron" required spellcheck="false" .value=${schedule.cron} /></label>
    <label>Time zone <input name="timezone" required .value=${schedule.timezone} /></label>
    <label>Type <select name="backupType">
      ${TYPES.map((type) => html`<option value=${type} ?selected=${type === schedule.backupType}>${type.toLowerCase()}</option>`)}
    </select></label>
    <label class="block">Tables of a partial schedule, one per line
      <textarea name="tables" rows="2" spellcheck="false" .value=${(schedule.tables || []).join("\n")}></textarea></label>
    <label class="block">Description <input name="description" .value=${schedule.description || ""} /></label>
    <fieldset><legend>Retention (0 turns a rule off)</legend>
      ${RULES.map(([rule, label]) => html`<label>${label} <input name=${rule} type="number" min="0" .value=${String(schedule.retention[rule])} /></label>`)}
    </fieldset>
    <label><input type="checkbox" name="enabled" .checked=${schedule.enabled} /> enabled</label>
    <label><input type="checkbox" name="verify" .checked=${schedule.verify} /> verify each backup with a restore drill</label>
    <button type="submit" ?disabled=${state.schedules.busy}>Save</button>
    <button type="button" @click=${() => editSchedule(null)}>Cancel</button>
    ${errorBox(state.schedules.formError)}
  </form>`;
}

function row(schedule) {
  const r = schedule.retention;
  return html`<tr data-schedule=${schedule.name}>
    <td><strong>${schedule.name}</strong>${schedule.description ? html`<div class="note">${schedule.description}</div>` : nothing}</td>
    <td><code>${schedule.cron}</code> ${schedule.timezone}</td>
    <td>${schedule.backupType.toLowerCase()}${schedule.tables ? html`<div class="note">${schedule.tables.join(", ")}</div>` : nothing}</td>
    <td>${schedule.enabled ? "enabled" : "disabled"}<div class="note">${schedule.verify ? "drilled" : "not drilled"}</div></td>
    <td>${schedule.enabled ? when(schedule.nextRunAt) : "—"}</td>
    <td>${when(schedule.lastFiredAt)}${schedule.lastBackupId ? html`<div><code>${schedule.lastBackupId}</code></div>` : nothing}</td>
    <td>last ${r.keepLast}, daily ${r.keepDaily}, weekly ${r.keepWeekly}, monthly ${r.keepMonthly}</td>
    <td class="actions">
      <button @click=${() => setEnabled(schedule.id, !schedule.enabled)}>${schedule.enabled ? "Disable" : "Enable"}</button>
      <button @click=${() => editSchedule(schedule.id)}>Edit</button>
      <button @click=${() => deleteSchedule(schedule.id)}>Delete</button>
    </td>
  </tr>`;
}

export function schedulesView(state) {
  return html`<section class="schedules">
    <div class="toolbar"><h2>Schedules</h2>
      <button @click=${() => editSchedule("new")}>New schedule</button></div>
    ${errorBox(state.schedules.error)}
    ${form(state)}
    <table class="list" id="schedules-table">
      <thead><tr><th>Name</th><th>Cron</th><th>Type</th><th>State</th><th>Next run</th>
        <th>Last fired</th><th>Retention</th><th></th></tr></thead>
      <tbody>${state.schedules.items.map(row)}</tbody>
    </table>
  </section>`;
}
