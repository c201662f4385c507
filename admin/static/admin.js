// The admin console: log in, edit a draft of the whole configuration, save it as the next version.
//
// The hub keeps the configuration (GET /api/admin/config) and decides every rule when it is saved
// (PUT /api/admin/config): a 422 names the key that is wrong, a 403 what a koordinator may not
// change, a 409 either what would strand today's tickets or that someone else saved meanwhile.
// Edits go into a draft at once, so moving between parts of the console loses nothing; leaving
// the page, logging out or throwing the draft away asks first. The draft also survives a reload
// of the tab (sessionStorage, without PINs). The sections themselves are drawn by views.js.
(function () {
  "use strict";

  const { $, el, boot } = window.MppUI;
  const { schemaReader, button } = window.MppForms;
  const Changes = window.MppChanges;
  const SESSION_KEY = "mpp.admin.session"; // this tab only, like the counter panel's
  const DRAFT_KEY = "mpp.admin.draft";
  const REQUEST_TIMEOUT_MS = 15000;
  const AUTH_CODES = ["unauthorized", "session_expired", "officer_disabled", "officer_removed"];

  const state = {
    token: null,
    officer: null, // {username, name, role, agency}
    reader: null, // the schema, read (forms.js)
    version: null, // the version the draft is based on
    base: null, // that version's configuration
    draft: null, // the configuration being edited
    scope: null, // a koordinator's: {agency, services, counters, officers}; null for an admin
    origins: new WeakMap(), // draft item -> its key in `base` (edits may change the key)
    saving: false,
    dirty: false,
    client: null,
    online: false,
    liveVersion: null, // the newest version the hub announced
    lastError: null, // {path, message} of the last refused save, shown at its field
    changes: [], // the draft's changes (changes.js diff), worked out once per edit
  };

  class ApiError extends Error {
    constructor(status, body, fallback) {
      const error = (body && body.error) || {};
      super(error.message || fallback);
      this.status = status;
      this.code = error.code || "http_" + status;
      this.error = error;
    }
  }

  // ------------------------------------------------------------ HTTP

  async function request(method, path, body, { type = "application/json", raw = false } = {}) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = type;
    if (state.token) headers.Authorization = "Bearer " + state.token;
    let response;
    try {
      response = await fetch(path, {
        method, headers, cache: "no-store", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        body: body === undefined ? undefined : type === "application/json" ? JSON.stringify(body) : body,
      });
    } catch (err) {
      const timeout = err && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new ApiError(0, null, timeout ? "Server tidak menjawab. Periksa jaringan, lalu coba lagi."
        : "Tidak dapat menghubungi server. Periksa jaringan.");
    }
    if (raw && response.ok) return response;
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) throw new ApiError(response.status, data, "Server menjawab dengan kode " + response.status + ".");
    return data;
  }

  // A request of the logged-in officer: a 401 ends the session (the draft is kept for the next log-in).
  async function api(method, path, body, options) {
    try {
      return await request(method, path, body, options);
    } catch (err) {
      if (err.status === 401 || (err.status === 403 && AUTH_CODES.includes(err.code))) showLogin(err.message);
      throw err;
    }
  }

  // ------------------------------------------------------------ session

  function saveSession() {
    try {
      if (state.token) sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: state.token, officer: state.officer }));
      else sessionStorage.removeItem(SESSION_KEY);
    } catch (err) {
      // storage disabled: no resume after a reload
    }
  }

  function loadSession() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
      return saved && typeof saved.token === "string" ? saved : null;
    } catch (err) {
      return null;
    }
  }

  // The draft, kept for this tab without PINs: a reload or a new log-in picks it up again.
  function keepDraft() {
    try {
      if (!state.dirty || !state.officer) {
        sessionStorage.removeItem(DRAFT_KEY);
        return;
      }
      const draft = structuredClone(state.draft);
      for (const officer of draft.officers || []) delete officer.pin;
      sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ username: state.officer.username, version: state.version, draft }));
    } catch (err) {
      // not kept
    }
  }

  function keptDraft() {
    try {
      const kept = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
      return kept && state.officer && kept.username === state.officer.username ? kept : null;
    } catch (err) {
      return null;
    }
  }

  function showLogin(message) {
    stopClient();
    state.token = null;
    saveSession();
    closeDialogs();
    $("app").hidden = true;
    $("login-screen").hidden = false;
    setMessage($("login-message"), message || "", message ? "error" : "");
    $("pin").value = "";
    ($("username").value ? $("pin") : $("username")).focus();
  }

  function setMessage(node, text, kind) {
    node.textContent = text;
    node.className = "message " + (kind || "");
  }

  async function onLoggedIn(answer) {
    if (state.officer && state.officer.username !== answer.officer.username) forgetDraft(); // not theirs
    state.token = answer.token;
    state.officer = answer.officer;
    saveSession();
    await start();
  }

  function forgetDraft() {
    state.base = state.draft = null;
    state.dirty = false;
    try {
      sessionStorage.removeItem(DRAFT_KEY);
    } catch (err) {
      // nothing kept
    }
  }

  async function logout() {
    if (state.dirty && !(await confirmDiscard("Keluar"))) return;
    forgetDraft();
    const token = state.token;
    if (token) request("POST", "/api/logout").catch(() => {});
    showLogin("Anda telah keluar.");
  }

  // After log-in or a reload: the schema, the configuration, and any draft kept in this tab.
  async function start() {
    let schema;
    let loaded;
    try {
      [schema, loaded] = await Promise.all([api("GET", "/api/admin/schema"), api("GET", "/api/admin/config")]);
    } catch (err) {
      if (err.status === 403) {
        // A petugas: the hub says why; the session is of no use here.
        request("POST", "/api/logout").catch(() => {});
        showLogin(err.message);
      } else if (err.status !== 401) {
        showLogin(err.message);
      }
      return;
    }
    state.reader = schemaReader(schema.schema);
    $("login-screen").hidden = true;
    $("app").hidden = false;
    window.MppArea.ready(state.officer); // the admin area's bar: who, and the pages of their role
    // An unsaved draft from before a log-out by the hub (or a reload of the tab) comes back.
    const kept = state.draft ? (state.dirty ? { version: state.version, draft: state.draft } : null) : keptDraft();
    load(loaded);
    if (kept && !Changes.same(kept.draft, state.base)) await restore(kept);
    views.start();
    startClient();
  }

  // A configuration from the hub becomes the base of a fresh draft.
  function load(answer) {
    state.version = answer.version;
    state.base = answer.config;
    state.scope = answer.scope || null;
    state.draft = structuredClone(answer.config);
    state.dirty = false;
    state.changes = [];
    state.origins = new WeakMap();
    for (const [table, key] of tableKeys()) {
      for (const item of state.draft[table] || []) state.origins.set(item, String(item[key]));
    }
    state.lastError = null;
    refresh();
  }

  // A draft kept from before (a reload, a new log-in): on the same version it simply comes back;
  // on an older one it is re-applied on top of the current version, as after a conflict.
  async function restore(kept) {
    if (kept.version === state.version) {
      adoptDraft(kept.draft);
      notice("Perubahan Anda yang belum disimpan dipulihkan.", "info");
      return;
    }
    let older;
    try {
      older = await api("GET", "/api/admin/config?version=" + encodeURIComponent(kept.version));
    } catch (err) {
      notice("Perubahan yang belum disimpan dibuat pada versi " + kept.version + ", yang sudah tidak tersimpan di hub. " +
        "Perubahan itu tidak dapat dipulihkan.", "error");
      return;
    }
    showConflict({ message: "Sejak perubahan Anda dibuat (versi " + kept.version + "), pengaturan sudah diubah menjadi versi " +
      state.version + "." }, older.config, kept.draft, { version: state.version, config: state.base, scope: state.scope });
  }

  // Replace the draft's contents (keeping the origins of items that keep their key).
  function adoptDraft(draft) {
    const keys = new Map(tableKeys());
    state.draft = structuredClone(draft);
    state.origins = new WeakMap();
    for (const [table, key] of keys) {
      const known = new Set((state.base[table] || []).map((item) => String(item[key])));
      for (const item of state.draft[table] || []) {
        if (known.has(String(item[key]))) state.origins.set(item, String(item[key]));
      }
    }
    changed();
  }

  // The arrays of tables at the top of the configuration and the key of their items.
  function tableKeys() {
    const root = state.reader.resolve(state.reader.root);
    return Object.entries(root.properties)
      .map(([name, node]) => [name, state.reader.resolve(node)["x-key"]])
      .filter(([, key]) => key);
  }

  // ------------------------------------------------------------ the draft

  // After every edit (`path`: the key edited): the save bar, the counts, the kept copy. A refusal
  // of the hub at that key is answered by the edit.
  function changed(path) {
    if (path && state.lastError && state.lastError.path === path) state.lastError = null;
    state.dirty = !Changes.same(state.base, state.draft);
    state.changes = state.dirty ? Changes.diff(state.reader, state.base, state.draft) : [];
    refresh();
    keepDraft();
    views.refresh();
  }

  function refresh() {
    $("version").textContent = state.version ? "Versi " + state.version : "";
    const bar = $("savebar");
    bar.hidden = !state.dirty;
    if (state.dirty) {
      $("savebar-count").textContent = state.changes.length + " perubahan belum disimpan.";
      $("savebar-detail").textContent = "Berlaku di semua layar begitu disimpan.";
    }
    $("save").disabled = state.saving || !state.dirty;
    $("save").textContent = state.saving ? "Menyimpan…" : "Simpan perubahan";
  }

  async function save() {
    if (state.saving || !state.dirty) return;
    state.saving = true;
    refresh();
    clearNotice();
    const body = { version: state.version, config: state.draft };
    try {
      const answer = await api("PUT", "/api/admin/config", body);
      await reload("Tersimpan sebagai versi " + answer.version + ". Layar TV, kios, dan panel loket sudah memakainya.", "ok");
    } catch (err) {
      if (err.status === 401) return;
      if (err.code === "version_conflict") return conflict(err.error);
      const path = err.error && err.error.path;
      state.lastError = path ? { path, message: err.message } : null;
      notice(err.message, "error", path ? { label: "Tunjukkan", run: () => views.focusError(state.lastError) } : null);
      if (path) views.focusError(state.lastError);
    } finally {
      state.saving = false;
      refresh();
    }
  }

  async function discard() {
    if (!state.dirty) return;
    if (!(await confirmDiscard("Batalkan semua"))) return;
    await reload("Perubahan dibatalkan.");
  }

  // The hub's current version replaces the draft; `message` says why.
  async function reload(message, kind = "info") {
    const section = views.current();
    try {
      load(await api("GET", "/api/admin/config"));
    } catch (err) {
      notice(err.message, "error");
      return;
    }
    keepDraft();
    views.show(section);
    notice(message, kind);
  }

  function confirmDiscard(verb) {
    return confirm({
      title: "Ada " + state.changes.length + " perubahan yang belum disimpan",
      body: "Bila dilanjutkan, perubahan itu hilang. Simpan dulu bila ingin memakainya.",
      ok: verb === "Keluar" ? "Buang perubahan dan keluar" : "Buang perubahan",
      cancel: "Kembali ke pengaturan",
      danger: true,
    });
  }

  // ------------------------------------------------------------ someone else saved

  async function conflict(error) {
    let fresh;
    try {
      fresh = await api("GET", "/api/admin/config");
    } catch (err) {
      return notice(err.message, "error");
    }
    showConflict(error, state.base, state.draft, fresh);
  }

  // Who changed what since `base` (which `draft` started from), and the draft re-applied on `fresh`.
  function showConflict(error, base, draft, fresh) {
    const theirs = Changes.diff(state.reader, base, fresh.config);
    const mine = Changes.diff(state.reader, base, draft);
    const merged = Changes.merge(state.reader, base, draft, fresh.config);
    const body = $("changes-body");
    body.replaceChildren();
    body.append(el("p", "lead", error.message || "Pengaturan sudah diubah orang lain."));
    body.append(el("h3", "", "Yang diubah orang lain (sekarang versi " + fresh.version + ")"));
    body.append(Changes.renderList(theirs));
    body.append(el("h3", "", "Perubahan Anda yang belum disimpan"));
    body.append(Changes.renderList(mine));
    if (merged.conflicts.length) {
      body.append(el("h3", "warn", "Diubah oleh keduanya"));
      body.append(Changes.renderConflicts(merged.conflicts));
    }
    body.append(el("p", "muted", "Terapkan ulang perubahan Anda pada versi terbaru, periksa hasilnya, lalu simpan."));
    const buttons = $("changes-buttons");
    buttons.replaceChildren();
    const drop = button("Buang perubahan saya", "btn ghost danger", () => {
      closeDialogs();
      reload("Perubahan Anda dibuang. Yang tampil sekarang pengaturan terbaru.");
    });
    const later = button("Tutup", "btn ghost", closeDialogs);
    const apply = button("Terapkan ulang perubahan saya", "btn primary", () => {
      closeDialogs();
      const section = views.current();
      load(fresh);
      adoptDraft(merged.value);
      views.show(section);
      notice("Perubahan Anda sudah diterapkan pada versi " + fresh.version + ". Periksa, lalu tekan Simpan perubahan.", "info");
    });
    apply.id = "reapply";
    buttons.append(drop, later, apply);
    $("changes-title").textContent = "Pengaturan sudah diubah orang lain";
    openDialog($("changes-dialog"));
  }

  function review() {
    const body = $("changes-body");
    body.replaceChildren(Changes.renderList(state.changes, (entry) => {
      closeDialogs();
      views.open(entry.kind === "removed" ? entry.tokens.slice(0, -1) : entry.tokens); // a removed item: its list
    }));
    const buttons = $("changes-buttons");
    buttons.replaceChildren(button("Tutup", "btn ghost", closeDialogs), button("Simpan perubahan", "btn primary", () => {
      closeDialogs();
      save();
    }));
    $("changes-title").textContent = "Perubahan yang belum disimpan";
    openDialog($("changes-dialog"));
  }

  // What changed in one saved version (from the audit log): that version against the one before.
  async function showVersion(version) {
    let before;
    let after;
    try {
      [before, after] = await Promise.all([
        api("GET", "/api/admin/config?version=" + (version - 1)), api("GET", "/api/admin/config?version=" + version)]);
    } catch (err) {
      return notice(err.message, "error");
    }
    $("changes-body").replaceChildren(Changes.renderList(Changes.diff(state.reader, before.config, after.config)));
    $("changes-buttons").replaceChildren(button("Tutup", "btn ghost", closeDialogs));
    $("changes-title").textContent = "Perubahan pada versi " + version;
    openDialog($("changes-dialog"));
  }

  // ------------------------------------------------------------ own PIN

  function openPinDialog() {
    if (state.dirty) {
      notice("Simpan atau batalkan dulu perubahan yang belum disimpan, lalu ganti PIN Anda.", "error");
      return;
    }
    $("pin-new").value = "";
    $("pin-again").value = "";
    $("pin-help").textContent = "PIN baru berlaku untuk masuk di konsol ini dan di panel loket.";
    setMessage($("pin-message"), "");
    openDialog($("pin-dialog"));
    $("pin-new").focus();
  }

  async function saveOwnPin(event) {
    event.preventDefault();
    const pin = $("pin-new").value;
    if (pin !== $("pin-again").value) return setMessage($("pin-message"), "Kedua PIN tidak sama.", "error");
    const config = structuredClone(state.base);
    const me = (config.officers || []).find((o) => o.username === state.officer.username);
    if (!me) return setMessage($("pin-message"), "Akun Anda tidak ada di daftar petugas.", "error");
    me.pin = pin;
    try {
      await api("PUT", "/api/admin/config", { version: state.version, config });
      load(await api("GET", "/api/admin/config"));
    } catch (err) {
      if (err.code === "version_conflict") {
        try {
          load(await api("GET", "/api/admin/config"));
        } catch (again) {
          // the message below says what to do
        }
        return setMessage($("pin-message"), "Pengaturan baru saja diubah orang lain. Tekan Simpan PIN sekali lagi.", "error");
      }
      return setMessage($("pin-message"), err.message, "error");
    }
    closeDialogs();
    views.refresh();
    notice("PIN Anda sudah diganti.", "ok");
  }

  // ------------------------------------------------------------ live: versions saved elsewhere

  // The hub tells every page of a new version (config.updated); the console listens like a TV.
  function startClient() {
    stopClient();
    const client = new HubClient({
      path: "/ws/display",
      onSnapshot(snapshot) {
        if (state.client === client && typeof snapshot.config_version === "number") seen(snapshot.config_version);
      },
      onEvent(event) {
        if (state.client === client && event.type === "config.updated") seen(event.version);
      },
      onStatus(online) {
        if (state.client !== client) return;
        state.online = online;
        const link = $("link-state");
        link.textContent = online ? "Terhubung" : "Terputus";
        link.classList.toggle("offline", !online);
      },
    });
    state.client = client;
    client.start();
  }

  function stopClient() {
    const client = state.client;
    state.client = null;
    if (client) client.stop();
  }

  async function seen(version) {
    state.liveVersion = Math.max(state.liveVersion || 0, version);
    if (state.saving || !state.version || version <= state.version) return;
    if (!state.dirty) {
      await reload("Pengaturan baru saja diubah di tempat lain. Yang tampil sekarang versi terbaru.");
    } else {
      notice("Pengaturan baru saja diubah di tempat lain (versi " + version + "). Perubahan Anda perlu diterapkan ulang " +
        "pada versi itu sebelum disimpan.", "warn", { label: "Lihat dan terapkan ulang", run: () => conflict({}) });
    }
  }

  // ------------------------------------------------------------ notices and dialogs

  let noticeAction = null;
  function notice(text, kind, action) {
    const box = $("notice");
    box.hidden = false;
    box.className = "notice " + (kind || "info");
    $("notice-text").textContent = text;
    noticeAction = action || null;
    const actionButton = $("notice-action");
    actionButton.hidden = !action;
    if (action) actionButton.textContent = action.label;
  }

  function clearNotice() {
    $("notice").hidden = true;
    noticeAction = null;
  }

  function openDialog(dialog) {
    closeDialogs();
    dialog.showModal();
  }

  function closeDialogs() {
    for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  }

  // A question with two answers (<dialog>: Escape and the Cancel button say no). Resolves true on OK.
  function confirm({ title, body, ok, cancel, danger }) {
    return new Promise((resolve) => {
      const dialog = $("confirm-dialog");
      $("confirm-title").textContent = title;
      const content = $("confirm-body");
      content.replaceChildren();
      for (const part of [].concat(body || [])) content.append(typeof part === "string" ? el("p", "", part) : part);
      $("confirm-ok").textContent = ok;
      $("confirm-ok").className = "btn " + (danger ? "danger-solid" : "primary");
      $("confirm-cancel").textContent = cancel || "Batal";
      let answered = false;
      const done = (value) => {
        if (answered) return;
        answered = true;
        $("confirm-ok").onclick = $("confirm-cancel").onclick = null;
        dialog.onclose = null;
        if (dialog.open) dialog.close();
        resolve(value);
      };
      $("confirm-ok").onclick = () => done(true);
      $("confirm-cancel").onclick = () => done(false);
      dialog.onclose = () => done(false);
      openDialog(dialog);
      $("confirm-cancel").focus();
    });
  }

  // ------------------------------------------------------------ the sections

  const app = {
    get reader() { return state.reader; },
    get draft() { return state.draft; },
    get base() { return state.base; },
    get version() { return state.version; },
    get officer() { return state.officer; },
    get scope() { return state.scope; },
    get isAdmin() { return state.officer && state.officer.role === "admin"; },
    get lastError() { return state.lastError; },
    get dirty() { return state.dirty; },
    get changes() { return state.changes; },
    get timezone() { return (state.draft && state.draft.site && state.draft.site.timezone) || boot().timezone; },
    origin: (item) => (state.origins.has(item) ? state.origins.get(item) : null),
    changed, api, confirm, notice, showVersion, save, reload,
  };
  const views = window.MppViews.create(app);

  // ------------------------------------------------------------ start

  function wire() {
    window.MppLogin.attach(onLoggedIn);
    $("logout").addEventListener("click", logout);
    $("save").addEventListener("click", save);
    $("discard").addEventListener("click", discard);
    $("review").addEventListener("click", review);
    $("my-pin").addEventListener("click", openPinDialog);
    $("pin-form").addEventListener("submit", saveOwnPin);
    $("pin-cancel").addEventListener("click", closeDialogs);
    $("notice-close").addEventListener("click", clearNotice);
    $("notice-action").addEventListener("click", () => {
      const action = noticeAction;
      clearNotice();
      if (action) action.run();
    });
    // Ctrl+S saves, as in any editor.
    document.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s" && !$("app").hidden) {
        event.preventDefault();
        save();
      }
    });
    // Closing the tab, reloading or following a link away asks first while the draft is unsaved.
    window.addEventListener("beforeunload", (event) => {
      if (!state.dirty) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }

  async function resume() {
    const saved = loadSession();
    if (!saved) {
      $("username").focus();
      return;
    }
    state.token = saved.token;
    state.officer = saved.officer;
    $("username").value = saved.officer ? saved.officer.username : "";
    try {
      const me = await request("GET", "/api/me");
      state.officer = me.officer;
      saveSession();
    } catch (err) {
      showLogin(err.status === 401 ? err.message : "");
      return;
    }
    await start();
  }

  wire();
  resume();
})();
