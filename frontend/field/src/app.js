// massline in the field: the member's list, decrypted only in this page's memory, and the
// writes made without a signal, sent in order and exactly once when there is one.
import * as store from "./store.js";

const body = document.body;
const urls = body.dataset;
const T = JSON.parse(document.getElementById("field-strings").textContent);
const $ = (id) => document.getElementById(id);
const SYNC_URLS = {
  person: urls.syncPerson,
  "person-change": urls.syncPersonChange,
  conversation: urls.syncConversation,
  reception: urls.syncReception,
};
const KEEP_SYNCED = 30;

const state = { key: null, list: null, csrf: null, retry: null, syncing: null };

function t(name, values = {}) {
  return (T[name] || name).replace(/%\((\w+)\)s/g, (_, k) => String(values[k] ?? ""));
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function notice(message) {
  const box = $("notice");
  box.textContent = message || "";
  box.hidden = !message;
}

function show(screen) {
  for (const section of document.querySelectorAll(".screen")) section.hidden = section.id !== `screen-${screen}`;
  $("field-nav").hidden = !state.key;
  window.scrollTo(0, 0);
}

function optionLabel(selectId, value) {
  const option = [...$(selectId).options].find((o) => o.value === value);
  return option ? option.textContent : value;
}

function responseLabel(value) {
  const input = document.querySelector(`#reception-form input[value="${CSS.escape(value)}"]`);
  return input ? input.parentElement.textContent.trim() : value;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : t("never");
}

// --- talking to the server ------------------------------------------------------------------

async function api(url, options = {}) {
  const device = await store.getMeta("device");
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (device) headers["X-Field-Device"] = device;
  if (state.csrf && options.method === "POST") headers["X-CSRFToken"] = state.csrf;
  const response = await fetch(url, { credentials: "same-origin", ...options, headers });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  if (data.wipe) {
    await wipe(t("wiped"));
    throw new Error("wiped");
  }
  return { response, data };
}

// The phone's contact with the server: a revoked phone or suspended member wipes here.
async function contact() {
  if (!navigator.onLine) return null;
  try {
    const { response, data } = await api(urls.hello);
    if (response.status === 401) {
      loginNeeded();
      return null;
    }
    if (!response.ok || !data.csrf) {
      if (response.redirected) loginNeeded();
      return null;
    }
    state.csrf = data.csrf;
    return data;
  } catch {
    return null;
  }
}

function loginNeeded() {
  const box = $("notice");
  box.replaceChildren(
    t("login_again") + " ",
    el("a", { href: `${urls.login}?next=${encodeURIComponent(urls.scope)}`, text: t("log_in") }),
  );
  box.hidden = false;
}

// --- unlocking and preparing ----------------------------------------------------------------

async function prepare(passphrase, name) {
  if (!navigator.onLine) throw new Error(t("need_online"));
  const hello = await contact();
  if (!hello) throw new Error(t("need_online"));
  if (!(await store.getMeta("device"))) {
    const { response, data } = await api(urls.register, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name }),
    });
    if (!response.ok) throw new Error(data.detail || t("need_online"));
    await store.setMeta("device", data.token);
  }
  if (!state.key) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    state.key = await store.deriveKey(passphrase, salt);
    await store.setMeta("salt", salt);
    await store.setMeta("check", await store.seal(state.key, "massline", "check"));
    await store.setMeta("member", hello.member);
  }
  await refresh();
}

async function refresh() {
  const { response, data } = await api(urls.list);
  if (response.status === 401) {
    loginNeeded();
    throw new Error(t("login_again"));
  }
  if (!response.ok || !Array.isArray(data.people)) throw new Error(data.detail || t("need_online"));
  // people recorded here and not yet synced stay in the list
  const local = (state.list?.people || []).filter((p) => p.local && !state.list.idmap?.[p.id]);
  data.people.push(...local);
  data.idmap = state.list?.idmap || {};
  state.list = data;
  await saveList();
  await store.setMeta("expires_at", data.expires_at);
}

async function saveList() {
  await store.putVault(state.key, "list", state.list);
}

async function unlock(passphrase) {
  const salt = await store.getMeta("salt");
  const key = await store.deriveKey(passphrase, salt);
  try {
    await store.unseal(key, await store.getMeta("check"), "check");
  } catch {
    throw new Error(t("wrong_passphrase"));
  }
  state.key = key;
  state.list = await store.getVault(key, "list");
  if (!state.list) notice(t("expired"));
}

async function expireIfOld() {
  const expires = await store.getMeta("expires_at");
  if (expires && new Date(expires) <= new Date()) {
    // the age limit passed: the list goes; unsynced records stay (encrypted) until sent
    await store.deleteVault("list");
    await store.setMeta("expires_at", null);
    state.list = null;
    notice(t("expired"));
    return true;
  }
  return false;
}

async function wipe(message) {
  state.key = null;
  state.list = null;
  await store.wipeStorage();
  if (navigator.serviceWorker) {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  }
  $("unsynced-count").textContent = "0"; // not counter(): opening the database would recreate it
  $("unsynced").classList.remove("has-unsynced");
  notice(message || "");
  show("prepare");
}

// --- the list and a person ------------------------------------------------------------------

function findPerson(id) {
  if (!state.list) return null;
  const mapped = state.list.idmap?.[id];
  return state.list.people.find((p) => String(p.id) === String(id) || (mapped && p.id === mapped)) || null;
}

function placeName(id) {
  return state.list.places.find((p) => p.id === Number(id))?.name || "";
}

function fullName(person) {
  return `${person.first_name} ${person.last_name || ""}`.trim();
}

function renderList() {
  const list = $("people");
  const query = $("list-search").value.trim().toLowerCase();
  list.replaceChildren();
  if (!state.list) {
    list.append(el("li", { text: t("expired") }));
    $("list-age").textContent = "";
    return;
  }
  $("list-age").textContent = t("prepared_at", {
    when: when(state.list.prepared_at),
    until: when(state.list.expires_at),
  });
  const people = state.list.people.filter((p) => !query || fullName(p).toLowerCase().includes(query));
  if (!people.length) list.append(el("li", { text: t("no_people") }));
  for (const person of people) {
    const overdue = (person.follow_ups || []).some((f) => new Date(f.due_on) < new Date(new Date().toDateString()));
    list.append(
      el(
        "li",
        { class: overdue ? "overdue" : "", "data-person": String(person.id) },
        el("a", { href: `#person/${person.id}`, text: fullName(person) }),
        el("span", { class: "muted small", text: person.local ? t("new_person_local") : placeName(person.place) }),
        ...(person.levels || []).map((l) =>
          el("span", { class: `level level-${l.level}`, text: optionLabel("c-level", l.level) }),
        ),
      ),
    );
  }
}

async function renderPerson(id) {
  const person = findPerson(id);
  if (!person) return go("list");
  $("person-name").textContent = fullName(person);
  const phone = $("person-phone");
  phone.replaceChildren(person.phone ? el("a", { href: `tel:${person.phone}`, text: person.phone }) : t("none"));
  $("person-place").textContent = placeName(person.place) || t("none");
  const last = person.last_conversation;
  $("person-last").textContent = last
    ? `${when(last.happened_at)} · ${optionLabel("c-kind", last.kind)}${last.notes ? ` · ${last.notes}` : ""}`
    : t("never");
  const levels = $("person-levels");
  levels.replaceChildren();
  for (const level of person.levels || []) {
    const struggle = state.list.struggles.find((s) => s.id === level.struggle);
    levels.append(
      el(
        "li",
        {},
        el("span", { text: struggle?.name || "" }),
        el("span", { class: `level level-${level.level}`, text: optionLabel("c-level", level.level) }),
      ),
    );
  }
  if (!levels.children.length) levels.append(el("li", { text: t("none") }));
  const followUps = $("person-follow-ups");
  followUps.replaceChildren();
  for (const f of person.follow_ups || []) {
    followUps.append(el("li", { text: `${t("due", { date: f.due_on })}${f.note ? ` · ${f.note}` : ""}` }));
  }
  if (!followUps.children.length) followUps.append(el("li", { text: t("none") }));
  const pending = $("person-pending");
  pending.replaceChildren();
  for (const item of await store.items(state.key)) {
    if (String(item.person) === String(person.id) && item.state !== "synced") {
      pending.append(el("li", { text: `${t(`kind_${item.kind}`)} · ${t(item.state)}` }));
    }
  }
  if (!pending.children.length) pending.append(el("li", { text: t("none") }));
  const lines = $("person-lines");
  lines.replaceChildren();
  for (const line of state.list.lines || []) {
    const entry = line.people.find((p) => String(p.person) === String(person.id));
    if (!entry) continue;
    lines.append(
      el(
        "div",
        { class: "card line" },
        el("h2", { text: t("bring_line") }),
        el("p", { text: `${t("if_concerned", { concern: line.concern })} ${line.action}` }),
        entry.answered ? el("p", { class: "muted", text: t("answered", { answer: responseLabel(entry.answered) }) }) : null,
        el("a", { class: "button wide", href: `#reception/${line.id}/${person.id}`, text: t("record_reception") }),
      ),
    );
  }
  $("person-talk").href = `#conversation/${person.id}`;
  $("person-edit").href = `#edit/${person.id}`;
  $("person-edit").hidden = Boolean(person.local);
  show("person");
}

function localNow() {
  const now = new Date();
  now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
  return now.toISOString().slice(0, 16);
}

function renderConversation(id) {
  const person = findPerson(id);
  if (!person) return go("list");
  const form = $("conversation-form");
  form.reset();
  form.dataset.person = String(person.id);
  $("conversation-with").textContent = fullName(person);
  $("c-when").value = localNow();
  const struggles = $("c-struggle");
  struggles.replaceChildren(el("option", { value: "", text: "—" }));
  for (const s of state.list.struggles) struggles.append(el("option", { value: String(s.id), text: s.name }));
  $("conversation-error").hidden = true;
  show("conversation");
}

function renderReception(lineId, personId) {
  const person = findPerson(personId);
  const line = state.list.lines.find((l) => String(l.id) === String(lineId));
  if (!person || !line) return go("list");
  const form = $("reception-form");
  form.reset();
  form.dataset.person = String(person.id);
  form.dataset.line = String(line.id);
  $("reception-line").textContent = `${t("if_concerned", { concern: line.concern })} ${line.action}`;
  $("reception-with").textContent = fullName(person);
  show("reception");
}

function fillPlaces(selected) {
  const places = $("p-place");
  places.replaceChildren(el("option", { value: "", text: "—" }));
  for (const p of state.list.places) places.append(el("option", { value: String(p.id), text: p.name }));
  places.value = selected ? String(selected) : "";
}

function renderPersonForm(id) {
  const form = $("person-form");
  form.reset();
  const person = id ? findPerson(id) : null;
  if (id && !person) return go("list");
  $("person-form-title").textContent = person ? $("person-form-title").dataset.edit : $("person-form-title").dataset.new;
  form.dataset.person = person ? String(person.id) : "";
  const units = $("p-unit");
  units.replaceChildren();
  for (const u of state.list.units) units.append(el("option", { value: String(u.id), text: u.name }));
  $("p-unit-field").hidden = Boolean(person);
  fillPlaces(person?.place);
  if (person) {
    $("p-first").value = person.first_name;
    $("p-last").value = person.last_name || "";
    $("p-phone").value = person.phone || "";
  }
  show("person-form");
}

async function renderOutbox() {
  const list = $("outbox");
  list.replaceChildren();
  const all = await store.items(state.key);
  if (!all.length) list.append(el("li", { text: t("none") }));
  for (const item of all.reverse()) {
    const row = el(
      "li",
      { class: `item item-${item.state}`, "data-state": item.state },
      el("strong", { text: t(`kind_${item.kind}`) }),
      el("span", { text: item.summary || "" }),
      el("span", { class: "muted small", text: `${when(item.created)} · ${t(item.state)}` }),
    );
    if (item.state === "conflict") row.append(conflictView(item));
    if (item.state === "rejected") {
      const errors = item.result?.errors
        ? Object.values(item.result.errors).flat().join(" ")
        : item.result?.detail || "";
      row.append(el("p", { class: "error", text: errors }));
      row.append(el("button", { type: "button", class: "small", text: t("discard"), onclick: () => resolveItem(item, "discard") }));
    }
    list.append(row);
  }
  show("outbox");
}

function conflictView(item) {
  const theirs = item.result.theirs;
  const yours = item.result.yours;
  const table = el("table", { class: "conflict" });
  table.append(el("tr", {}, el("th", { text: "" }), el("th", { text: t("yours") }), el("th", { text: t("theirs") })));
  for (const field of ["first_name", "last_name", "phone", "place"]) {
    const show_ = (value) => (field === "place" ? placeName(value) : value ?? "");
    const mine = field in yours ? yours[field] : item.base?.[field];
    table.append(
      el(
        "tr",
        { class: field in yours ? "changed" : "" },
        el("th", { text: t(`field_${field}`) }),
        el("td", { class: "yours", text: show_(mine) }),
        el("td", { class: "theirs", text: show_(theirs[field]) }),
      ),
    );
  }
  return el(
    "div",
    { class: "conflict-box" },
    el("p", { text: item.result.detail || t("conflict") }),
    table,
    el(
      "div",
      { class: "row" },
      el("button", { type: "button", class: "small primary", text: t("keep_mine"), onclick: () => resolveItem(item, "mine") }),
      el("button", { type: "button", class: "small", text: t("keep_theirs"), onclick: () => resolveItem(item, "theirs") }),
    ),
  );
}

async function resolveItem(item, choice) {
  const { seq, rid, ...data } = item;
  if (choice === "mine") {
    // a new request, made to the version now on the server; nothing is overwritten unseen
    data.body = { ...data.body, version: item.result.theirs.version };
    data.key = crypto.randomUUID();
    data.sent = null;
    data.state = "pending";
    data.result = null;
  } else {
    if (choice === "theirs" && state.list) {
      const person = findPerson(item.body.person);
      if (person) Object.assign(person, item.result.theirs, { id: person.id });
      await saveList();
    }
    data.state = "synced";
    data.result = { result: choice === "theirs" ? "kept_theirs" : "discarded" };
  }
  await store.putItem(state.key, seq, rid, data);
  await counter();
  if (choice === "mine") await sync();
  await renderOutbox();
}

// --- recording ------------------------------------------------------------------------------

async function record(kind, itemBody, person, summary) {
  await store.addItem(state.key, {
    kind,
    key: crypto.randomUUID(),
    created: new Date().toISOString(),
    state: "pending",
    person,
    summary,
    body: itemBody,
  });
  await counter();
  notice(t("saved_locally"));
  sync();
}

async function saveConversation(event) {
  event.preventDefault();
  const form = event.target;
  const person = findPerson(form.dataset.person);
  const data = new FormData(form);
  const ideas = data
    .getAll("idea-kind")
    .map((kind, i) => ({ kind, text: data.getAll("idea-text")[i].trim() }))
    .filter((idea) => idea.text);
  const level = data.get("level");
  const struggle = data.get("struggle");
  if (level && !struggle) {
    $("conversation-error").textContent = t("need_struggle");
    $("conversation-error").hidden = false;
    return;
  }
  const happened = new Date(data.get("happened_at"));
  const itemBody = {
    people: [person.id],
    kind: data.get("kind"),
    happened_at: happened.toISOString(),
    mood: data.get("mood"),
    notes: data.get("notes"),
    place: person.place,
    struggle: struggle || null,
    levels: level ? { [person.id]: level } : {},
    ideas,
    follow_up_due: data.get("follow_up_due") || "",
    follow_up_with: data.get("follow_up_due") ? person.id : null,
    follow_up_note: data.get("follow_up_note"),
  };
  person.last_conversation = { happened_at: itemBody.happened_at, kind: itemBody.kind, mood: itemBody.mood, notes: itemBody.notes };
  if (level) {
    person.levels = (person.levels || []).filter((l) => String(l.struggle) !== String(struggle));
    person.levels.push({ struggle: Number(struggle), level, on: itemBody.happened_at });
  }
  if (itemBody.follow_up_due) person.follow_ups = [...(person.follow_ups || []), { id: null, due_on: itemBody.follow_up_due, note: itemBody.follow_up_note }];
  await saveList();
  form.reset();
  await record("conversation", itemBody, person.id, fullName(person));
  go(`person/${person.id}`);
}

async function saveReception(event) {
  event.preventDefault();
  const form = event.target;
  const person = findPerson(form.dataset.person);
  const line = state.list.lines.find((l) => String(l.id) === form.dataset.line);
  const data = new FormData(form);
  const response = data.get("response");
  const entry = line.people.find((p) => String(p.person) === String(person.id));
  if (entry) entry.answered = response;
  await saveList();
  form.reset();
  await record("reception", { line: line.id, person: person.id, response, said: data.get("said") }, person.id, fullName(person));
  go(`person/${person.id}`);
}

async function savePerson(event) {
  event.preventDefault();
  const form = event.target;
  const data = new FormData(form);
  const values = {
    first_name: data.get("first_name").trim(),
    last_name: data.get("last_name").trim(),
    phone: data.get("phone").trim(),
    place: data.get("place") ? Number(data.get("place")) : null,
  };
  const existing = form.dataset.person ? findPerson(form.dataset.person) : null;
  form.reset();
  if (existing) {
    const changes = {};
    for (const [name, value] of Object.entries(values)) {
      if ((existing[name] ?? "") !== (value ?? "")) changes[name] = value;
    }
    if (Object.keys(changes).length) {
      const base = { first_name: existing.first_name, last_name: existing.last_name, phone: existing.phone, place: existing.place };
      Object.assign(existing, changes);
      await saveList();
      await store.addItem(state.key, {
        kind: "person-change",
        key: crypto.randomUUID(),
        created: new Date().toISOString(),
        state: "pending",
        person: existing.id,
        summary: fullName(existing),
        base,
        body: { person: existing.id, version: existing.version, changes },
      });
      await counter();
      notice(t("saved_locally"));
      sync();
    }
    return go(`person/${existing.id}`);
  }
  const id = `n-${crypto.randomUUID()}`;
  const unit = Number(data.get("unit"));
  state.list.people.push({ id, local: true, version: 1, unit, ...values, levels: [], follow_ups: [], last_conversation: null });
  await saveList();
  await record("person", { ...values, unit }, id, `${values.first_name} ${values.last_name}`.trim());
  go(`person/${id}`);
}

// --- syncing --------------------------------------------------------------------------------

function resolveIds(item) {
  const map = state.list?.idmap || {};
  const real = (id) => {
    if (typeof id === "string" && id.startsWith("n-")) {
      if (!map[id]) throw new Error("unsynced person");
      return map[id];
    }
    return id;
  };
  const b = structuredClone(item.body);
  if (b.people) b.people = b.people.map(real);
  if (b.person) b.person = real(b.person);
  if (b.follow_up_with) b.follow_up_with = real(b.follow_up_with);
  if (b.levels) b.levels = Object.fromEntries(Object.entries(b.levels).map(([k, v]) => [real(k), v]));
  return b;
}

async function applySuccess(item, data) {
  if (state.list) {
    if (item.kind === "person") {
      state.list.idmap = { ...(state.list.idmap || {}), [item.person]: data.id };
      const person = state.list.people.find((p) => p.id === item.person);
      if (person) Object.assign(person, { id: data.id, version: data.version, local: false });
    }
    if (item.kind === "person-change") {
      const person = findPerson(item.body.person);
      if (person) person.version = data.version;
    }
    await saveList();
  }
}

async function pruneSynced() {
  const done = (await store.items(state.key)).filter((i) => i.state === "synced");
  for (const item of done.slice(0, Math.max(0, done.length - KEEP_SYNCED))) await store.deleteItem(item.seq);
}

function retryLater(seconds) {
  clearTimeout(state.retry);
  state.retry = setTimeout(() => sync(), seconds * 1000);
}

// In order, one at a time, in one tab at a time; the server keeps each Idempotency-Key's
// answer, so a write whose answer was lost is simply asked again.
async function sync() {
  if (!state.key || !navigator.onLine) return;
  const run = async () => {
    const pending = (await store.items(state.key)).filter((i) => i.state === "pending");
    if (!pending.length) return;
    if (!(await contact())) return retryLater(15);
    for (const item of pending) {
      const { seq, rid, ...data } = item;
      if (!data.sent) {
        try {
          data.sent = JSON.stringify(resolveIds(item));
        } catch {
          data.state = "rejected";
          data.result = { detail: t("depends_on_unsaved") };
          await store.putItem(state.key, seq, rid, data);
          continue;
        }
        await store.putItem(state.key, seq, rid, data);
      }
      let response;
      let answer = {};
      try {
        ({ response, data: answer } = await api(SYNC_URLS[item.kind], {
          method: "POST",
          headers: { "Content-Type": "application/json", "Idempotency-Key": data.key },
          body: data.sent,
        }));
      } catch (error) {
        if (error.message === "wiped") return;
        retryLater(3);
        break;
      }
      if (response.ok && (answer.result === "created" || answer.result === "saved")) {
        await applySuccess(item, answer);
        data.state = "synced";
      } else if (response.ok || response.redirected) {
        // a page instead of an answer (a login or second-factor page): not saved, ask again later
        loginNeeded();
        break;
      } else if (response.status === 409) {
        data.state = "conflict";
      } else if (response.status === 401) {
        loginNeeded();
        break;
      } else if (response.status >= 500 || response.status === 403 || response.status === 429) {
        retryLater(15);
        break;
      } else {
        data.state = "rejected";
      }
      data.result = answer;
      await store.putItem(state.key, seq, rid, data);
      await counter();
    }
    await pruneSynced();
  };
  state.syncing = navigator.locks ? navigator.locks.request("massline-field-sync", run) : run();
  try {
    await state.syncing;
  } finally {
    await counter();
    if (!location.hash.startsWith("#outbox")) return;
    await renderOutbox();
  }
}

async function counter() {
  let count = 0;
  try {
    count = await store.unsyncedCount();
  } catch {
    count = 0;
  }
  $("unsynced-count").textContent = String(count);
  $("unsynced").classList.toggle("has-unsynced", count > 0);
  return count;
}

function network() {
  const badge = $("network");
  badge.textContent = navigator.onLine ? badge.dataset.online : badge.dataset.offline;
  badge.classList.toggle("offline", !navigator.onLine);
}

// --- routing --------------------------------------------------------------------------------

function go(route) {
  if (location.hash === `#${route}`) route_();
  else location.hash = route;
}

async function route_() {
  if (!state.key) {
    show((await store.getMeta("salt")) ? "unlock" : "prepare");
    return;
  }
  const [name, a, b] = location.hash.replace(/^#/, "").split("/");
  if (name === "outbox") return renderOutbox();
  if (!state.list && name !== "outbox") {
    renderList();
    return show("list");
  }
  if (name === "person") return renderPerson(a);
  if (name === "conversation") return renderConversation(a);
  if (name === "reception") return renderReception(a, b);
  if (name === "new-person") return renderPersonForm(null);
  if (name === "edit") return renderPersonForm(a);
  renderList();
  show("list");
}

function busy(form, running) {
  for (const button of form.querySelectorAll("button")) button.disabled = running;
}

function onSubmit(id, handler) {
  $(id).addEventListener("submit", async (event) => {
    event.preventDefault();
    busy(event.target, true);
    try {
      await handler(event);
    } catch (error) {
      if (error.message !== "wiped") notice(error.message);
    } finally {
      busy(event.target, false);
    }
  });
}

async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(urls.sw, { scope: urls.scope }).catch(() => {});
  }
  network();
  window.addEventListener("online", () => {
    network();
    sync();
  });
  window.addEventListener("offline", network);
  window.addEventListener("hashchange", route_);
  $("list-search").addEventListener("input", renderList);
  onSubmit("prepare-form", async (event) => {
    const form = event.target;
    const data = new FormData(form);
    if (data.get("passphrase").length < 8) throw new Error(t("too_short"));
    if (data.get("passphrase") !== data.get("passphrase2")) throw new Error(t("mismatch"));
    notice(t("working"));
    await prepare(data.get("passphrase"), data.get("name"));
    form.reset();
    notice("");
    go("list");
  });
  onSubmit("unlock-form", async (event) => {
    const form = event.target;
    notice(t("working"));
    const passphrase = new FormData(form).get("passphrase");
    form.reset();
    await unlock(passphrase);
    if (state.list) notice("");
    await route_();
    sync();
  });
  onSubmit("conversation-form", saveConversation);
  onSubmit("reception-form", saveReception);
  onSubmit("person-form", savePerson);
  $("refresh").addEventListener("click", async () => {
    try {
      notice(t("working"));
      await refresh();
      notice("");
      renderList();
    } catch (error) {
      if (error.message !== "wiped") notice(error.message);
    }
  });
  $("sync-now").addEventListener("click", () => sync());
  $("lock").addEventListener("click", () => {
    state.key = null;
    state.list = null;
    route_();
  });
  $("forget").addEventListener("click", () => wipe(""));
  $("logout").addEventListener("click", async () => {
    const count = await counter();
    if (count && !window.confirm(t("unsynced_logout", { count }))) return;
    if (navigator.onLine && !state.csrf) await contact();
    const csrf = state.csrf;
    await wipe("");
    if (navigator.onLine && csrf) {
      await fetch(urls.logout, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf } }).catch(() => {});
    }
    location.assign(urls.login);
  });
  await counter();
  if (await store.getMeta("salt")) await expireIfOld();
  await route_();
  // the next contact: a revoked phone or suspended member is told to wipe here
  await contact();
  setInterval(() => {
    if (state.key) {
      expireIfOld().then((expired) => expired && route_());
      sync();
    }
  }, 30000);
}

window.massline_field = { sync, counter, state };
start();
