// Webhooks and their deliveries. A new webhook's secret is shown once, as the API returns it.
import { request } from "../api/client.js";
import {
  CREATE_WEBHOOK,
  DELETE_WEBHOOK,
  DELIVERIES,
  SET_WEBHOOK_ENABLED,
  WEBHOOKS,
} from "../api/documents.js";
import { PAGE_SIZE, update } from "../store.js";
import { attempt } from "./run.js";

export async function loadWebhooks() {
  const data = await attempt(
    () => request(WEBHOOKS),
    (s, error) => {
      s.webhooks.error = error;
    }
  );
  if (!data) return;
  update((s) => {
    s.webhooks.items = data.webhooks;
    s.webhooks.error = null;
  });
}

export async function loadDeliveries() {
  const data = await attempt(
    () => request(DELIVERIES, { limit: PAGE_SIZE }),
    (s, error) => {
      s.deliveries.error = error;
    }
  );
  if (!data) return;
  update((s) => {
    s.deliveries.items = data.notificationDeliveries;
    s.deliveries.error = null;
  });
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
  const data = await attempt(
    () => request(CREATE_WEBHOOK, { input }),
    (s, error) => {
      s.webhooks.formError = error;
      s.webhooks.created = null;
    }
  );
  if (!data) return;
  update((s) => {
    s.webhooks.formError = null;
    s.webhooks.created = data.createWebhook;
  });
  form.reset();
  loadWebhooks();
}

export async function setWebhookEnabled(id, enabled) {
  const data = await attempt(
    () => request(SET_WEBHOOK_ENABLED, { id, enabled }),
    (s, error) => {
      s.webhooks.error = error;
    }
  );
  if (data) loadWebhooks();
}

export async function deleteWebhook(id) {
  if (!window.confirm("Delete this webhook?")) return;
  const data = await attempt(
    () => request(DELETE_WEBHOOK, { id }),
    (s, error) => {
      s.webhooks.error = error;
    }
  );
  if (data) loadWebhooks();
}
