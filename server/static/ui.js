// Small helpers shared by every page (loaded before the page's own script).
// Everything that shows data builds nodes with textContent: names come from configuration
// and people, and are never parsed as HTML. Pages only render: wording, numbers and rules
// come from the hub (its views carry the texts), dates and times from Intl.DateTimeFormat.
(function (global) {
  "use strict";

  const $ = (id) => document.getElementById(id);

  // A new element with an optional class and text.
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // The page's start-up data: <script type="application/json" id="boot"> (server/pages.py).
  let bootData = null;
  function boot() {
    if (bootData === null) bootData = JSON.parse($("boot").textContent);
    return bootData;
  }

  // ------------------------------------------------------------ the hub's clock

  // Pages show and judge times by the hub's clock, never by the device's: a TV or kiosk on a
  // hall LAN often has no time source, and its wall clock can jump when NTP (or a person)
  // corrects it. The hub's time is anchored to performance.now(), which never jumps.
  const RESYNC_MS = 5000; // an event stamped this far ahead of our idea of the hub's time re-anchors it

  // An ISO-8601 time from the hub (Python may send microseconds) as milliseconds; NaN if absent.
  const parseTime = (iso) => (iso ? Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1")) : NaN);

  const anchor = { hub: NaN, mono: 0 };

  // The hub's time now, in milliseconds since the epoch (the device's clock until the hub has spoken).
  function hubNow() {
    return Number.isNaN(anchor.hub) ? Date.now() : anchor.hub + (performance.now() - anchor.mono);
  }

  function setAnchor(ms) {
    anchor.hub = ms;
    anchor.mono = performance.now();
  }

  // A snapshot's `now`: the hub's time at this moment.
  function syncHubTime(iso) {
    const ms = parseTime(iso);
    if (!Number.isNaN(ms)) setAnchor(ms);
  }

  // A live event's `at`. Only a stamp clearly ahead of hubNow() moves the clock (performance.now()
  // may stand still while the device sleeps); older stamps are normal: replays after a reconnect.
  function seeHubTime(iso) {
    const ms = parseTime(iso);
    if (!Number.isNaN(ms) && (Number.isNaN(anchor.hub) || ms - hubNow() > RESYNC_MS)) setAnchor(ms);
  }

  // ------------------------------------------------------------ dates and times

  // Indonesian names and the zone's own abbreviation (WIB, WITA, WIT) come from the browser's
  // Intl data, in the site's time zone as the hub sends it (snapshot `site.timezone`).
  const formats = new Map();
  function format(timeZone, options) {
    const key = timeZone + JSON.stringify(options);
    if (!formats.has(key)) {
      let made;
      try {
        made = new Intl.DateTimeFormat("id-ID", { timeZone, ...options });
      } catch (err) {
        made = new Intl.DateTimeFormat("id-ID", options); // a zone this browser does not know: its own
      }
      formats.set(key, made);
    }
    return formats.get(key);
  }

  // "Jumat, 28 November 2025"
  function formatDate(ms, timeZone) {
    return format(timeZone, { weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(ms);
  }

  // "09.41 WIB"
  function formatTime(ms, timeZone) {
    return format(timeZone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" })
      .format(ms);
  }

  // ------------------------------------------------------------ applying events

  // What a ticket event leaves at its counter's desk (docs/protocol.md, "Events"): its own
  // `ticket`, or nothing; ticket.reinstated leaves the desk as it was.
  const AT_THE_DESK = new Set(["ticket.called", "ticket.recalled"]);
  const DESK_EMPTIED = new Set(["ticket.done", "ticket.skipped", "ticket.transferred"]);

  // The counter (with `services` and `ticket`, as in a snapshot) after an event that carries one;
  // `known` is the page's copy from before (its `services` are kept). Null for other events.
  function counterAfter(event, known) {
    if (!event.counter) return null;
    if (event.type === "counter.updated") return event.counter;
    const before = { services: [], ticket: null, ...known };
    const ticket = AT_THE_DESK.has(event.type) ? event.ticket : DESK_EMPTIED.has(event.type) ? null : before.ticket;
    return { ...before, ...event.counter, ticket };
  }

  // Copy the services' new figures an event carries (waiting lines, estimates, availability) into
  // the page's services; `find(code)` gives the page's copy of a service from the snapshot.
  function applyServices(event, find) {
    for (const update of event.services || []) {
      const service = find(update.code);
      if (service) Object.assign(service, update);
    }
  }

  global.MppUI = {
    $, el, boot, parseTime, hubNow, syncHubTime, seeHubTime, formatDate, formatTime, counterAfter, applyServices,
  };
})(window);
