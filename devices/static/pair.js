// /pair: a device (a TV with its remote, a tablet) types the pairing code the admin console shows;
// the hub answers with its token and page, kept here (localStorage, as HubClient.device reads it),
// and the device goes on to its page. A device already paired offers to open its page (and does so
// by itself after a few seconds, so /pair can be a TV's start page).
(function () {
  "use strict";

  const { $, boot } = window.MppUI;
  const setup = boot(); // devices/page.py PairBoot
  const PAGE_KEY = "mpp.device.page"; // {kind, name, url} of the device paired here
  const DEVICE_KEY = "mpp.device."; // + kind: the token (hubclient.js)
  const OPEN_AFTER_S = 8;
  const kindNames = Object.fromEntries(setup.kinds.map((k) => [k.id, k.name]));
  let countdown = null;

  function say(text, kind) {
    $("message").textContent = text || "";
    $("message").className = "message " + (kind || "");
  }

  function paired() {
    try {
      const saved = JSON.parse(localStorage.getItem(PAGE_KEY) || "null");
      return saved && typeof saved.url === "string" && saved.url.startsWith("/") ? saved : null;
    } catch (err) {
      return null;
    }
  }

  function showKnown(saved) {
    $("known").hidden = false;
    let left = OPEN_AFTER_S;
    const tick = () => {
      $("known-text").textContent = "Perangkat ini sudah dipasangkan sebagai " + (kindNames[saved.kind] || saved.kind) +
        " “" + saved.name + "”. Halamannya dibuka dalam " + left + " detik.";
      if (left-- <= 0) location.replace(saved.url);
    };
    tick();
    countdown = setInterval(tick, 1000);
    $("open").focus();
  }

  async function submit(event) {
    event.preventDefault();
    clearInterval(countdown);
    const code = $("code").value.replace(/\D/g, "");
    if (code.length !== setup.digits) return say("Kode pemasangan terdiri dari " + setup.digits + " angka.", "error");
    $("pair").disabled = true;
    say("Memeriksa…");
    let response = null;
    let data = null;
    try {
      response = await fetch("/api/devices/pair", {
        method: "POST", headers: { "Content-Type": "application/json" }, cache: "no-store",
        body: JSON.stringify({ code }), signal: AbortSignal.timeout(10000),
      });
      data = await response.json().catch(() => null);
    } catch (err) {
      data = null;
    }
    $("pair").disabled = false;
    if (!response || !response.ok || !data) {
      const error = (data && data.error) || {};
      say(error.message || "Tidak dapat menghubungi server. Periksa jaringan, lalu coba lagi.", "error");
      $("code").select();
      return;
    }
    try {
      localStorage.setItem(DEVICE_KEY + data.device.kind, data.token);
      localStorage.setItem(PAGE_KEY, JSON.stringify({ kind: data.device.kind, name: data.device.name, url: data.url }));
    } catch (err) {
      // storage disabled: the address below still carries the token
    }
    say("Berhasil. Membuka " + (kindNames[data.device.kind] || "") + " “" + data.device.name + "”…", "ok");
    location.replace(data.url);
  }

  $("pair-form").addEventListener("submit", submit);
  $("open").addEventListener("click", () => location.replace(paired().url));
  $("again").addEventListener("click", () => {
    clearInterval(countdown);
    $("known").hidden = true;
    $("code").focus();
  });
  $("code").addEventListener("input", () => clearInterval(countdown));
  const saved = paired();
  if (saved) showKnown(saved);
  else $("code").focus();
})();
