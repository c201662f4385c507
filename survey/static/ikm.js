// The IKM page of the admin area (/admin/ikm): the survey's result per period, agency, service and counter.
//
// Everything shown comes from GET /api/reports/ikm (the hub computes NRR, IKM, mutu and the sample
// target, survey/ikm.py); the download is the same report as XLSX. The session is the admin
// console's (this tab's sessionStorage), so coming from /admin needs no second log-in. Publishing the
// IKM on the TVs is the configuration's [survey] display_ikm, saved like any change of the console
// (GET and PUT /api/admin/config): a koordinator is told by the hub that only an admin may change it.
(function () {
  "use strict";

  const { $, el, boot } = window.MppUI;
  const data = boot(); // survey/page.py IkmBoot
  const SESSION_KEY = "mpp.admin.session"; // shared with the admin console (this tab only)
  const TIMEOUT_MS = 15000;
  const decimals = (n) => new Intl.NumberFormat("id-ID", { minimumFractionDigits: n, maximumFractionDigits: n });
  const whole = new Intl.NumberFormat("id-ID");

  const state = { token: null, officer: null };

  async function request(method, path, body, raw) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token) headers.Authorization = "Bearer " + state.token;
    let response;
    try {
      response = await fetch(path, {
        method, headers, cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw { status: 0, message: "Tidak dapat menghubungi server. Periksa jaringan." };
    }
    if (raw && response.ok) return response;
    let answer = null;
    try {
      answer = await response.json();
    } catch (err) {
      answer = null;
    }
    if (!response.ok) {
      const error = (answer && answer.error) || {};
      if (response.status === 401) showLogin(error.message);
      throw { status: response.status, code: error.code, message: error.message || "Server menjawab dengan kode " +
        response.status + "." };
    }
    return answer;
  }

  function say(node, text, kind) {
    node.textContent = text || "";
    node.className = "message " + (kind || "");
  }

  // ------------------------------------------------------------ session

  function saveSession() {
    try {
      if (state.token) sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: state.token, officer: state.officer }));
      else sessionStorage.removeItem(SESSION_KEY);
    } catch (err) {
      // storage disabled: log in again after a reload
    }
  }

  function showLogin(message) {
    state.token = null;
    saveSession();
    $("app").hidden = true;
    $("login-screen").hidden = false;
    say($("login-message"), message || "", message ? "error" : "");
    $("pin").value = "";
    ($("username").value ? $("pin") : $("username")).focus();
  }

  function showApp() {
    $("login-screen").hidden = true;
    $("app").hidden = false;
    window.MppArea.ready(state.officer); // the admin area's bar: who, and the pages of their role
    fillChoices();
    $("publish").hidden = state.officer.role !== "admin";
    if (state.officer.role === "admin") loadPublishing();
    show();
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = $("login-button");
    const username = $("username").value.trim();
    const pin = $("pin").value;
    if (!username || !pin) {
      say($("login-message"), "Isi nama pengguna dan PIN.", "error");
      return;
    }
    button.disabled = true;
    try {
      const answer = await request("POST", "/api/login", { username, pin });
      if (answer.officer.role === "petugas") {
        say($("login-message"), "Halaman ini untuk admin dan koordinator. Anda masuk sebagai petugas.", "error");
        request("POST", "/api/logout").catch(() => {});
        return;
      }
      state.token = answer.token;
      state.officer = answer.officer;
      saveSession();
      showApp();
    } catch (err) {
      say($("login-message"), err.message, "error");
    } finally {
      button.disabled = false;
      $("pin").value = "";
    }
  });

  $("logout").addEventListener("click", () => {
    request("POST", "/api/logout").catch(() => {});
    showLogin("");
  });

  // ------------------------------------------------------------ filters

  function option(value, text) {
    const node = el("option", "", text);
    node.value = value;
    return node;
  }

  function fillChoices() {
    const own = state.officer.role === "koordinator" ? state.officer.agency : null;
    const agency = $("agency");
    agency.replaceChildren();
    if (!own) agency.append(option("", "Semua instansi"));
    for (const a of data.agencies) if (!own || a.code === own) agency.append(option(a.code, a.name));
    agency.disabled = Boolean(own);
    fillServices();
  }

  function fillServices() {
    const chosen = $("agency").value;
    const service = $("service");
    const before = service.value;
    service.replaceChildren(option("", "Semua layanan"));
    for (const s of data.services) {
      if (!chosen || s.agency === chosen) service.append(option(s.code, s.code + " · " + s.name));
    }
    service.value = [...service.options].some((o) => o.value === before) ? before : "";
    fillCounters();
  }

  // The counters that call the agency or service chosen (the hub refuses the others).
  function fillCounters() {
    const agency = $("agency").value;
    const service = $("service").value;
    const counter = $("counter");
    const before = counter.value;
    counter.replaceChildren(option("", "Semua loket"));
    for (const c of data.counters) {
      if ((!agency || c.agencies.includes(agency)) && (!service || c.services.includes(service))) {
        counter.append(option(c.code, c.name));
      }
    }
    counter.value = [...counter.options].some((o) => o.value === before) ? before : "";
  }

  $("agency").addEventListener("change", fillServices);
  $("service").addEventListener("change", fillCounters);

  // The period picker's shortcuts carry their dates (the hub's reports/period.py quick_periods), as on the
  // reports page.
  function setRange(chip) {
    $("from").value = chip.dataset.from;
    $("to").value = chip.dataset.to;
  }

  for (const chip of document.querySelectorAll("[data-range]")) {
    chip.addEventListener("click", () => {
      setRange(chip);
      show();
    });
  }

  function query() {
    const params = new URLSearchParams({ from: $("from").value, to: $("to").value });
    for (const name of ["agency", "service", "counter"]) if ($(name).value) params.set(name, $(name).value);
    return params;
  }

  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });

  // ------------------------------------------------------------ the report

  async function show() {
    const message = $("filter-message");
    say(message, "Memuat…");
    let report;
    try {
      report = await request("GET", "/api/reports/ikm?" + query());
    } catch (err) {
      say(message, err.message, "error");
      return;
    }
    say(message, "");
    render(report);
  }

  function mutuBadge(node, mutu) {
    node.textContent = mutu || "—";
    node.className = "mutu" + (mutu ? " mutu-" + mutu : "");
  }

  function render(report) {
    $("result").hidden = false;
    $("ikm-value").textContent = report.ikm === null ? "—" : decimals(2).format(report.ikm);
    mutuBadge($("ikm-mutu"), report.mutu);
    $("ikm-kinerja").textContent = report.kinerja || "Belum ada responden pada periode ini";
    $("respondents").textContent = whole.format(report.respondents);
    $("target").textContent = whole.format(report.sample_target);
    const share = report.sample_target ? Math.min(100, Math.round((report.respondents / report.sample_target) * 100)) : 0;
    $("sample-fill").style.width = share + "%";
    $("sample-meter").setAttribute("aria-valuenow", String(share));
    $("sample-meter").dataset.reached = report.sample_target && report.respondents >= report.sample_target ? "true" : "false";
    $("sample-text").textContent = "Populasi: " + whole.format(report.population) + " warga selesai dilayani. Target " +
      "sampel menurut rumus Krejcie–Morgan (dibulatkan ke atas): " + whole.format(report.sample_target) + " responden.";

    const bars = $("bars");
    bars.replaceChildren();
    report.unsur.forEach((u, i) => {
      const row = el("div", "bar-row");
      row.dataset.key = u.key;
      const label = el("div", "bar-label");
      label.append(el("span", "bar-code", "U" + (i + 1)), el("span", "", u.name));
      const track = el("div", "bar-track");
      const fill = el("div", "bar-fill" + (u.mutu ? " mutu-" + u.mutu : ""));
      fill.style.width = u.nrr === null ? "0" : ((u.nrr / 4) * 100).toFixed(1) + "%";
      track.append(fill);
      const value = el("div", "bar-value", u.nrr === null ? "—" : decimals(3).format(u.nrr));
      const badge = el("span", "");
      mutuBadge(badge, u.mutu);
      row.append(label, track, value, badge);
      bars.append(row);
    });

    $("saran-count").textContent = "(" + whole.format(report.saran_count) + ")";
    const list = $("saran");
    list.replaceChildren();
    if (!report.saran.length) list.append(el("li", "muted", "Belum ada saran pada periode ini."));
    const when = new Intl.DateTimeFormat("id-ID", { timeZone: data.timezone, day: "numeric", month: "short",
      year: "numeric", hour: "2-digit", minute: "2-digit" });
    for (const s of report.saran) {
      const item = el("li", "saran-item");
      item.append(el("p", "saran-text", s.text),
        el("p", "saran-meta", when.format(window.MppUI.parseTime(s.answered_at)) + " · " + s.number + " · " +
          serviceName(s.service)));
      list.append(item);
    }
    if (report.saran_count > report.saran.length) {
      list.append(el("li", "muted", "Saran lainnya ada di berkas XLSX (lembar Saran)."));
    }

    const profile = $("profile");
    profile.replaceChildren();
    for (const question of data.profile) {
      const counts = report.profile[question.key] || {};
      const box = el("div", "profile-box");
      box.append(el("h3", "", question.label));
      const table = el("table", "profile-table");
      for (const choice of question.choices) {
        const tr = el("tr");
        tr.append(el("td", "", choice.label), el("td", "num", whole.format(counts[choice.code] || 0)));
        table.append(tr);
      }
      box.append(table);
      profile.append(box);
    }
  }

  function serviceName(code) {
    const found = data.services.find((s) => s.code === code);
    return found ? found.name : code;
  }

  $("download").addEventListener("click", async () => {
    const message = $("filter-message");
    say(message, "Menyiapkan berkas…");
    try {
      const response = await request("GET", "/api/reports/ikm?" + query() + "&format=xlsx", undefined, true);
      const blob = await response.blob();
      const link = el("a");
      link.href = URL.createObjectURL(blob);
      link.download = "ikm-" + $("from").value + "-" + $("to").value + ".xlsx";
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      say(message, "");
    } catch (err) {
      say(message, err.message, "error");
    }
  });

  // ------------------------------------------------------------ publishing on the TVs (admin)

  async function loadPublishing() {
    try {
      const current = await request("GET", "/api/admin/config");
      $("display-ikm").checked = Boolean((current.config.survey || {}).display_ikm);
    } catch (err) {
      say($("publish-message"), err.message, "error");
    }
    showRunningText();
  }

  // The running text the TVs show now, as the hub sends it to them (their snapshot): whether the IKM is in
  // it is the hub's to say (a month with responses must be complete first), not the switch's.
  async function showRunningText() {
    const preview = $("publish-preview");
    try {
      const now = await request("GET", "/api/state");
      preview.textContent = (now.site && now.site.running_text) || "(tidak ada teks berjalan)";
    } catch (err) {
      preview.textContent = "";
    }
  }

  $("display-ikm").addEventListener("change", async (event) => {
    const box = event.target;
    const wanted = box.checked;
    box.disabled = true;
    const message = $("publish-message");
    say(message, "Menyimpan…");
    try {
      const current = await request("GET", "/api/admin/config");
      const config = { ...current.config, survey: { ...(current.config.survey || {}), display_ikm: wanted } };
      const saved = await request("PUT", "/api/admin/config", { version: current.version, config });
      say(message, "Publikasi IKM di TV " + (wanted ? "dinyalakan" : "dimatikan") + " (pengaturan versi " +
        saved.version + ").", "ok");
      await showRunningText();
    } catch (err) {
      box.checked = !wanted;
      say(message, err.message, "error");
    } finally {
      box.disabled = false;
    }
  });

  // ------------------------------------------------------------ start

  setRange(document.querySelector("[data-range='month']"));
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch (err) {
    saved = null;
  }
  if (saved && typeof saved.token === "string") {
    state.token = saved.token;
    request("GET", "/api/me").then((answer) => {
      state.officer = answer.officer;
      if (state.officer.role === "petugas") showLogin("Halaman ini untuk admin dan koordinator.");
      else showApp();
    }, () => showLogin(""));
  } else {
    showLogin("");
  }
})();
