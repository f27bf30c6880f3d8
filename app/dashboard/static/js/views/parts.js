// Small pieces every view uses: the API's errors, progress bars, status badges.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { bytes, count, seconds, status } from "../format.js";

/** Every error the API returned, each with its code and message. */
export function errorBox(error) {
  if (!error) return nothing;
  const problems = error.problems || [{ code: null, message: error.message }];
  return html`<div class="error" role="alert">
    ${problems.map(
      (problem) =>
        html`<p>${problem.code ? html`<code>${problem.code}</code> ` : nothing}${problem.message}</p>`
    )}
  </div>`;
}

export function badge(value) {
  return html`<span class="badge ${(value || "").toLowerCase()}">${status(value)}</span>`;
}

const FINISHED = new Set(["COMPLETED", "FAILED"]);

/** A bar for a backup's or restore's `progress` (JobProgress), full once the job completed. */
export function progressBar(item) {
  const progress = item.progress || {};
  const done = item.status === "COMPLETED";
  const percent = done ? 100 : progress.percent;
  const known = percent !== null && percent !== undefined;
  const facts = [
    progress.step && `step ${progress.step}`,
    progress.currentTable && `table ${progress.currentTable}`,
    progress.tablesTotal ? `${count(progress.tablesDone)}/${count(progress.tablesTotal)} tables` : null,
    progress.rowsDone ? `${count(progress.rowsDone)} rows` : null,
    progress.bytesDone ? bytes(progress.bytesDone) : null,
    !FINISHED.has(item.status) && progress.etaSeconds ? `about ${seconds(progress.etaSeconds)} left` : null,
  ].filter(Boolean);
  return html`<div class="progress">
    ${known
      ? html`<progress max="100" .value=${percent}></progress>
          <span class="percent">${Math.round(percent)}%</span>`
      : html`<progress></progress>`}
    <span class="facts">${facts.join(" · ")}</span>
  </div>`;
}

/** Newer/older buttons for a list paged by cursor (actions/paging.js). */
export function pager(list, { newer, older }) {
  const page = list.cursors.length;
  return html`<div class="pager">
    <button class="newer" @click=${newer} ?disabled=${page === 1 || list.loading}>← Newer</button>
    <span>page ${page}</span>
    <button class="older" @click=${older} ?disabled=${!list.hasOlder || list.loading}>Older →</button>
  </div>`;
}

/** A <select> of `choices` (value, label) that calls `onPick(value)`; "" means any. */
export function choice(label, name, current, choices, onPick) {
  return html`<label>${label}
    <select name=${name} @change=${(event) => onPick(event.target.value)}>
      ${choices.map(([value, text]) => html`<option value=${value} ?selected=${value === current}>${text}</option>`)}
    </select></label>`;
}
