// The twinstack console: plain browser JavaScript over the control plane's own calls (no framework, no build).
"use strict";

const CONTROL = "/_twinstack";
const API = CONTROL + "/console/api";
const TOKEN_KEY = "twinstack-control-token";
const MAX_REQUEST_ROWS = 500;
const PAGE = 50;
const OUTBOX_POLL_MS = 2000;
const CLOCK_POLL_MS = 5000;

const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function notice(message, isError) {
  const box = $("notice");
  box.hidden = !message;
  box.textContent = message || "";
  box.className = isError ? "error" : "";
}

function headers(extra) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const all = Object.assign({}, extra || {});
  if (token) all["Authorization"] = "Bearer " + token;
  return all;
}

async function call(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = { message: text }; }
  if (response.status === 401) {
    notice("This twin's control plane needs its control token: enter it at the top right.", true);
    $("token").focus();
    throw new Error("control token required");
  }
  if (!response.ok) {
    const message = (data && (data.message || data.error)) || response.statusText;
    notice(method + " " + path + ": " + response.status + " " + message, true);
    throw new Error(message);
  }
  return data;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== "" && value != null) q.set(key, value);
  return q.toString();
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const area = el("textarea", {}, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; }, 1200);
}

function cell(value) {
  if (value === null || value === undefined) return el("td", { class: "muted", text: "" });
  if (typeof value === "object") {
    const text = JSON.stringify(value);
    return el("td", {}, text.length > 80 ? el("details", {}, el("summary", { text: text.slice(0, 60) + "…" }),
      el("pre", { text: JSON.stringify(value, null, 2) })) : el("pre", { text }));
  }
  return el("td", { text: String(value) });
}

function table(columns, rows, id) {
  const head = el("tr", {}, ...columns.map((c) => el("th", { text: c.title })));
  const body = el("tbody");
  for (const row of rows) body.append(el("tr", {}, ...columns.map((c) => c.render ? c.render(row) : cell(row[c.key]))));
  const grid = el("table", { class: "grid" }, el("thead", {}, head), body);
  if (id) grid.id = id;
  return grid;
}

// -- state shared by the panels -------------------------------------------------
const state = { services: [], tenants: [], resources: { collection: "", offset: 0 }, requests: [] };

async function loadInfo() {
  const info = await call("GET", API + "/info");
  state.services = info.services;
  showClock(info.now, info.speed);
  const select = $("res-service");
  const chosen = select.value;
  select.replaceChildren(...info.services.map((s) => el("option", { value: s, text: s })));
  if (chosen) select.value = chosen;
}

function showClock(now, speed) {
  $("clock-now").textContent = "twin time " + now;
  $("clock-value").textContent = now;
  if (speed) $("clock-speed").textContent = "(speed: " + speed + ")";
}

// -- tenants ----------------------------------------------------------------------
async function loadTenants() {
  const data = await call("GET", API + "/tenants");
  state.tenants = data.tenants;
  $("tenants-total").textContent = data.total + " tenant" + (data.total === 1 ? "" : "s");
  const list = $("tenants-list");
  list.replaceChildren(...[...data.tenants].reverse().map(tenantCard));
  const select = $("res-tenant");
  const chosen = select.value;
  select.replaceChildren(...data.tenants.map((t) => el("option", { value: t.id, text: t.name === t.id ? t.id : t.name + " · " + t.id })));
  if (chosen && data.tenants.some((t) => t.id === chosen)) select.value = chosen;
}

function tenantCard(tenant) {
  const grid = el("div", { class: "cred" });
  for (const [service, creds] of Object.entries(tenant.credentials)) {
    for (const [name, value] of Object.entries(creds)) {
      const text = typeof value === "string" ? value : JSON.stringify(value);
      const button = el("button", { type: "button", class: "copy", "data-service": service, "data-name": name, text: "Copy" });
      button.addEventListener("click", () => copy(text, button));
      grid.append(el("span", { text: service }), el("span", { class: "muted", text: name }), el("code", { text }), button);
    }
  }
  const card = el("div", { class: "tenant", "data-tenant": tenant.id },
    el("h3", { text: tenant.name + " " }, el("span", { class: "muted", text: tenant.id })), grid);
  const browse = el("button", { type: "button", text: "Resources" });
  browse.addEventListener("click", () => { $("res-tenant").value = tenant.id; location.hash = "#resources"; });
  card.querySelector("h3").append(" ", browse);
  return card;
}

async function createTenant() {
  const name = $("tenant-name").value.trim();
  const made = await call("POST", CONTROL + "/tenants", name ? { name } : {});
  $("tenant-name").value = "";
  await loadTenants();
  notice("Tenant " + made.id + " created.");
}

// -- resources --------------------------------------------------------------------
// Each load of the resources panel numbers itself, so an answer that arrives after a newer choice is dropped.
let resourcesShown = 0;

async function loadCollections() {
  const tenant = $("res-tenant").value, service = $("res-service").value;
  if (!tenant || !service) return;
  const mine = ++resourcesShown;
  const data = await call("GET", API + "/resources?" + query({ tenant, service }));
  if (mine !== resourcesShown) return;
  const list = $("res-collections");
  if (!data.collections.some((c) => c.name === state.resources.collection)) {
    state.resources.collection = data.collections.length ? data.collections[0].name : "";
    state.resources.offset = 0;
  }
  list.replaceChildren(...data.collections.map((c) => {
    const button = el("button", { type: "button", "data-collection": c.name, text: c.name + " (" + c.count + ")" });
    if (c.name === state.resources.collection) button.className = "active";
    button.addEventListener("click", () => { state.resources = { collection: c.name, offset: 0 }; loadCollections(); });
    return el("li", {}, button);
  }));
  if (!data.collections.length) {
    $("res-table").replaceChildren(el("p", { class: "muted", text: "This tenant holds nothing in " + service + " yet." }));
    $("res-range").textContent = "";
    $("res-prev").disabled = $("res-next").disabled = true;
    return;
  }
  await loadPage(mine);
}

// What a person looks for first in a row: which resource it is and where its lifecycle stands.
const FIRST_COLUMNS = ["id", "uuid", "name", "status", "state", "power_status", "created_at"];
const MAX_COLUMNS = 16;

function columnsOf(items) {
  const seen = [];
  // Fields starting with "_" are the twin's own bookkeeping, not part of the resource.
  for (const item of items) for (const key of Object.keys(item.data)) if (!key.startsWith("_") && !seen.includes(key)) seen.push(key);
  const first = FIRST_COLUMNS.filter((k) => seen.includes(k));
  const scalar = (k) => items.every((i) => i.data[k] === null || typeof i.data[k] !== "object");
  const rest = seen.filter((k) => !first.includes(k));
  return [...first, ...rest.filter(scalar), ...rest.filter((k) => !scalar(k))].slice(0, MAX_COLUMNS);
}

async function loadPage(mine) {
  if (mine === undefined) mine = ++resourcesShown;
  const tenant = $("res-tenant").value, service = $("res-service").value;
  const { collection, offset } = state.resources;
  const data = await call("GET", API + "/resources?" + query({ tenant, service, collection, offset, limit: PAGE }));
  if (mine !== resourcesShown) return;
  const jsonLink = (item) => API + "/resources?" + query(item.key != null
    ? { tenant, service, collection, id: item.key } : { tenant, service, collection, position: item.position });
  const columns = [
    { title: "", render: (item) => el("td", {}, el("a", { href: jsonLink(item), target: "_blank", text: "JSON" })) },
    ...columnsOf(data.items).map((key) => ({ title: key, render: (item) => cell(item.data[key]) })),
  ];
  const grid = table(columns, data.items, "res-grid");
  grid.dataset.collection = collection;
  grid.dataset.tenant = tenant;
  grid.dataset.service = service;
  $("res-table").replaceChildren(grid);
  $("res-range").textContent = data.items.length
    ? (offset + 1) + "–" + (offset + data.items.length) + " of " + data.count : "none";
  $("res-prev").disabled = offset === 0;
  $("res-next").disabled = data.next_offset == null;
  state.resources.next = data.next_offset;
}

// -- outbox -----------------------------------------------------------------------
async function loadOutbox() {
  const params = { channel: $("out-channel").value, recipient: $("out-recipient").value.trim(), limit: 100 };
  const data = await call("GET", CONTROL + "/outbox?" + query(params));
  const columns = [
    { title: "sent", key: "created_at" }, { title: "service", key: "service" }, { title: "channel", key: "channel" },
    { title: "from", key: "sender" }, { title: "to", key: "recipient" }, { title: "subject", key: "subject" },
    { title: "body", render: (m) => el("td", { class: "body" }, el("pre", { text: m.body == null ? "" : String(m.body) })) },
    { title: "metadata", render: (m) => cell(m.metadata) }, { title: "tenant", key: "tenant" },
  ];
  $("out-table").replaceChildren(data.messages.length ? table(columns, data.messages, "out-grid")
    : el("p", { class: "muted", text: "Nothing sent yet." }));
}

// -- request journal (live over server-sent events) --------------------------------
function requestRow(entry) {
  const status = String(entry.status == null ? "" : entry.status);
  const row = el("tr", {},
    el("td", { text: entry.at || "" }), el("td", { text: entry.method || "" }), el("td", { text: entry.path || "" }),
    el("td", { class: "status-" + status.charAt(0), text: status }), el("td", { text: entry.service || "" }),
    el("td", { text: entry.operation || "" }), el("td", { text: entry.duration_ms == null ? "" : String(entry.duration_ms) }));
  row.dataset.search = [entry.method, entry.path, status, entry.service, entry.operation].join(" ").toLowerCase();
  return row;
}

function applyFilter() {
  const words = $("req-filter").value.toLowerCase().split(/\s+/).filter(Boolean);
  for (const row of $("req-table").tBodies[0].rows) {
    row.hidden = !words.every((w) => row.dataset.search.includes(w));
  }
}

function addRequests(entries, atTop) {
  const body = $("req-table").tBodies[0];
  for (const entry of entries) {
    const row = requestRow(entry);
    if (atTop) body.prepend(row); else body.append(row);
  }
  while (body.rows.length > MAX_REQUEST_ROWS) body.deleteRow(body.rows.length - 1);
  applyFilter();
}

async function loadRequests() {
  const data = await call("GET", CONTROL + "/requests?limit=200");
  $("req-table").tBodies[0].replaceChildren();
  addRequests(data.requests, false);
}

let streamAbort = null;
// The newest entry's cursor: a reconnect asks for what came after it, so nothing between two streams is lost.
let lastCursor = null;
let following = 0;

async function follow() {
  // fetch rather than EventSource: it can send the control token as a header.
  const mine = ++following;
  while ($("req-live").checked && mine === following) {
    streamAbort = new AbortController();
    try {
      const since = lastCursor ? "&after=" + encodeURIComponent(lastCursor) : "";
      const response = await fetch(API + "/requests/stream?seconds=60" + since, { headers: headers(), signal: streamAbort.signal });
      if (response.status === 401) { $("req-state").textContent = "needs the control token"; return; }
      $("req-state").textContent = "live";
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          handleEvent(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch (e) {
      if (!$("req-live").checked || mine !== following) return;
      $("req-state").textContent = "reconnecting…";
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  if (mine === following) $("req-state").textContent = "paused";
}

let outboxTimer = null;

function handleEvent(block) {
  let kind = "message", data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event: ")) kind = line.slice(7);
    else if (line.startsWith("data: ")) data += line.slice(6);
  }
  if (kind !== "request" || !data) return;
  const entry = JSON.parse(data);
  lastCursor = entry.cursor || lastCursor;
  addRequests([entry], true);
  // A service call may have sent something: refresh the outbox if it is on screen, once per burst.
  if (currentTab() === "outbox" && !outboxTimer) {
    outboxTimer = setTimeout(() => { outboxTimer = null; loadOutbox().catch(() => {}); }, 300);
  }
}

// -- clock and reset -----------------------------------------------------------------
function parseDuration(text) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text);
  if (!match) return null;
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2].toLowerCase()];
  return Number(match[1]) * unit;
}

async function advance(seconds) {
  if (seconds == null) { notice("Advance by: a number of seconds, or 90, 15m, 1h, 2d.", true); return; }
  const result = await call("POST", CONTROL + "/clock/advance", { seconds });
  showClock(result.now);
  $("clock-result").textContent = "Advanced " + seconds + " s; " + result.jobs_run + " job(s) ran; now " + result.now + ".";
  notice("");
  if (state.resources.collection) loadCollections().catch(() => {});
}

async function reset() {
  if (!confirm("Reset wipes all state, every tenant included. Continue?")) return;
  await call("POST", CONTROL + "/reset");
  state.resources = { collection: "", offset: 0 };
  $("req-table").tBodies[0].replaceChildren();
  await Promise.all([loadTenants(), loadInfo()]);
  $("clock-result").textContent = "State reset.";
}

// -- tabs and wiring ----------------------------------------------------------------------
function currentTab() {
  const name = location.hash.slice(1);
  return ["tenants", "resources", "outbox", "requests", "clock"].includes(name) ? name : "tenants";
}

async function showTab() {
  const name = currentTab();
  for (const panel of document.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== name;
  for (const link of document.querySelectorAll("[data-tab]")) link.classList.toggle("active", link.dataset.tab === name);
  const loaders = { tenants: loadTenants, resources: loadCollections, outbox: loadOutbox, requests: loadRequests, clock: loadInfo };
  try { await loaders[name](); } catch (e) { /* shown in the notice */ }
}

function wire() {
  const click = (id, action) => $(id).addEventListener("click", () => action().catch(() => {}));
  $("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
    notice("");
    start();
  });
  click("tenant-create", createTenant);
  click("tenants-refresh", loadTenants);
  click("res-refresh", loadCollections);
  $("res-tenant").addEventListener("change", () => { state.resources = { collection: "", offset: 0 }; loadCollections().catch(() => {}); });
  $("res-service").addEventListener("change", () => { state.resources = { collection: "", offset: 0 }; loadCollections().catch(() => {}); });
  click("res-prev", () => { state.resources.offset = Math.max(0, state.resources.offset - PAGE); return loadPage(); });
  click("res-next", () => { state.resources.offset = state.resources.next || 0; return loadPage(); });
  click("out-refresh", loadOutbox);
  $("out-channel").addEventListener("change", () => loadOutbox().catch(() => {}));
  $("out-recipient").addEventListener("change", () => loadOutbox().catch(() => {}));
  $("req-filter").addEventListener("input", applyFilter);
  $("req-live").addEventListener("change", () => {
    if ($("req-live").checked) follow(); else if (streamAbort) streamAbort.abort();
  });
  click("req-clear", async () => { $("req-table").tBodies[0].replaceChildren(); });
  $("clock-form").addEventListener("submit", (event) => {
    event.preventDefault();
    advance(parseDuration($("clock-seconds").value)).catch(() => {});
  });
  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", () => advance(Number(button.dataset.advance)).catch(() => {}));
  }
  click("reset", reset);
  window.addEventListener("hashchange", showTab);
  // Messages also land from the twin's own jobs (an SMS is sent a moment after it is queued), with no request to
  // announce them: the open outbox is read again every few seconds.
  setInterval(() => {
    if (currentTab() === "outbox" && !document.hidden && !outboxTimer) loadOutbox().catch(() => {});
  }, OUTBOX_POLL_MS);
  // At realistic speed the twin clock runs on its own.
  setInterval(() => {
    if (!document.hidden) call("GET", API + "/info").then((info) => showClock(info.now, info.speed)).catch(() => {});
  }, CLOCK_POLL_MS);
}

async function start() {
  try {
    await Promise.all([loadInfo(), loadTenants()]);
  } catch (e) {
    return;
  }
  await showTab();
  if (streamAbort) streamAbort.abort();
  follow();
}

wire();
start();
