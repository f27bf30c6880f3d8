// Entry point: take a token handed over in the URL, render on every state change, load data.
import { render } from "../vendor/lit-html/lit-html.js";
import { loadAll } from "./actions/session.js";
import { onChange, state } from "./store.js";
import { takeTokenFromFragment } from "./token.js";
import { appView } from "./views/app.js";

takeTokenFromFragment();
const root = document.getElementById("dashboard");
onChange((current) => render(appView(current), root));
render(appView(state), root);
loadAll();
