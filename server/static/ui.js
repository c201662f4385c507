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

  global.MppUI = { $, el, waitText };
})(window);
