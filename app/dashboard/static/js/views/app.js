// The whole page: token bar, tabs, running jobs, the current tab, and the restore dialog.
import { html } from "../../vendor/lit-html/lit-html.js";
import { showTab } from "../actions/session.js";
import { backupsView } from "./backups.js";
import { jobsPanel } from "./jobs.js";
import { restoreDialog } from "./restore-dialog.js";
import { restoresView } from "./restores.js";
import { retentionView } from "./retention.js";
import { schedulesView } from "./schedules.js";
import { tokenBar } from "./token-bar.js";
import { webhooksView } from "./webhooks.js";

const TABS = [
  ["backups", "Backups", backupsView],
  ["restores", "Restores", restoresView],
  ["schedules", "Schedules", schedulesView],
  ["retention", "Retention", retentionView],
  ["webhooks", "Webhooks", webhooksView],
];

export function appView(state) {
  const [, , view] = TABS.find(([name]) => name === state.tab);
  return html`${tokenBar(state.session)}
    <nav class="tabs">
      ${TABS.map(
        ([name, label]) =>
          html`<button class=${name === state.tab ? "active" : ""} data-tab=${name}
            @click=${() => showTab(name)}>${label}</button>`
      )}
    </nav>
    <main>${jobsPanel(state)} ${view(state)}</main>
    ${restoreDialog(state)}`;
}
