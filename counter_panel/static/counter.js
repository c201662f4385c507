// Officer's counter panel: log in, pick a counter, call and serve tickets.
//
// State comes from the counter WebSocket (snapshot, then events) through the shared HubClient;
// actions are POSTs to /api/counters/<id>/<action>. One click is one action: while a request is
// in flight, and for GUARD_MS after it started, every action button is disabled and shortcuts are
// ignored, so a double click or a held key never calls two tickets.
(function () {
  "use strict";

  const { $, el, boot } = window.MppUI;
  // The hub's session rules, as it sends them (counter_panel/page.py): it ends idle sessions itself.
  let idleMs = boot().idle_minutes * 60000; // the snapshot brings it again after a configuration change
  const GUARD_MS = 700; // longer than a double click
  const DIALOG_GUARD_MS = 400; // confirming buttons of a dialog that just opened stay disabled this long
  const COUNTER_KEY = "mpp.counter.id"; // remembered on this PC
  const SESSION_KEY = "mpp.counter.session"; // this tab only: survives a reload, not a closed browser
  // The hub ends the panel's link with these (docs/protocol.md, "Configuration changes"):
  const AUTH_CODES = ["unauthorized", "session_expired", "officer_disabled", "officer_removed"]; // back to log-in
  const COUNTER_GONE = ["counter_not_allowed", "counter_removed", "unknown_counter"]; // back to the counter choice
  const KEYS = {
    Enter: "call-next", " ": "call-next", F1: "call-next",
    F2: "recall", F3: "skip", F4: "done", F6: "transfer", F8: "pause",
  };
  const STATE_LABEL = { open: "Melayani", paused: "Istirahat", closed: "Tutup" };
  const REQUEST_TIMEOUT_MS = 10000; // a request still unanswered after this is given up

  const state = {
    token: null,
    officer: null, // {username, name, counters: [{id, name, zone, services}]}
    lastActivity: 0, // last request the hub saw from this officer (its idle clock)
    counterId: null,
    client: null,
    online: false,
    synced: false, // a snapshot arrived on the current counter
    services: {}, // code -> service from the snapshot, waiting counts kept live
    agencies: [],
    counters: {}, // id -> counter view
    skipped: [], // today's skipped tickets of this counter's services, latest first (snapshot, then events)
    timezone: undefined, // the site's, for times shown
    clockOffset: 0, // hub time minus this PC's time
    busy: false,
    dialog: null, // {element, onKey} of the open dialog
  };

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // ------------------------------------------------------------ HTTP

  async function api(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    let response;
    let data = null;
    // A hung request would keep every button disabled: give it up after a while.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      try {
        response = await fetch(path, {
          method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body),
          signal: controller.signal,
        });
      } catch (err) {
        if (err && err.name === "AbortError") {
          throw new ApiError(0, "timeout", "Server tidak menjawab. Periksa jaringan, lalu coba lagi.");
        }
        throw new ApiError(0, "network", "Tidak dapat menghubungi server. Periksa jaringan.");
      }
      try {
        data = await response.json();
      } catch (err) {
        data = null; // also a body cut off by the timeout: the status still says what happened
      }
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(response.status, error.code || "http_" + response.status,
        error.message || "Server menjawab dengan kode " + response.status + ".");
    }
    return data;
  }

  // A request on behalf of the logged-in officer: a 401 ends the session.
  async function officerApi(method, path, body) {
    try {
      const data = await api(method, path, body);
      touch();
      return data;
    } catch (err) {
      if (err.status === 401) endSession(err.message);
      throw err;
    }
  }

  // ------------------------------------------------------------ session

  function touch() {
    state.lastActivity = Date.now();
    saveSession();
  }

  function saveSession() {
    try {
      if (state.token) {
        sessionStorage.setItem(SESSION_KEY, JSON.stringify({
          token: state.token, officer: state.officer, lastActivity: state.lastActivity,
        }));
      } else {
        sessionStorage.removeItem(SESSION_KEY);
      }
    } catch (err) {
      // storage disabled: the session just does not survive a reload
    }
  }

  function loadSession() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
      if (saved && typeof saved.token === "string") return saved;
    } catch (err) {
      // ignore a damaged entry
    }
    return null;
  }

  function rememberedCounter() {
    try {
      return localStorage.getItem(COUNTER_KEY);
    } catch (err) {
      return null;
    }
  }

  function rememberCounter(id) {
    try {
      localStorage.setItem(COUNTER_KEY, id);
    } catch (err) {
      // not remembered; the officer picks again next time
    }
  }

  function startSession(token, officer) {
    state.token = token;
    state.officer = officer;
    touch();
    chooseCounter();
  }

  // Back to the login screen; `message` says why. `tellHub` also ends the session on the hub.
  function endSession(message, tellHub) {
    const token = state.token;
    stopClient();
    closeDialog();
    state.token = null;
    state.officer = null;
    state.counterId = null;
    saveSession();
    if (tellHub && token) {
      fetch("/api/logout", { method: "POST", headers: { Authorization: "Bearer " + token } }).catch(() => {});
    }
    showScreen("login");
    setMessage($("login-message"), message || "", "info");
    $("pin").value = "";
    ($("username").value ? $("pin") : $("username")).focus();
  }

  function checkIdle() {
    if (state.token && Date.now() - state.lastActivity > idleMs) endSession(boot().idle_message, true);
  }

  // ------------------------------------------------------------ screens

  function showScreen(name) {
    for (const screen of ["login", "picker", "main"]) $(screen + "-screen").hidden = screen !== name;
    if (name !== "main") $("banner").hidden = true;
  }

  function setMessage(node, text, kind) {
    node.textContent = text;
    node.className = "message " + (kind || "");
  }

  function allowedCounter(id) {
    return state.officer.counters.find((c) => c.id === id) || null;
  }

  // Right after log-in: the counter named in the URL (the hub says so when the officer may not
  // use it, and the picker shows why), else the one this PC remembers, else the only one the
  // officer has; otherwise ask.
  function chooseCounter() {
    const wanted = new URLSearchParams(location.search).get("loket");
    const counters = state.officer.counters;
    if (wanted !== null && wanted !== "") return openCounter(wanted);
    const remembered = rememberedCounter();
    if (remembered && allowedCounter(remembered)) return openCounter(remembered);
    if (counters.length === 1) return openCounter(counters[0].id);
    return showPicker("");
  }

  function showPicker(message) {
    stopClient();
    state.counterId = null;
    showScreen("picker");
    $("picker-officer").textContent = state.officer.name;
    const list = $("counter-list");
    list.replaceChildren();
    const remembered = rememberedCounter();
    if (!state.officer.counters.length) {
      message = message || "Anda belum ditugaskan di loket mana pun. Hubungi koordinator.";
    }
    setMessage($("picker-message"), message || "", "error");
    for (const counter of state.officer.counters) {
      const button = el("button", "btn counter-choice");
      button.type = "button";
      button.dataset.counter = counter.id;
      button.append(el("span", "name", counter.name));
      button.append(el("span", "detail", "Layanan " + counter.services.join(", ")));
      if (counter.id === remembered) {
        button.classList.add("remembered");
        button.append(el("span", "detail", "Terakhir dipakai di PC ini"));
      }
      button.addEventListener("click", () => openCounter(counter.id));
      list.append(button);
    }
    const first = list.querySelector(".remembered") || list.querySelector("button");
    if (first) first.focus();
  }

  function openCounter(id) {
    stopClient();
    rememberCounter(id);
    state.counterId = id;
    state.synced = false;
    state.online = false;
    state.counters = {};
    state.services = {};
    state.skipped = [];
    const url = new URL(location.href);
    url.searchParams.set("loket", id);
    history.replaceState(null, "", url);
    setMessage($("action-message"), "");
    showScreen("main");
    render();
    // A client that was replaced or stopped must not touch the screen any more.
    const current = (handler) => (arg) => {
      if (state.client === client) handler(arg);
    };
    const client = new HubClient({
      path: () => "/ws/counter/" + encodeURIComponent(id) + "?token=" + encodeURIComponent(state.token),
      onSnapshot: current(onSnapshot),
      onEvent: current(onEvent),
      onStatus: current((online) => {
        state.online = online;
        render();
      }),
      onError: current(onError),
      page: "counter",
    });
    state.client = client;
    client.start();
  }

  function stopClient() {
    const client = state.client;
    state.client = null;
    state.online = false;
    if (client) client.stop();
  }

  // ------------------------------------------------------------ hub state

  function onSnapshot(snapshot) {
    state.clockOffset = Date.parse(snapshot.now) - Date.now() || 0;
    state.agencies = snapshot.agencies;
    state.services = {};
    for (const service of snapshot.services) state.services[service.code] = service;
    state.counters = {};
    for (const counter of snapshot.counters) state.counters[counter.id] = counter;
    state.skipped = snapshot.skipped || [];
    state.timezone = snapshot.site && snapshot.site.timezone;
    if (snapshot.settings && snapshot.settings.counter_panel) idleMs = snapshot.settings.counter_panel.idle_minutes * 60000;
    state.synced = true;
    render();
  }

  // Every event says what it changed: the waiting lines, a counter's state and desk.
  function onEvent(event) {
    window.MppUI.applyServices(event, (code) => state.services[code]);
    const counter = window.MppUI.counterAfter(event, event.counter && state.counters[event.counter.id]);
    if (counter) state.counters[counter.id] = counter;
    switch (event.type) {
      case "ticket.called":
      case "ticket.reinstated":
        forgetSkipped(event.ticket.id); // called back or back in the line: no longer a no-show
        break;
      case "ticket.skipped":
        if (myCounter().services.includes(event.ticket.service)) {
          forgetSkipped(event.ticket.id);
          state.skipped.unshift(event.ticket);
        }
        break;
      case "day.started":
        // A new day: counts restart; take a fresh snapshot rather than patch.
        if (state.client) state.client.resync();
        break;
      case "config.updated":
        // A fresh snapshot follows (new services in the transfer list, renamed counters); the officer's
        // own counters may have changed too, for the next counter choice.
        refreshOfficer();
        break;
      default:
        break;
    }
    render();
  }

  function forgetSkipped(id) {
    state.skipped = state.skipped.filter((t) => t.id !== id);
  }

  function onError(error) {
    if (AUTH_CODES.includes(error.code)) {
      endSession(error.message);
    } else if (COUNTER_GONE.includes(error.code)) {
      try {
        if (localStorage.getItem(COUNTER_KEY) === state.counterId) localStorage.removeItem(COUNTER_KEY);
      } catch (err) {
        // nothing remembered
      }
      stopClient();
      // The officer's counters may have changed with the configuration: ask the hub before listing them.
      refreshOfficer().finally(() => {
        if (state.token) showPicker(error.message);
      });
    } else if (error.message) {
      setMessage($("action-message"), error.message, "error");
    }
  }

  // The officer as the hub knows them now (their counters after a configuration change).
  async function refreshOfficer() {
    try {
      const data = await officerApi("GET", "/api/me");
      state.officer = data.officer;
      saveSession();
    } catch (err) {
      // a 401 has ended the session; otherwise the list shown is the one known before
    }
  }

  // ------------------------------------------------------------ actions

  function trigger(action) {
    const button = $("btn-" + action);
    if (!button || button.disabled) return;
    if (action === "skip") return openSkipDialog();
    if (action === "transfer") return openTransferDialog();
    if (action === "pause") return act(myCounter().state === "paused" ? "resume" : "pause");
    return act(action);
  }

  async function act(action, body) {
    if (state.busy || !state.online || !state.counterId) return;
    const counterId = state.counterId;
    state.busy = true;
    render();
    const started = Date.now();
    setMessage($("action-message"), "");
    try {
      const data = await officerApi("POST", "/api/counters/" + encodeURIComponent(counterId) + "/" + action, body);
      if (state.counterId !== counterId) return;
      if (data.counter) state.counters[data.counter.id] = data.counter;
      if (body && body.ticket !== undefined) forgetSkipped(body.ticket); // the event will say so too
      if (action === "call-next" && !data.ticket) {
        setMessage($("action-message"), "Tidak ada nomor yang menunggu.", "info");
      }
    } catch (err) {
      if (err.status === 401) return; // endSession already showed why
      if (err.status === 403) return showPicker(err.message);
      // A refused call-back: this panel's list of no-shows is out of date; the snapshot has the hub's.
      if (err.status === 409 && body && body.ticket !== undefined && state.client) state.client.resync();
      const text = err.code === "network"
        ? "Permintaan tidak sampai ke server. Periksa layar sebelum mengulang."
        : err.code === "timeout"
          ? "Server tidak menjawab; perintah mungkin sudah dijalankan. Periksa nomor di layar sebelum mengulang."
          : err.message;
      setMessage($("action-message"), text, "error");
    } finally {
      setTimeout(() => {
        state.busy = false;
        render();
      }, Math.max(0, GUARD_MS - (Date.now() - started)));
      render();
    }
  }

  // ------------------------------------------------------------ dialogs

  // The dialog's confirming buttons stay disabled for a moment: a double click that opened the
  // dialog must not land its second click on them.
  function openDialog(id, onKey) {
    const element = $(id);
    element.hidden = false;
    const dialog = { element, onKey };
    state.dialog = dialog;
    const guarded = element.querySelectorAll("button[data-guarded]");
    for (const button of guarded) button.disabled = true;
    setTimeout(() => {
      if (state.dialog === dialog) for (const button of guarded) button.disabled = false;
    }, DIALOG_GUARD_MS);
    $("main-screen").inert = true; // focus and clicks cannot reach the screen behind the overlay
    element.querySelector(".dialog").focus();
    render();
  }

  function closeDialog() {
    if (!state.dialog) return;
    state.dialog.element.hidden = true;
    state.dialog = null;
    $("main-screen").inert = false;
    render();
  }

  function openSkipDialog() {
    const ticket = myCounter().ticket;
    if (!ticket) return;
    $("skip-number").textContent = ticket.number;
    openDialog("skip-dialog", (event) => {
      if (event.key === "Escape") return closeDialog();
      if (event.key !== "Enter") return;
      // Enter confirms on "Ya, lewati" or with no button focused; on "Batal" it cancels.
      const focused = document.activeElement;
      const onButton = focused instanceof HTMLButtonElement && focused !== $("skip-confirm");
      if (onButton) closeDialog();
      else if (!event.repeat) confirmSkip();
    });
  }

  function confirmSkip() {
    closeDialog();
    act("skip");
  }

  function openTransferDialog() {
    const ticket = myCounter().ticket;
    if (!ticket) return;
    $("transfer-number").textContent = ticket.number;
    const groups = $("transfer-groups");
    groups.replaceChildren();
    const byAgency = new Map(state.agencies.map((a) => [a.code, []]));
    const others = [];
    for (const service of Object.values(state.services)) {
      (byAgency.get(service.agency) || others).push(service);
    }
    const sections = state.agencies.map((a) => [a.short_name || a.name, byAgency.get(a.code)]);
    sections.push(["Lainnya", others]);
    for (const [title, services] of sections) {
      if (!services.length) continue;
      const section = el("div");
      section.append(el("h3", "", title));
      const grid = el("div", "group");
      for (const service of services) {
        const button = el("button", "btn");
        button.type = "button";
        button.dataset.service = service.code;
        button.append(el("span", "code", service.code), document.createTextNode(service.name));
        if (service.code === ticket.service) {
          button.disabled = true;
          button.append(el("span", "muted", " (layanan saat ini)"));
        } else {
          button.dataset.guarded = "";
        }
        button.addEventListener("click", (event) => {
          if (event.detail > 1) return;
          closeDialog();
          act("transfer", { service: service.code });
        });
        grid.append(button);
      }
      section.append(grid);
      groups.append(section);
    }
    openDialog("transfer-dialog", (event) => {
      if (event.key === "Escape") closeDialog();
    });
  }

  // ------------------------------------------------------------ drawing

  function myCounter() {
    return state.counters[state.counterId] || { state: "closed", ticket: null, served: 0, services: [] };
  }

  function duration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + s : m + ":" + s;
  }

  function serviceName(code) {
    const service = state.services[code];
    return service ? service.name : code;
  }

  function render() {
    if (!state.counterId) return;
    const counter = myCounter();
    const assigned = allowedCounter(state.counterId);
    const ticket = counter.ticket;
    const paused = counter.state === "paused";

    $("banner").hidden = state.online;
    $("banner").textContent = state.synced ? "Koneksi terputus — menyambung ulang…" : "Menyambung ke server…";
    $("counter-name").textContent = counter.name || (assigned ? assigned.name : "Loket " + state.counterId);
    const badge = $("counter-state");
    badge.textContent = STATE_LABEL[counter.state] || counter.state;
    badge.className = "badge " + counter.state;
    $("officer-name").textContent = state.officer ? state.officer.name : "";
    const link = $("link-state");
    link.textContent = state.online ? "Terhubung" : "Terputus";
    link.classList.toggle("offline", !state.online);

    const number = $("ticket-number");
    number.textContent = ticket ? ticket.number : "—";
    number.classList.toggle("empty", !ticket);
    $("ticket-priority").hidden = !(ticket && ticket.priority);
    const service = $("ticket-service");
    service.textContent = ticket ? serviceName(ticket.service)
      : paused ? "Loket sedang istirahat" : "Belum ada nomor yang dipanggil";
    service.classList.toggle("paused", paused && !ticket);
    $("wait-time").textContent = ticket && ticket.called_at
      ? duration(Date.parse(ticket.called_at) - Date.parse(ticket.arrived_at)) : "—";
    $("call-count").textContent = ticket ? ticket.calls + "×" : "—";
    renderTimer();

    const ready = state.online && state.synced && !state.busy && !state.dialog;
    $("btn-call-next").disabled = !ready || paused;
    for (const action of ["recall", "skip", "done", "transfer"]) $("btn-" + action).disabled = !ready || !ticket;
    const pause = $("btn-pause");
    pause.disabled = !ready;
    pause.classList.toggle("resume", paused);
    pause.querySelector(".name").textContent = paused ? "Buka kembali" : "Istirahat";
    $("main-screen").setAttribute("aria-busy", String(state.busy));

    renderQueue(counter);
    renderSkipped(counter, ready, paused);
    renderOthers(counter);
  }

  // "09.41" in the site's time zone.
  function clockTime(iso) {
    try {
      return new Intl.DateTimeFormat("id-ID", { timeZone: state.timezone, hour: "2-digit", minute: "2-digit" })
        .format(new Date(iso));
    } catch (err) {
      return "";
    }
  }

  // Today's no-shows of this counter's services: a citizen who turns up late is called at once or put back
  // into the line at the original place; the hub decides whether it may.
  function renderSkipped(counter, ready, paused) {
    const list = $("skipped-list");
    list.replaceChildren();
    for (const ticket of state.skipped) {
      const item = el("li");
      item.dataset.ticket = String(ticket.id);
      const where = state.counters[ticket.counter];
      const when = el("span", "when", "dilewati " + clockTime(ticket.finished_at) + (where ? " di " + where.name : "") +
        " · " + serviceName(ticket.service));
      when.title = when.textContent;
      item.append(el("span", "num", ticket.number), when);
      const call = el("button", "btn call", "Panggil");
      call.type = "button";
      call.dataset.skippedAction = "call-skipped";
      call.title = "Panggil nomor terlewat " + ticket.number + " sekarang";
      call.disabled = !ready || paused;
      const back = el("button", "btn ghost", "Kembalikan ke antrian");
      back.type = "button";
      back.dataset.skippedAction = "reinstate";
      back.title = "Kembalikan " + ticket.number + " ke antrian pada urutan semula";
      back.disabled = !ready;
      for (const button of [call, back]) {
        button.addEventListener("click", (event) => {
          if (event.detail > 1) return; // second click of a double click
          act(button.dataset.skippedAction, { ticket: ticket.id });
        });
      }
      item.append(call, back);
      list.append(item);
    }
    if (!state.skipped.length) list.append(el("li", "muted", "Tidak ada nomor terlewat."));
  }

  function renderTimer() {
    const ticket = myCounter().ticket;
    $("service-timer").textContent = ticket && ticket.called_at
      ? duration(Date.now() + state.clockOffset - Date.parse(ticket.called_at)) : "—";
  }

  function renderQueue(counter) {
    const list = $("queue-list");
    list.replaceChildren();
    for (const code of counter.services) {
      const service = state.services[code];
      const item = el("li");
      item.dataset.service = code;
      const name = el("span", "svc");
      name.append(el("span", "code", code), document.createTextNode(serviceName(code)));
      const count = el("span", "count", (service ? service.waiting : 0) + " menunggu");
      if (service && service.priority_waiting) count.append(" · ", el("span", "prio", service.priority_waiting + " prioritas"));
      item.append(name, count);
      list.append(item);
    }
    $("served-count").textContent = String(counter.served || 0);
  }

  function renderOthers(counter) {
    const list = $("others-list");
    list.replaceChildren();
    const others = Object.values(state.counters).filter((c) => c.id !== counter.id && c.zone === counter.zone);
    for (const other of others) {
      const item = el("li");
      item.dataset.counter = other.id;
      item.append(el("span", "", other.name));
      const right = el("span");
      if (other.ticket) {
        right.append(el("span", "num", other.ticket.number));
        if (other.ticket.calls > 1) right.append(el("span", "muted", " (" + other.ticket.calls + "×)"));
        right.append(" ");
      }
      right.append(el("span", "badge " + other.state, STATE_LABEL[other.state] || other.state));
      item.append(right);
      list.append(item);
    }
    if (!others.length) list.append(el("li", "muted", "Tidak ada loket lain di zona ini."));
  }

  // ------------------------------------------------------------ input

  function typing(target) {
    return target instanceof HTMLElement
      && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
  }

  function onKeyDown(event) {
    if ($("main-screen").hidden) return;
    if (state.dialog) {
      if (event.key === "Escape" || event.key === "Enter" && state.dialog.element.id === "skip-dialog") {
        event.preventDefault();
        state.dialog.onKey(event);
      }
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.altKey || event.metaKey) return;
    const action = KEYS[event.key];
    if (!action) return;
    event.preventDefault(); // also keeps F1 help, F3 find and a focused button's own Enter/Space away
    if (!event.repeat) trigger(action);
  }

  function onKeyUp(event) {
    // Space activates a focused button on key-up: never let that add a second action.
    if (!$("main-screen").hidden && !state.dialog && !typing(event.target) && event.key === " ") event.preventDefault();
  }

  function wire() {
    window.MppLogin.attach((answer) => startSession(answer.token, answer.officer));
    $("picker-logout").addEventListener("click", logout);
    $("logout").addEventListener("click", logout);
    $("switch-counter").addEventListener("click", () => showPicker(""));
    for (const button of document.querySelectorAll(".actions [data-action]")) {
      button.addEventListener("click", (event) => {
        button.blur(); // Enter/Space are shortcuts; a focused button must not act on them too
        if (event.detail > 1) return; // second click of a double click
        trigger(button.dataset.action);
      });
    }
    $("skip-confirm").addEventListener("click", (event) => {
      if (event.detail <= 1) confirmSkip();
    });
    $("skip-cancel").addEventListener("click", closeDialog);
    $("transfer-cancel").addEventListener("click", closeDialog);
    document.addEventListener("keydown", onKeyDown);
    document.addEventListener("keyup", onKeyUp);
    document.addEventListener("visibilitychange", checkIdle);
    setInterval(renderTimer, 1000);
    setInterval(checkIdle, 15000);
  }

  async function logout() {
    if (state.token) {
      try {
        await api("POST", "/api/logout");
      } catch (err) {
        // the session ends here either way; the hub forgets it after the idle time
      }
    }
    endSession("Anda telah keluar.");
  }

  // A reload keeps the session of this tab, if the hub still knows it.
  async function resume() {
    const saved = loadSession();
    if (!saved) {
      $("username").focus();
      return;
    }
    state.token = saved.token;
    state.officer = saved.officer;
    state.lastActivity = saved.lastActivity || 0;
    $("username").value = (saved.officer && saved.officer.username) || "";
    checkIdle();
    if (!state.token) return;
    try {
      const data = await officerApi("GET", "/api/me");
      state.officer = data.officer;
      saveSession();
      chooseCounter();
    } catch (err) {
      if (err.status !== 401) endSession(err.message);
    }
  }

  wire();
  resume();
})();
