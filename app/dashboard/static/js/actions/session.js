// Changing the token reloads everything the page shows, under the new token.
import { ME } from "../api/documents.js";
import { reconnect } from "../api/live.js";
import { update } from "../store.js";
import { forgetToken, saveToken } from "../token.js";
import { loadBackups } from "./backups.js";
import { followRunning, forgetJobs } from "./jobs.js";
import { loadRestores } from "./restores.js";
import { call } from "./run.js";
import { loadSchedules } from "./schedules.js";
import { loadDeliveries, loadWebhooks } from "./webhooks.js";

/** Load what every tab shows. */
export function loadAll() {
  loadMe();
  followRunning();
  loadBackups();
  loadRestores();
  loadSchedules();
  loadWebhooks();
  loadDeliveries();
}

/** Who the token belongs to, and its role (what the API will let it do). */
async function loadMe() {
  const data = await call(ME, {}, "session");
  update((s) => {
    s.session.me = data ? data.me : null;
  });
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
  forgetJobs();
  reconnect();
  update((s) => {
    s.create.tables = null;
    s.restoreDialog = null;
  });
  loadAll();
}

export function showTab(tab) {
  update((s) => {
    s.tab = tab;
  });
}
