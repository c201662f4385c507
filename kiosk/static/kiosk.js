// The ticket kiosk: agency -> service -> regular/priority -> ticket.
//
// Names come from configuration: they are only ever set with textContent.
// The hub decides and this page shows: waiting counts, wait estimates (with their words) and
// whether a service gives tickets now (with the reason) come in the snapshot and stay fresh
// through the events of the shared HubClient on /ws/display.
(function () {
  "use strict";

  const { $, el } = window.MppUI;
  const boot = window.MppUI.boot(); // kiosk/page.py KioskBoot

  const OTHER = "__lainnya"; // services that belong to no agency
  const KEY_ROWS = ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"];

  const SETTLE_MS = 600; // taps ignored after a screen change: a double tap must not land on the next screen
  const SETTLE_LONG_MS = 1500; // the same on the ticket and error screens, whose buttons end the visit

  let state = boot.state;
  window.MppUI.syncHubTime(state.now); // the hub's clock is the one that counts (ui.js)
  const ui = {
    screen: null, agency: null, service: null, agencyPage: 0, servicePage: 0, query: "",
    keyboard: false, busy: false, pointerDown: false, renderPending: false,
  };

  // ------------------------------------------------------------ helpers

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }


  // ------------------------------------------------------------ the hall's offer

  function agencyList() {
    const byCode = new Map();
    for (const a of state.agencies) {
      byCode.set(a.code, { code: a.code, name: a.name, short: a.short_name, services: [] });
    }
    for (const s of offered()) {
      const code = s.agency && byCode.has(s.agency) ? s.agency : OTHER;
      if (!byCode.has(code)) byCode.set(code, { code: OTHER, name: "Layanan lainnya", short: "Lainnya", services: [] });
      byCode.get(code).services.push(s);
    }
    return [...byCode.values()].filter((a) => a.services.length > 0);
  }

  function steps() {
    return agencyList().length > 1 ? ["agency", "service", "kind"] : ["service", "kind"];
  }

  // A service switched off in the configuration (active: false) is not offered at all.
  function offered() {
    return state.services.filter((s) => s.active !== false);
  }

  function findService(code) {
    return offered().find((s) => s.code === code) || null;
  }


  // ------------------------------------------------------------ layout

  function portrait() {
    return window.innerHeight >= window.innerWidth;
  }

  function gridShape(kind) {
    if (kind === "agency") {
      if (ui.keyboard) return portrait() ? { cols: 2, rows: 3 } : { cols: 3, rows: 1 };
      return portrait() ? { cols: 2, rows: 5 } : { cols: 3, rows: 3 };
    }
    return portrait() ? { cols: 2, rows: 4 } : { cols: 3, rows: 2 };
  }

  function paged(items, page, shape) {
    const size = shape.cols * shape.rows;
    const pages = Math.max(1, Math.ceil(items.length / size));
    const current = Math.min(Math.max(0, page), pages - 1);
    return { items: items.slice(current * size, current * size + size), page: current, pages };
  }

  function renderPager(nav, view, onPage) {
    nav.hidden = view.pages <= 1;
    nav.querySelector(".page-info").textContent = "Halaman " + (view.page + 1) + " dari " + view.pages;
    const prev = nav.querySelector(".page-prev");
    const next = nav.querySelector(".page-next");
    prev.disabled = view.page === 0;
    next.disabled = view.page >= view.pages - 1;
    prev.onclick = () => onPage(view.page - 1);
    next.onclick = () => onPage(view.page + 1);
  }

  function shapeGrid(grid, shape) {
    grid.style.setProperty("--cols", shape.cols);
    grid.style.setProperty("--rows", shape.rows);
  }

  // ------------------------------------------------------------ screens

  function matches(agency, words) {
    const haystack = fold([agency.name, agency.short, agency.code, ...agency.services.map((s) => s.name)].join(" "));
    return words.every((w) => haystack.includes(w));
  }

  function renderAgencies() {
    const all = agencyList();
    const screen = $("screen-agency");
    const searchable = all.length > (portrait() ? 10 : 9); // more than one full page without the keyboard
    $("agency-search-box").hidden = !searchable;
    if (!searchable && ui.keyboard) setKeyboard(false);
    const words = fold(ui.query).split(/\s+/).filter(Boolean);
    const found = words.length ? all.filter((a) => matches(a, words)) : all;
    const shape = gridShape("agency");
    const view = paged(found, ui.agencyPage, shape);
    ui.agencyPage = view.page;
    const grid = $("agency-grid");
    shapeGrid(grid, shape);
    grid.replaceChildren(...view.items.map((a) => {
      const tile = el("button", "tile agency");
      tile.type = "button";
      tile.dataset.agency = a.code;
      tile.setAttribute("role", "listitem");
      const waiting = a.services.reduce((n, s) => n + s.waiting, 0);
      const title = a.short && a.short !== a.code ? a.short : a.name;
      tile.append(el("span", "tile-title", title));
      if (title !== a.name) tile.append(el("span", "tile-name", a.name));
      tile.append(el("span", "tile-meta", a.services.length + " layanan · " + waiting + " orang menunggu"));
      tile.onclick = () => chooseAgency(a.code);
      return tile;
    }));
    $("agency-empty").hidden = found.length > 0;
    renderPager($("agency-pager"), view, (page) => { ui.agencyPage = page; render(); });
    $("agency-search-clear").hidden = !ui.query;
    screen.querySelector(".back").hidden = isHome();
  }

  function renderServices() {
    const agency = agencyList().find((a) => a.code === ui.agency) || (steps()[0] === "service" ? agencyList()[0] : null);
    if (!agency) return goHome();
    $("service-agency").textContent = agency.name;
    $("service-agency").hidden = steps()[0] === "service";
    const shape = gridShape("service");
    const view = paged(agency.services, ui.servicePage, shape);
    ui.servicePage = view.page;
    const grid = $("service-grid");
    shapeGrid(grid, shape);
    grid.replaceChildren(...view.items.map((s) => {
      const tile = el("button", "tile service" + (s.available ? "" : " unavailable"));
      tile.type = "button";
      tile.dataset.service = s.code;
      tile.setAttribute("role", "listitem");
      if (!s.available) tile.setAttribute("aria-disabled", "true");
      const head = el("span", "tile-head");
      head.append(el("span", "tile-code", s.code), el("span", "tile-title", s.name));
      tile.append(head);
      if (s.description) tile.append(el("span", "tile-name", s.description));
      if (s.available) {
        tile.append(el("span", "tile-meta", s.waiting + " orang menunggu" +
          (s.estimated_wait === null ? "" : " · perkiraan tunggu " + s.estimated_wait_text)));
      } else {
        tile.append(el("span", "tile-closed", s.closed.label));
      }
      tile.onclick = () => chooseService(s.code);
      return tile;
    }));
    renderPager($("service-pager"), view, (page) => { ui.servicePage = page; render(); });
    $("screen-service").querySelector(".back").hidden = steps()[0] === "service";
  }

  function renderKind() {
    const s = findService(ui.service);
    if (!s) return goHome();
    const agency = agencyList().find((a) => a.services.includes(s));
    $("kind-service").textContent = s.name + (agency && agency.code !== OTHER ? " — " + agency.name : "");
  }

  function render() {
    if (ui.pointerDown) {
      ui.renderPending = true; // never swap a tile out from under a finger
      return;
    }
    ui.renderPending = false;
    const hall = state.hall;
    const closed = hall && !hall.open && hall.closed;
    $("hall-notice").hidden = !closed;
    if (closed) $("hall-notice").textContent = closed.message;
    for (const node of document.querySelectorAll("[data-role=step]")) {
      const screen = node.closest("[data-screen]").dataset.screen;
      const all = steps();
      node.textContent = all.includes(screen) ? "Langkah " + (all.indexOf(screen) + 1) + " dari " + all.length : "";
    }
    if (ui.screen === "agency") renderAgencies();
    else if (ui.screen === "service") renderServices();
    else if (ui.screen === "kind") renderKind();
  }

  let settleTimer = null;

  // Taps are ignored for a moment after the screen changed (see onClickCapture); the html
  // element carries data-settling meanwhile.
  function settle(ms) {
    const root = document.documentElement;
    root.dataset.settling = "";
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => { delete root.dataset.settling; }, ms);
  }

  function onClickCapture(event) {
    if (!("settling" in document.documentElement.dataset)) return;
    event.preventDefault();
    event.stopPropagation();
  }

  function show(screen) {
    if (screen !== ui.screen) settle(screen === "ticket" || screen === "error" ? SETTLE_LONG_MS : SETTLE_MS);
    ui.screen = screen;
    for (const section of document.querySelectorAll("[data-screen]")) {
      section.hidden = section.dataset.screen !== screen;
    }
    if (screen !== "agency") setKeyboard(false);
    if (screen !== "service") $("service-notice").hidden = true;
    render();
    window.scrollTo(0, 0);
    armIdle();
  }

  function isHome() {
    return ui.screen === steps()[0] && !ui.query && ui.agencyPage === 0 && ui.servicePage === 0 && !ui.keyboard;
  }

  function goHome() {
    ui.agency = null;
    ui.service = null;
    ui.agencyPage = 0;
    ui.servicePage = 0;
    ui.query = "";
    $("agency-search").value = "";
    setKeyboard(false);
    show(steps()[0]);
  }

  function back() {
    if (ui.screen === "kind") return show("service");
    if (ui.screen === "service" && steps()[0] === "agency") return show("agency");
    goHome();
  }

  function chooseAgency(code) {
    ui.agency = code;
    ui.servicePage = 0;
    show("service");
  }

  function chooseService(code) {
    const s = findService(code);
    if (!s) return;
    if (!s.available) {
      const notice = $("service-notice");
      notice.textContent = s.closed.message + " Silakan pilih layanan lain.";
      notice.hidden = false;
      return;
    }
    ui.service = code;
    show("kind");
  }

  // ------------------------------------------------------------ search keyboard

  function buildKeyboard() {
    const board = $("keyboard");
    for (const row of KEY_ROWS) {
      const line = el("div", "key-row");
      for (const ch of row) {
        const key = el("button", "key", ch);
        key.type = "button";
        key.dataset.key = ch;
        line.append(key);
      }
      board.append(line);
    }
    const last = el("div", "key-row");
    for (const [key, label, cls] of [["space", "Spasi", "key wide"], ["back", "⌫ Hapus huruf", "key wide"],
      ["close", "Tutup papan ketik", "key wide"]]) {
      const b = el("button", cls, label);
      b.type = "button";
      b.dataset.key = key;
      last.append(b);
    }
    board.append(last);
    board.addEventListener("click", (event) => {
      const key = event.target.closest("[data-key]");
      if (!key) return;
      const input = $("agency-search");
      const k = key.dataset.key;
      if (k === "close") return setKeyboard(false);
      if (k === "back") input.value = input.value.slice(0, -1);
      else if (k === "space") input.value += " ";
      else input.value += k.toLowerCase();
      onSearch();
    });
  }

  function setKeyboard(visible) {
    if (ui.keyboard === visible) return;
    ui.keyboard = visible;
    $("keyboard").hidden = !visible;
    document.body.classList.toggle("keyboard-open", visible);
    if (ui.screen === "agency") render();
  }

  function onSearch() {
    ui.query = $("agency-search").value;
    ui.agencyPage = 0;
    render();
    armIdle();
  }

  // ------------------------------------------------------------ issuing

  async function issue(priority) {
    if (ui.busy || !ui.service) return;
    ui.busy = true;
    $("busy").hidden = false;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), (boot.print_wait_seconds + 15) * 1000);
    try {
      const headers = { "Content-Type": "application/json" };
      const device = window.HubClient ? window.HubClient.device("kiosk") : null;
      if (device) headers["X-Device-Token"] = device; // a registered kiosk: not held to one address's allowance
      const response = await fetch("/kiosk/api/tickets", {
        method: "POST",
        headers,
        body: JSON.stringify({ service: ui.service, priority, kiosk: boot.kiosk, browser_print: boot.print === "browser" }),
        signal: controller.signal,
      });
      let body = null;
      try {
        body = await response.json();
      } catch (err) {
        body = null;
      }
      if (response.status === 201 && body && body.ticket) {
        showTicket(body);
      } else if (response.status >= 500) {
        showProblem("Maaf", UNSURE, false); // the hub may have issued the number before failing
      } else {
        const message = body && body.error && body.error.message
          ? body.error.message : "Terjadi kesalahan pada server. Silakan coba lagi atau hubungi petugas.";
        showProblem(response.status === 409 ? "Maaf, nomor tidak dapat diambil" : "Maaf", message, true);
      }
    } catch (err) {
      if (err && err.name === "AbortError") {
        showProblem("Maaf", UNSURE, false); // we stopped waiting; the hub may still have issued it
      } else {
        showProblem("Maaf", "Tidak dapat terhubung ke server antrian. Silakan coba lagi atau hubungi petugas.", true);
      }
    } finally {
      clearTimeout(timer);
      ui.busy = false;
      $("busy").hidden = true;
    }
  }

  function showTicket(body) {
    const t = body.ticket;
    $("ticket-number").textContent = t.number;
    $("ticket-priority").hidden = !t.priority;
    $("ticket-service").textContent = t.service_name;
    $("ticket-agency").textContent = t.agency_name || "";
    $("ticket-ahead").textContent = body.text.ahead;
    $("ticket-wait").textContent = body.text.wait;
    $("ticket-issued").textContent = body.text.issued;
    $("ticket-url").textContent = body.status_url;
    const message = $("ticket-message");
    message.textContent = body.message;
    // printed: paper is coming; sent: the printer cannot confirm it; failed: nothing will come out.
    const printer = body.printer ? body.printer.state : null;
    message.className = "print-note " + (printer === "printed" ? "ok" : printer === "failed" ? "fault" : "info");
    const img = $("ticket-qr");
    img.onload = () => {
      if (boot.print === "browser") window.print(); // silent with Chromium's --kiosk-printing
    };
    img.src = body.qr_url;
    show("ticket");
  }

  const UNSURE = "Server antrian terlalu lama menjawab. Nomor Anda mungkin sudah dibuat — silakan tanyakan " +
    "kepada petugas sebelum mengambil nomor lagi.";

  // `nothingIssued`: the hub surely issued no number (it refused, or was never reached).
  function showProblem(title, message, nothingIssued) {
    $("error-title").textContent = title;
    $("error-message").textContent = message;
    $("error-note").hidden = !nothingIssued;
    show("error");
  }

  // ------------------------------------------------------------ idle return

  let idleTimer = null;
  let countdownTimer = null;

  function armIdle() {
    clearTimeout(idleTimer);
    clearInterval(countdownTimer);
    if (isHome()) return;
    const seconds = ui.screen === "ticket" ? boot.ticket_idle_seconds : boot.idle_seconds;
    const deadline = performance.now() + seconds * 1000;
    idleTimer = setTimeout(goHome, seconds * 1000);
    if (ui.screen === "ticket") {
      const tick = () => {
        const left = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
        $("ticket-countdown").textContent = "Kembali ke awal dalam " + left + " detik";
      };
      tick();
      countdownTimer = setInterval(tick, 1000);
    }
  }

  // ------------------------------------------------------------ live state

  // The events carry the services they change (waiting lines and estimates; service.updated:
  // availability): copy them in and draw.
  function onEvent(event) {
    if (event.at) window.MppUI.seeHubTime(event.at);
    if (event.type === "day.started") {
      if (client) client.resync(); // a new day: fresh counts from a snapshot
      return;
    }
    if (event.type === "hall.updated") {
      state.hall = event.hall;
      render();
      return;
    }
    if (!event.services) return;
    window.MppUI.applyServices(event, findService);
    render();
  }

  // The first message, and a fresh one after each configuration change (config.updated): new,
  // renamed or switched-off services, the calendar, the kiosk's timings.
  function onSnapshot(snapshot) {
    state = snapshot;
    window.MppUI.syncHubTime(state.now);
    const settings = snapshot.settings && snapshot.settings.kiosk;
    if (settings) {
      for (const key of ["idle_seconds", "ticket_idle_seconds", "print_wait_seconds"]) boot[key] = settings[key];
    }
    render();
  }


  let refused = null; // the hub's message when it refused this kiosk's device token

  function onStatus(online) {
    const link = $("link");
    link.dataset.online = online ? "true" : "false";
    link.textContent = refused ? "Kios tidak terdaftar" : online ? "Terhubung" : "Menyambung ulang…";
    link.title = refused || "";
  }

  // The hub refused this kiosk's device token (revoked, unknown): say so where staff look; the
  // client stops (retrying would be refused again) and the hub's words stay on the link's title.
  function onError(error) {
    if (!window.HubClient.deviceRefused(error.code)) return;
    refused = error.message || "Kios ini ditolak hub.";
    onStatus(false);
  }

  function tickClock() {
    const now = window.MppUI.hubNow();
    const zone = state.site.timezone;
    $("clock").replaceChildren(
      el("span", "clock-time", window.MppUI.formatTime(now, zone)),
      el("span", "clock-date", window.MppUI.formatDate(now, zone)),
    );
  }

  // ------------------------------------------------------------ wiring

  let client = null;

  function start() {
    document.documentElement.dataset.print = boot.print;
    buildKeyboard();
    document.addEventListener("click", onClickCapture, true);
    document.addEventListener("click", (event) => {
      const action = event.target.closest("[data-action]");
      if (!action) return;
      if (action.dataset.action === "back") back();
      else if (action.dataset.action === "home") goHome();
    });
    for (const id of ["kind-regular", "kind-priority"]) {
      $(id).addEventListener("click", (event) => issue(event.currentTarget.dataset.priority === "true"));
    }
    const search = $("agency-search");
    search.addEventListener("input", onSearch);
    search.addEventListener("focus", () => setKeyboard(true));
    search.addEventListener("click", () => setKeyboard(true));
    $("agency-search-clear").addEventListener("click", () => {
      search.value = "";
      onSearch();
    });
    document.addEventListener("pointerdown", () => { ui.pointerDown = true; armIdle(); }, true);
    const release = () => {
      ui.pointerDown = false;
      if (ui.renderPending) setTimeout(render, 0); // after the click has landed
    };
    document.addEventListener("pointerup", release, true);
    document.addEventListener("pointercancel", release, true);
    document.addEventListener("keydown", armIdle, true);
    document.addEventListener("contextmenu", (event) => event.preventDefault());
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(render, 100);
    });
    onStatus(false);
    tickClock();
    setInterval(tickClock, 1000);
    goHome();
    if (window.HubClient) {
      client = new window.HubClient({
        path: "/ws/display", onSnapshot, onEvent, onStatus, onError, page: "kiosk",
        report: () => ({ kiosk: boot.kiosk || null, print: boot.print }),
      });
      client.start();
    }
  }

  start();
})();
