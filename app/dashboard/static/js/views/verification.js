// A backup's latest restore drill (Backup.verification) in one cell of the backups list.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { count, when } from "../format.js";

const LABEL = { PASSED: "verified", FAILED: "damaged", ERROR: "drill error", RUNNING: "verifying" };

export function verified(drill) {
  if (!drill) return html`<span class="note" data-verification="NONE">never</span>`;
  const percent = drill.progress?.percent;
  const checked =
    drill.tablesChecked !== null && drill.tablesChecked !== undefined
      ? `${count(drill.tablesChecked)} tables, ${count(drill.rowsChecked)} rows checked`
      : null;
  return html`<span data-verification=${drill.status}
      title=${[`started ${when(drill.startedAt)}`, drill.finishedAt ? `finished ${when(drill.finishedAt)}` : null, checked].filter(Boolean).join("\n")}>
      <span class="badge ${drill.status.toLowerCase()}">${LABEL[drill.status] || drill.status}</span>
      ${drill.status === "RUNNING" && percent !== null && percent !== undefined ? html` ${Math.round(percent)}%` : nothing}
    </span>
    ${drill.finishedAt ? html`<div class="note">${when(drill.finishedAt)}</div>` : nothing}
    ${drill.error ? html`<div class="note failed">${drill.error}</div>` : nothing}`;
}
