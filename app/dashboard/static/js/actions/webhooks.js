// Webhooks and their deliveries. A new webhook's secret is shown once, as the API returns it.
import {
  CREATE_WEBHOOK,
  DELETE_WEBHOOK,
  DELIVERIES,
  SET_WEBHOOK_ENABLED,
  WEBHOOKS,
} from "../api/documents.js";
import { PAGE_SIZE, update } from "../store.js";
import { call } from "./run.js";

export async function loadWebhooks() {
  const data = await call(WEBHOOKS, {}, "webhooks");
  if (data) {
    update((s) => {
      s.webhooks.items = data.webhooks;
    });
  }
}

export async function loadDeliveries() {
  const data = await call(DELIVERIES, { limit: PAGE_SIZE }, "deliveries");
  if (data) {
    update((s) => {
      s.deliveries.items = data.notificationDeliveries;
    });
  }
}

export async function createWebhook(form) {
  const fields = new FormData(form);
  const events = fields.getAll("events");
  const input = {
    url: fields.get("url").trim(),
    events: events.length ? events : null,
    description: fields.get("description").trim() || null,
    secret: fields.get("secret") || null,
  };
  const data = await call(CREATE_WEBHOOK, { input }, "webhooks", "formError");
  update((s) => {
    s.webhooks.created = data ? data.createWebhook : null;
  });
  if (!data) return;
  form.reset();
  loadWebhooks();
}

export async function setWebhookEnabled(id, enabled) {
  if (await call(SET_WEBHOOK_ENABLED, { id, enabled }, "webhooks")) loadWebhooks();
}

export async function deleteWebhook(id) {
  if (!window.confirm("Delete this webhook?")) return;
  if (await call(DELETE_WEBHOOK, { id }, "webhooks")) loadWebhooks();
}
