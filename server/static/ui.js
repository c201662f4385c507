// Small DOM and wording helpers shared by every page (loaded before the page's own script).
// Everything that shows data builds nodes with textContent: names come from configuration
// and people, and are never parsed as HTML.
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

  // An estimated wait in seconds as Indonesian words: "± 25 menit", "—" when unknown.
  function waitText(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const minutes = Math.round(seconds / 60);
    if (minutes < 1) return "kurang dari 1 menit";
    if (minutes < 60) return "± " + minutes + " menit";
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return "± " + h + " jam" + (m ? " " + m + " menit" : "");
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

  global.MppUI = { $, el, waitText, parseTime, hubNow, syncHubTime, seeHubTime };
})(window);
