// Changing the token reloads everything the page shows, under the new token.
import { forgetToken, saveToken } from "../token.js";
import { update } from "../store.js";
import { loadBackups } from "./backups.js";
import { loadRestores } from "./restores.js";
import { loadSchedules } from "./schedules.js";
import { loadDeliveries, loadWebhooks } from "./webhooks.js";

/** Load what every tab shows. */
export function loadAll() {
  loadBackups();
  loadRestores();
  loadSchedules();
  loadWebhooks();
  loadDeliveries();
}

export function changeToken(token) {
  saveToken(token || "");
  restart();
}

export function dropToken() {
  forgetToken();
  restart();
}

function restart() {
  update((s) => {
    s.restoreDialog = null;
  });
  loadAll();
}

export function showTab(tab) {
  update((s) => {
    s.tab = tab;
  });
}
