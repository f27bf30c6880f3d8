// The page's one state object. Actions change it through update(); the view is re-rendered
// once per animation frame however many updates happened meanwhile.
const listeners = [];
let scheduled = false;

export const PAGE_SIZE = 50;

function list() {
  // `cursors` holds the `before` cursor of each page shown so far (null: the newest page).
  return { items: [], cursors: [null], hasOlder: false, loading: false, error: null };
}

export const state = {
  tab: "backups",
  session: { me: null, error: null },
  // verifyError: { backupId, error } of the latest verifyBackup (or drill watch) that failed.
  backups: { ...list(), filters: { status: "", type: "", includeDeleted: false }, verifyError: null },
  create: { kind: "FULL", busy: false, error: null, created: null, tables: null, tablesError: null },
  jobs: { backups: new Map(), restores: new Map() },
  running: { error: null },
  restoreDialog: null,
  restores: { ...list(), filters: { status: "" } },
  schedules: { items: [], error: null, editing: null, formError: null, busy: false },
  retention: { scheduleId: "", report: null, error: null, busy: false },
  webhooks: { items: [], error: null, formError: null, created: null },
  deliveries: { items: [], error: null },
};

export function newList() {
  return list();
}

/** Apply `change` to the state and schedule a render. */
export function update(change) {
  change(state);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      for (const listener of listeners) listener(state);
    });
  }
}

export function onChange(listener) {
  listeners.push(listener);
}
