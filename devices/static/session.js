// The officer's session on the admin pages (/admin/devices, /admin/health, /admin/voice), shared with the
// admin console in the same browser tab (sessionStorage "mpp.admin.session"): log in once, move
// between the console's pages freely.
//
//   MppSession.start((officer) => { ... });      // after log-in (or a kept session): draw the page
//   const data = await MppSession.api("GET", "/api/admin/health");
//   await MppSession.api("PUT", path, blob, { type: "audio/wav" });   // a body that is not JSON
//
// A 401 (or a session the hub ended) brings the log-in form back; a 403 says why on it. A role the page
// is not for (a koordinator who typed /admin/devices: role_not_allowed) keeps the bar, to go elsewhere,
// and puts the hub's refusal in place of the page.
(function (global) {
  "use strict";

  const { $, formatDate, formatTime, parseTime } = global.MppUI;
  const SESSION_KEY = "mpp.admin.session"; // the admin console's key: one session per tab
  const TIMEOUT_MS = 15000;
  const AUTH_CODES = ["unauthorized", "session_expired", "officer_disabled", "officer_removed"];

  const state = { token: null, officer: null, onReady: null, loginLock: null };

  class ApiError extends Error {
    constructor(status, body, fallback) {
      const error = (body && body.error) || {};
      super(error.message || fallback);
      this.status = status;
      this.code = error.code || "http_" + status;
      this.retryAfter = error.retry_after || null;
    }
  }

  // One request with the session's token; the hub's error message on a refusal. `raw`: the Response;
  // `type`: the body's media type (JSON is stringified, anything else sent as it is).
  async function request(method, path, body, { raw = false, type = "application/json" } = {}) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = type;
    if (state.token) headers.Authorization = "Bearer " + state.token;
    let response;
    try {
      response = await fetch(path, {
        method, headers, cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS),
        body: body === undefined ? undefined : type === "application/json" ? JSON.stringify(body) : body,
      });
    } catch (err) {
      throw new ApiError(0, null, "Tidak dapat menghubungi server. Periksa jaringan, lalu coba lagi.");
    }
    if (raw && response.ok) return response;
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data, "Server menjawab dengan kode " + response.status + ".");
    return data;
  }

  // A request of the logged-in officer: a 401 (or an ended session) shows the log-in form.
  async function api(method, path, body, options) {
    try {
      return await request(method, path, body, options);
    } catch (err) {
      if (err.status === 401 || (err.status === 403 && AUTH_CODES.includes(err.code))) showLogin(err.message);
      else if (err.code === "role_not_allowed") refused(err.message);
      throw err;
    }
  }

  function keep() {
    try {
      if (state.token) sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: state.token, officer: state.officer }));
      else sessionStorage.removeItem(SESSION_KEY);
    } catch (err) {
      // storage disabled: log in again after a reload
    }
  }

  function kept() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
      return saved && typeof saved.token === "string" ? saved : null;
    } catch (err) {
      return null;
    }
  }

  function say(node, text, kind) {
    node.textContent = text || "";
    node.className = "message " + (kind || "");
  }

  function showLogin(message) {
    state.token = null;
    keep();
    $("app").hidden = true;
    $("login-screen").hidden = false;
    say($("login-message"), message, message ? "error" : "");
    $("pin").value = "";
    ($("username").value ? $("pin") : $("username")).focus();
  }

  function refused(message) {
    for (const part of document.querySelectorAll("main > :not(#notice)")) part.hidden = true;
    $("notice").textContent = message;
    $("notice").hidden = false;
  }

  function ready() {
    $("login-screen").hidden = true;
    $("app").hidden = false;
    global.MppArea.ready(state.officer); // the admin area's bar: who, and the pages of their role
    state.onReady(state.officer);
  }

  async function onLogin(event) {
    event.preventDefault();
    const button = $("login-button");
    if (button.disabled) return;
    const username = $("username").value.trim();
    const pin = $("pin").value;
    if (!username || !pin) return say($("login-message"), "Isi nama pengguna dan PIN.", "error");
    button.disabled = true;
    try {
      const answer = await request("POST", "/api/login", { username, pin });
      state.token = answer.token;
      state.officer = answer.officer;
      keep();
      say($("login-message"), "");
      ready();
    } catch (err) {
      say($("login-message"), err.message, "error");
      $("pin").focus();
      if (err.status === 429 && err.retryAfter) {
        clearTimeout(state.loginLock);
        state.loginLock = setTimeout(() => { button.disabled = false; }, err.retryAfter * 1000);
        return;
      }
    } finally {
      $("pin").value = "";
    }
    button.disabled = false;
  }

  async function logout() {
    if (state.token) request("POST", "/api/logout").catch(() => {});
    showLogin("Anda telah keluar.");
  }

  async function start(onReady) {
    state.onReady = onReady;
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", logout);
    const saved = kept();
    if (!saved) return showLogin("");
    state.token = saved.token;
    $("username").value = saved.officer ? saved.officer.username : "";
    try {
      state.officer = (await request("GET", "/api/me")).officer;
      keep();
    } catch (err) {
      return showLogin(err.status === 401 ? err.message : "");
    }
    ready();
  }

  // A moment from the hub in the site's time zone: "09.41 WIB" today, "Senin, 2 Maret 2026, 09.41 WIB" before.
  function when(iso, timeZone) {
    const ms = parseTime(iso);
    if (Number.isNaN(ms)) return "—";
    const today = formatDate(Date.now(), timeZone) === formatDate(ms, timeZone);
    return (today ? "" : formatDate(ms, timeZone) + ", ") + formatTime(ms, timeZone);
  }

  global.MppSession = { start, api, officer: () => state.officer, say, when };
})(window);
