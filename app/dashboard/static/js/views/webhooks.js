// Webhooks (add, pause, delete) and the latest deliveries with their status and last error.
import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import {
  createWebhook,
  deleteWebhook,
  loadDeliveries,
  setWebhookEnabled,
} from "../actions/webhooks.js";
import { when } from "../format.js";
import { badge, errorBox } from "./parts.js";

// The events a webhook may subscribe to, as CreateWebhookInput.events lists them.
const EVENTS = [
  "backup.completed",
  "backup.failed",
  "restore.completed",
  "restore.failed",
  "backup.verification_failed",
  "backup.verification_error",
];

function createForm(state) {
  const submit = (event) => {
    event.preventDefault();
    createWebhook(event.target);
  };
  const created = state.webhooks.created;
  return html`<form class="card" id="webhook-form" @submit=${submit} autocomplete="off">
    <h3>New webhook</h3>
    <label class="block">URL <input name="url" type="url" required /></label>
    <fieldset><legend>Events (none ticked: all)</legend>
      ${EVENTS.map((name) => html`<label><input type="checkbox" name="events" value=${name} /> ${name}</label>`)}
    </fieldset>
    <label>Secret (optional, 16+ characters) <input name="secret" type="password" /></label>
    <label>Description <input name="description" /></label>
    <button type="submit">Add webhook</button>
    ${errorBox(state.webhooks.formError)}
    ${created
      ? html`<p class="secret">Secret of ${created.webhook.url}, shown only now:
          <code>${created.secret}</code></p>`
      : nothing}
  </form>`;
}

function webhookRow(hook) {
  return html`<tr>
    <td>${hook.url}${hook.description ? html`<div class="note">${hook.description}</div>` : nothing}</td>
    <td>${hook.events.join(", ")}</td>
    <td>${hook.enabled ? "enabled" : "paused"}</td>
    <td>${when(hook.createdAt)}</td>
    <td class="actions">
      <button @click=${() => setWebhookEnabled(hook.id, !hook.enabled)}>${hook.enabled ? "Pause" : "Resume"}</button>
      <button @click=${() => deleteWebhook(hook.id)}>Delete</button>
    </td>
  </tr>`;
}

function deliveryRow(delivery) {
  return html`<tr>
    <td>${when(delivery.createdAt)}</td><td>${delivery.event}</td><td><code>${delivery.subjectId}</code></td>
    <td>${delivery.channel}: ${delivery.destination}</td><td>${badge(delivery.status)}</td>
    <td class="number">${delivery.attempts}</td><td>${delivery.lastError || "—"}</td>
    <td>${when(delivery.deliveredAt)}</td>
  </tr>`;
}

export function webhooksView(state) {
  return html`<section class="webhooks">
    <h2>Webhooks</h2>
    ${errorBox(state.webhooks.error)}
    <table class="list" id="webhooks-table">
      <thead><tr><th>URL</th><th>Events</th><th>State</th><th>Created</th><th></th></tr></thead>
      <tbody>${state.webhooks.items.map(webhookRow)}</tbody>
    </table>
    ${createForm(state)}
    <div class="toolbar"><h2>Deliveries</h2><button @click=${loadDeliveries}>Refresh</button></div>
    ${errorBox(state.deliveries.error)}
    <table class="list" id="deliveries-table">
      <thead><tr><th>Created</th><th>Event</th><th>Subject</th><th>Destination</th><th>Status</th>
        <th>Attempts</th><th>Last error</th><th>Delivered</th></tr></thead>
      <tbody>${state.deliveries.items.map(deliveryRow)}</tbody>
    </table>
  </section>`;
}
