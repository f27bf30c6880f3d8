// Schedules: list, enable/disable, create, edit, delete. The API validates cron, time zone and
// tables; its message is shown as it comes.
import {
  CREATE_SCHEDULE,
  DELETE_SCHEDULE,
  SCHEDULES,
  SET_SCHEDULE_ENABLED,
  UPDATE_SCHEDULE,
} from "../api/documents.js";
import { update } from "../store.js";
import { call } from "./run.js";

const RULES = ["keepLast", "keepDaily", "keepWeekly", "keepMonthly"];

export async function loadSchedules() {
  const data = await call(SCHEDULES, {}, "schedules");
  if (data) {
    update((s) => {
      s.schedules.items = data.schedules;
    });
  }
}

/** Open the form: `id` of a schedule to edit, or "new"; null closes it. */
export function editSchedule(id) {
  update((s) => {
    s.schedules.editing = id;
    s.schedules.formError = null;
  });
}

export async function setEnabled(id, enabled) {
  if (await call(SET_SCHEDULE_ENABLED, { id, enabled }, "schedules")) loadSchedules();
}

export async function deleteSchedule(id) {
  if (!window.confirm("Delete this schedule?")) return;
  if (await call(DELETE_SCHEDULE, { id }, "schedules")) loadSchedules();
}

/** Send the form: createSchedule for "new", else updateSchedule with every field. */
export async function saveSchedule(form, id) {
  const input = scheduleInput(new FormData(form));
  const [document, variables] =
    id === "new" ? [CREATE_SCHEDULE, { input }] : [UPDATE_SCHEDULE, { input: { id, ...input } }];
  update((s) => {
    s.schedules.busy = true;
  });
  const data = await call(document, variables, "schedules", "formError");
  update((s) => {
    s.schedules.busy = false;
    if (data) s.schedules.editing = null;
  });
  if (data) loadSchedules();
}

function scheduleInput(fields) {
  const tables = (fields.get("tables") || "")
    .split("\n")
    .map((name) => name.trim())
    .filter(Boolean);
  const retention = {};
  for (const rule of RULES) retention[rule] = Number(fields.get(rule) || 0);
  return {
    name: fields.get("name").trim(),
    cron: fields.get("cron").trim(),
    timezone: fields.get("timezone").trim(),
    backupType: fields.get("backupType"),
    tables: tables.length ? tables : null,
    description: fields.get("description").trim() || null,
    enabled: fields.get("enabled") === "on",
    verify: fields.get("verify") === "on",
    retention,
  };
}
