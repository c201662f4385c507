// The reports page: choose a period and a breakdown, see the cards, the charts and the table,
// download the same rows as XLSX or CSV, print an A4 landscape page to sign.
//
// Everything shown comes from the hub (GET /api/reports/summary, /hours, /recap): numbers,
// labels, column headings (start-up data), error messages. The page formats seconds as
// minutes:seconds and nothing else. It shares the admin console's log-in: the same session,
// kept in this tab's sessionStorage, so moving between /admin and /admin/reports keeps it.
(function () {
  "use strict";

  const { $, el, boot } = window.MppUI;
  const Charts = window.MppCharts;
  const SESSION_KEY = "mpp.admin.session"; // the admin console's (admin/static/admin.js)
  const REQUEST_TIMEOUT_MS = 60000; // a year of history takes a few seconds on the hub
  const data = boot();
  const state = { token: null, officer: null, query: null, recap: null };

  class ApiError extends Error {
    constructor(status, body, fallback) {
      const error = (body && body.error) || {};
      super(error.message || fallback);
      this.status = status;
      this.code = error.code || "http_" + status;
    }
  }

  // ------------------------------------------------------------ HTTP

  async function request(method, path, body, { raw = false } = {}) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token) headers.Authorization = "Bearer " + state.token;
    let response;
    try {
      response = await fetch(path, {
        method, headers, cache: "no-store", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const timeout = err && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new ApiError(0, null, timeout ? "Server tidak menjawab. Periksa jaringan, lalu coba lagi."
        : "Tidak dapat menghubungi server. Periksa jaringan.");
    }
    if (raw && response.ok) return response;
    let answer = null;
    try {
      answer = await response.json();
    } catch (err) {
      answer = null;
    }
    if (!response.ok) {
      const error = new ApiError(response.status, answer, "Server menjawab dengan kode " + response.status + ".");
      // No session, or one that may not read reports (a petugas): back to the log-in, with the hub's words.
      if (response.status === 401 || error.code === "role_not_allowed") showLogin(error.message);
      throw error;
    }
    return answer;
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

  function setMessage(node, text, kind) {
    node.textContent = text || "";
    node.className = "message " + (kind || "");
  }

  function showLogin(message) {
    state.token = null;
    saveSession();
    $("app").hidden = true;
    $("login-screen").hidden = false;
    setMessage($("login-message"), message, message ? "error" : "");
    $("pin").value = "";
    ($("username").value ? $("pin") : $("username")).focus();
  }

  async function onLogin(event) {
    event.preventDefault();
    const button = $("login-button");
    if (button.disabled) return;
    const username = $("username").value.trim();
    const pin = $("pin").value;
    if (!username || !pin) return setMessage($("login-message"), "Isi nama pengguna dan PIN.", "error");
    button.disabled = true;
    try {
      const answer = await request("POST", "/api/login", { username, pin });
      state.token = answer.token;
      state.officer = answer.officer;
      saveSession();
      setMessage($("login-message"), "");
      start();
    } catch (err) {
      setMessage($("login-message"), err.message, "error");
    } finally {
      $("pin").value = "";
      button.disabled = false;
    }
  }

  function logout() {
    if (state.token) request("POST", "/api/logout").catch(() => {});
    showLogin("Anda telah keluar.");
  }

  // ------------------------------------------------------------ choices

  function option(value, text) {
    const node = el("option", null, text);
    node.value = value;
    return node;
  }

  function fillChoices() {
    $("by").replaceChildren(...data.by.map((b) => option(b.value, b.title)));
    const mine = state.officer && state.officer.role === "koordinator" ? state.officer.agency : null;
    const agencies = data.agencies.filter((a) => mine === null || a.value === mine);
    for (const agency of [$("agency"), $("recap-agency")]) {
      agency.replaceChildren(...(mine === null ? [option("", "Semua instansi")] : []),
        ...agencies.map((a) => option(a.value, a.title)));
      agency.disabled = mine !== null;
    }
    fillServices();
  }

  function fillServices() {
    const agency = $("agency").value;
    const keep = $("service").value;
    const services = data.services.filter((s) => !agency || s.agency === agency);
    $("service").replaceChildren(option("", "Semua layanan"),
      ...services.map((s) => option(s.value, s.value + " · " + s.title)));
    if (services.some((s) => s.value === keep)) $("service").value = keep;
  }

  // A date as the date inputs hold it (YYYY-MM-DD), as a moment for the formatters.
  const dayOf = (text) => new Date(text + "T00:00:00Z");

  // The period picker's shortcuts carry their dates (the hub's reports/period.py quick_periods).
  function setRange(chip) {
    $("from").value = chip.dataset.from;
    $("to").value = chip.dataset.to;
  }

  // ------------------------------------------------------------ summary

  function params(extra) {
    const q = new URLSearchParams({ from: $("from").value, to: $("to").value, ...extra });
    if ($("agency").value) q.set("agency", $("agency").value);
    if ($("service").value) q.set("service", $("service").value);
    return q;
  }

  function choiceTitle(list, value) {
    const found = list.find((c) => c.value === value);
    return found ? found.title : value;
  }

  async function showSummary(event) {
    if (event) event.preventDefault();
    const by = $("by").value;
    const button = $("show");
    button.disabled = true;
    setMessage($("summary-message"), "Menghitung…", "info");
    try {
      const wanted = [request("GET", "/api/reports/summary?" + params({ by })),
        request("GET", "/api/reports/hours?" + params({}))];
      if (by !== "service") wanted.push(request("GET", "/api/reports/summary?" + params({ by: "service" })));
      const [summary, hours, perService] = await Promise.all(wanted);
      state.query = { by, params: params({ by }) };
      render(summary, hours, perService || summary);
      setMessage($("summary-message"), "");
    } catch (err) {
      setMessage($("summary-message"), err.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  function scopeText() {
    if ($("service").value) return "Layanan " + choiceTitle(data.services, $("service").value);
    if ($("agency").value) return "Instansi " + choiceTitle(data.agencies, $("agency").value);
    return "Semua instansi";
  }

  function longDate(text) {
    return window.MppUI.formatDate(dayOf(text).getTime(), "UTC");
  }

  function render(summary, hours, perService) {
    const byTitle = choiceTitle(data.by, summary.by);
    $("summary-title").textContent = "Laporan antrian per " + byTitle.toLowerCase();
    $("summary-subtitle").textContent = data.site_name + " · " + scopeText();
    $("summary-period").textContent = summary.from === summary.to ? longDate(summary.from)
      : longDate(summary.from) + " s.d. " + longDate(summary.to);
    $("signed-place").textContent = data.site_name + ", " + longDate(data.today);
    renderCards(summary.total);
    $("summary-result").hidden = false;
    Charts.hours("chart-hours", hours);
    Charts.times("chart-times", perService.rows);
    Charts.noShows("chart-no-show", perService.rows);
    renderTable(summary);
  }

  function renderCards(total) {
    const cards = [
      ["Nomor diambil", total.issued, "count"],
      ["Dilayani", total.served, "count"],
      ["Tidak hadir", total.no_show, "count"],
      ["Dialihkan", total.transferred, "count"],
      ["Tunggu rata-rata", total.wait_avg_s, "duration"],
      ["Tunggu P90", total.wait_p90_s, "duration"],
      ["Layanan rata-rata", total.service_avg_s, "duration"],
      ["Melebihi target", total.over_target, "count"],
    ];
    $("cards").replaceChildren(...cards.map(([title, value, kind]) => {
      const card = el("div", "card stat");
      card.append(el("span", "stat-title", title), el("strong", "stat-value", shown(value, kind)));
      if (kind === "duration") card.append(el("span", "stat-unit", "menit:detik"));
      return card;
    }));
  }

  function shown(value, kind) {
    if (kind === "duration") return Charts.minutesSeconds(value);
    if (value === null || value === undefined) return "—";
    return Number(value).toLocaleString("id-ID");
  }

  function renderTable(summary) {
    const [keyTitle, labelTitle] = data.key_titles[summary.by];
    const columns = [{ field: "key", title: keyTitle, kind: "key" }, { field: "label", title: labelTitle, kind: "text" },
      ...data.measures];
    const head = el("tr");
    head.append(...columns.map((c) => el("th", c.kind === "count" || c.kind === "duration" ? "num" : null, c.title)));
    $("summary-table").tHead.replaceChildren(head);
    const line = (row) => {
      const tr = el("tr");
      tr.append(...columns.map((c) => {
        const numeric = c.kind === "count" || c.kind === "duration";
        return el("td", numeric ? "num" : null, numeric ? shown(row[c.field], c.kind) : row[c.field] === null ? "" : row[c.field]);
      }));
      return tr;
    };
    const body = $("summary-table").tBodies[0];
    body.replaceChildren(...summary.rows.map(line));
    if (!summary.rows.length) {
      const empty = el("tr");
      const cell = el("td", "empty", "Tidak ada nomor antrian pada periode ini.");
      cell.colSpan = columns.length;
      empty.append(cell);
      body.append(empty);
    }
    $("summary-table").tFoot.replaceChildren(line(summary.total));
    $("definitions").replaceChildren(...data.definitions.map((d) => el("li", null, d)));
  }

  // ------------------------------------------------------------ downloads

  async function download(path, button) {
    button.disabled = true;
    try {
      const response = await request("GET", path, undefined, { raw: true });
      const blob = await response.blob();
      const named = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
      const link = el("a");
      link.href = URL.createObjectURL(blob);
      link.download = named ? named[1] : "laporan";
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    } catch (err) {
      setMessage($(state.recap ? "recap-message" : "summary-message"), err.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  function summaryFile(format) {
    const q = new URLSearchParams(state.query.params);
    q.set("format", format);
    return "/api/reports/summary?" + q;
  }

  // ------------------------------------------------------------ recap

  async function showRecap(event) {
    if (event) event.preventDefault();
    const asked = { month: $("month").value };
    if ($("recap-agency").value) asked.agency = $("recap-agency").value;
    $("show-recap").disabled = true;
    setMessage($("recap-message"), "Menghitung…", "info");
    try {
      const recap = await request("GET", "/api/reports/recap?" + new URLSearchParams(asked));
      state.recap = asked;
      renderRecap(recap);
      setMessage($("recap-message"), "");
    } catch (err) {
      setMessage($("recap-message"), err.message, "error");
    } finally {
      $("show-recap").disabled = false;
    }
  }

  function renderRecap(recap) {
    $("recap-title").textContent = "Rekap jumlah pemohon " + recap.label;
    const agency = state.recap.agency;
    $("recap-period").textContent = recap.label + " · " +
      (agency ? "Instansi " + choiceTitle(data.agencies, agency) : "Semua instansi");
    const days = Array.from({ length: recap.days }, (_, i) => String(i + 1));
    const head = el("tr");
    head.append(el("th", null, "Kode"), el("th", null, "Instansi / Layanan"), ...days.map((d) => el("th", "num", d)),
      el("th", "num total", "Jumlah"));
    $("recap-table").tHead.replaceChildren(head);
    const line = (row) => {
      const tr = el("tr", row.kind);
      tr.append(el("td", null, row.key === null ? "" : row.key), el("td", "name", row.label),
        ...row.days.map((n) => el("td", "num", n ? n.toLocaleString("id-ID") : "·")),
        el("td", "num total", row.total.toLocaleString("id-ID")));
      return tr;
    };
    $("recap-table").tBodies[0].replaceChildren(...recap.rows.map(line));
    $("recap-table").tFoot.replaceChildren(line(recap.total));
    $("recap-result").hidden = false;
  }

  // ------------------------------------------------------------ start

  function selectTab(recap) {
    $("tab-summary").setAttribute("aria-selected", String(!recap));
    $("tab-recap").setAttribute("aria-selected", String(recap));
    $("summary-view").hidden = recap;
    $("recap-view").hidden = !recap;
    if (!recap) Charts.resize();
    else if (!state.recap) showRecap();
  }

  async function start() {
    try {
      const me = await request("GET", "/api/me");
      state.officer = me.officer;
    } catch (err) {
      if (err.status !== 401) showLogin(err.message);
      return;
    }
    $("login-screen").hidden = true;
    $("app").hidden = false;
    window.MppArea.ready(state.officer); // the admin area's bar: who, and the pages of their role
    fillChoices();
    showSummary();
  }

  function init() {
    setRange(document.querySelector("[data-range='month']"));
    $("month").value = data.today.slice(0, 7);
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", logout);
    $("summary-form").addEventListener("submit", showSummary);
    $("recap-form").addEventListener("submit", showRecap);
    $("agency").addEventListener("change", fillServices);
    document.querySelectorAll("[data-range]").forEach((chip) => chip.addEventListener("click", () => {
      setRange(chip);
      showSummary();
    }));
    $("tab-summary").addEventListener("click", () => selectTab(false));
    $("tab-recap").addEventListener("click", () => selectTab(true));
    $("download-xlsx").addEventListener("click", (e) => download(summaryFile("xlsx"), e.currentTarget));
    $("download-csv").addEventListener("click", (e) => download(summaryFile("csv"), e.currentTarget));
    $("recap-xlsx").addEventListener("click", (e) => download("/api/reports/recap?" + new URLSearchParams(
      { ...state.recap, format: "xlsx" }), e.currentTarget));
    $("recap-csv").addEventListener("click", (e) => download("/api/reports/recap?" + new URLSearchParams(
      { ...state.recap, format: "csv" }), e.currentTarget));
    $("print").addEventListener("click", () => window.print());
    $("recap-print").addEventListener("click", () => window.print());
    window.addEventListener("resize", () => Charts.resize());
    // The charts are canvases: redrawn at the printed page's size when the print layout applies, and back after.
    window.matchMedia("print").addEventListener("change", () => Charts.resize());
    const saved = loadSession();
    if (saved) {
      state.token = saved.token;
      state.officer = saved.officer;
      start();
    } else {
      showLogin("");
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
