// Shared WebSocket client for every page of the hub (display, counter panel, kiosk, status page).
//
//   const client = new HubClient({
//     path: () => "/ws/display?zone=lantai-2",   // string or function (re-read at each connect)
//     onSnapshot(state) {}, onEvent(event) {}, onStatus(online) {},
//     onError(message) {},   // return "stop" to stop reconnecting (e.g. the hub refused the token)
//     page: "display",       // display, kiosk, counter or survey: listed on the admin's health board
//     report() { return { sound: "on" }; },   // what the page reports about itself (optional)
//   });
//   client.start();
//
// A page that says what it is (`page`) adds `page=`, its code version and, when the device is
// registered, `device=<token>` to the address, and reports `{"type": "status", ...report()}` every
// 4 s: the hub counts a page silent for 10 s as offline (server/devices.py). The device token comes
// from the page's address (`?device=`, then kept in localStorage) or from /pair, and is read with
// `HubClient.device(kind)`. A hub that refuses the token (revoked, unknown) stops the client.
//
// It reconnects with backoff forever, resumes from the last `seq` it saw (the hub then
// sends exactly the missed events, or a fresh snapshot), notices a dead link, and never
// throws into the page. A dead link is silence: on links where the hub sends heartbeats
// (displays: the snapshot and each heartbeat say the interval), three missed heartbeats;
// elsewhere (counter panels, status pages) the client pings after 15 s of quiet and gives
// the link up after 45 s without a frame.
(function (global) {
  "use strict";

  // Timings in ms; one object so that a test can shorten them.
  const LIMITS = {
    tick: 500, // how often the link is checked
    ping: 15000, // ask for a pong after this much quiet (links without heartbeats)
    silence: 45000, // no frame at all for this long: the link is dead (links without heartbeats)
    repeatPing: 5000, // an unanswered ping is repeated after this long
    beats: 3, // heartbeats missed in a row: the link is dead (links with heartbeats)
    connect: 10000, // a connect still pending after this is given up
    backoff: 10000, // longest wait between reconnects
    report: 4000, // a page's status report (server/devices.py REPORT_SECONDS; offline after 10 s of silence)
  };

  // The hub's refusals of a device token (or of a page that needs one): retrying would only be refused again.
  const DEVICE_REFUSALS = ["unknown_device", "device_revoked", "device_wrong_kind", "device_required"];
  const DEVICE_KEY = "mpp.device."; // + kind: localStorage

  // This page's registered-device token for `kind`: `?device=` in its address (kept for next
  // time), else the one kept before (from an earlier address or /pair); null when none.
  function deviceToken(kind) {
    const given = new URLSearchParams(location.search).get("device");
    try {
      if (given) localStorage.setItem(DEVICE_KEY + kind, given);
      return given || localStorage.getItem(DEVICE_KEY + kind);
    } catch (err) {
      return given || null; // storage disabled: only the address tells
    }
  }

  function pageVersion() {
    const meta = document.querySelector('meta[name="mpp-page-version"]');
    return meta ? meta.content : "";
  }

  class HubClient {
    constructor(options) {
      this.options = options;
      this.seq = null; // last sequence number applied
      this.epoch = null;
      this.retry = null; // pending reconnect timer
      this.ws = null;
      this.online = false;
      this.attempt = 0;
      this.stopped = false;
      this.lastFrameAt = 0;
      this.timer = null;
      this.heartbeat = null; // ms between the hub's heartbeats on this link; null: it sends none
      this.pingedAt = null;
      this.reportedAt = null;
    }

    start() {
      this.stopped = false;
      this.connect();
      clearInterval(this.timer);
      this.timer = setInterval(() => this.tick(), LIMITS.tick);
    }

    stop() {
      this.stopped = true;
      clearInterval(this.timer);
      clearTimeout(this.retry);
      if (this.ws) this.ws.close(1000, "page closed");
    }

    // Forget the position: the next connection starts with a snapshot. A deliberate
    // reconnect: no offline flash, no backoff.
    resync() {
      this.seq = null;
      const ws = this.ws;
      if (!ws) return;
      this.ws = null;
      ws.onclose = null;
      ws.onmessage = null;
      ws.close(4000, "resync");
      this.attempt = 0;
      this.connect();
    }

    url() {
      const path = typeof this.options.path === "function" ? this.options.path() : this.options.path;
      const base = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
      const query = [];
      if (this.options.page) {
        query.push("page=" + encodeURIComponent(this.options.page), "v=" + encodeURIComponent(pageVersion()));
        const token = deviceToken(this.options.page);
        if (token) query.push("device=" + encodeURIComponent(token));
      }
      if (this.seq !== null) {
        query.push("since=" + this.seq);
        if (this.epoch) query.push("epoch=" + encodeURIComponent(this.epoch));
      }
      return query.length ? base + (base.includes("?") ? "&" : "?") + query.join("&") : base;
    }

    // The page's state for the health board (server/devices.py PageReport).
    sendReport(ws) {
      if (!this.options.page) return;
      let extra = {};
      try {
        extra = (this.options.report && this.options.report()) || {};
      } catch (err) {
        console.error("HubClient report failed", err);
      }
      this.reportedAt = performance.now();
      try {
        ws.send(JSON.stringify({ ...extra, type: "status" }));
      } catch (err) {
        // the link is closing: the next connection reports again
      }
    }

    connect() {
      clearTimeout(this.retry);
      if (this.stopped) return;
      let ws;
      try {
        ws = new WebSocket(this.url());
      } catch (err) {
        this.scheduleReconnect();
        return;
      }
      this.ws = ws;
      this.connectStartedAt = performance.now();
      ws.onopen = () => {
        this.attempt = 0;
        this.lastFrameAt = performance.now();
        this.setOnline(true);
        this.sendReport(ws);
      };
      ws.onmessage = (message) => {
        this.lastFrameAt = performance.now();
        let data;
        try {
          data = JSON.parse(message.data);
        } catch (err) {
          return;
        }
        this.handle(data);
      };
      ws.onclose = () => {
        if (this.ws !== ws) return;
        this.ws = null;
        this.setOnline(false);
        this.scheduleReconnect();
      };
      ws.onerror = () => {}; // onclose follows
    }

    handle(data) {
      const call = (name, arg) => {
        try {
          if (this.options[name]) this.options[name](arg);
        } catch (err) {
          console.error("HubClient " + name + " failed", err);
        }
      };
      if (data.type === "snapshot") {
        this.seq = data.seq;
        this.epoch = data.epoch || null; // the hub's database: positions are only valid within it
        this.learnHeartbeat(data.heartbeat);
        this.setOnline(true);
        call("onSnapshot", data);
      } else if (data.type === "heartbeat") {
        this.learnHeartbeat(data.interval); // lastFrameAt is already updated
      } else if (data.type === "pong") {
        // keep-alive answer; lastFrameAt is already updated
      } else if (data.type === "error") {
        // A page's onError may return "stop": the hub refused us (bad token, unknown
        // counter) and retrying would only be refused again.
        let verdict;
        try {
          verdict = this.options.onError ? this.options.onError(data) : undefined;
        } catch (err) {
          console.error("HubClient onError failed", err);
        }
        if (verdict === "stop" || DEVICE_REFUSALS.includes(data.code)) this.stop();
      } else if (typeof data.seq === "number") {
        if (this.seq !== null && data.seq <= this.seq) return; // already applied
        this.seq = data.seq;
        this.setOnline(true);
        call("onEvent", data);
      } else {
        call("onEvent", data);
      }
    }

    // Kept across reconnects: a resumed link gets no snapshot, and its first heartbeat may be lost.
    learnHeartbeat(seconds) {
      if (typeof seconds === "number" && seconds > 0) this.heartbeat = seconds * 1000;
    }

    setOnline(online) {
      if (online === this.online) return;
      this.online = online;
      if (this.options.onStatus) {
        try {
          this.options.onStatus(online);
        } catch (err) {
          console.error(err);
        }
      }
    }

    scheduleReconnect() {
      if (this.stopped) return;
      const delay = Math.min(LIMITS.backoff, 500 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
      this.attempt += 1;
      this.retry = setTimeout(() => this.connect(), delay);
    }

    // Leave a socket at once and reconnect: on a dead link Chromium waits a
    // minute for the close handshake before onclose fires.
    abandon(ws, code, reason) {
      if (this.ws !== ws) return;
      this.ws = null;
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close(code, reason);
      } catch (err) {
        // already closed
      }
      this.setOnline(false);
      this.scheduleReconnect();
    }

    tick() {
      const ws = this.ws;
      if (!ws) return;
      const now = performance.now();
      if (ws.readyState === WebSocket.CONNECTING) {
        if (now - this.connectStartedAt > LIMITS.connect) this.abandon(ws, 4002, "connect timeout");
        return;
      }
      if (ws.readyState !== WebSocket.OPEN) return;
      const quiet = now - this.lastFrameAt;
      if (quiet > (this.heartbeat ? this.heartbeat * LIMITS.beats : LIMITS.silence)) {
        this.abandon(ws, 4001, "silent link");
        return;
      }
      if (!this.heartbeat && quiet > LIMITS.ping && !(now - this.pingedAt < LIMITS.repeatPing)) {
        this.pingedAt = now;
        ws.send(JSON.stringify({ type: "ping", t: now }));
      }
      if (this.options.page && !(now - this.reportedAt < LIMITS.report)) this.sendReport(ws);
    }

    // Report now (the page's state changed: sound unlocked, a call played), not at the next tick.
    report() {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.sendReport(this.ws);
    }
  }

  HubClient.limits = LIMITS;
  HubClient.device = deviceToken;
  HubClient.deviceRefused = (code) => DEVICE_REFUSALS.includes(code); // an error that stopped the client
  global.HubClient = HubClient;
})(window);
