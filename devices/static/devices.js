// /admin/devices: register a device, show its pairing code, QR code and address, revoke it.
// Everything comes from the devices API (docs/protocol.md, "Devices"); the list refreshes itself.
(function () {
  "use strict";

  const { $, el, boot } = window.MppUI;
  const { start, api, say } = window.MppSession;
  const setup = boot(); // devices/page.py AdminPageBoot
  const REFRESH_MS = 5000;
  const kindNames = Object.fromEntries(setup.kinds.map((k) => [k.id, k.name]));
  const zoneNames = Object.fromEntries(setup.zones.map((z) => [z.id, z.name]));
  const counterNames = Object.fromEntries(setup.counters.map((c) => [c.id, c.name]));
  let devices = [];
  let timer = null;
  let revoking = null;

  const when = (iso) => window.MppSession.when(iso, setup.timezone);

  function button(text, className, onClick) {
    const node = el("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  // ------------------------------------------------------------ the list

  async function load() {
    try {
      devices = (await api("GET", "/api/admin/devices")).devices;
    } catch (err) {
      if (err.code === "role_not_allowed") clearInterval(timer); // not theirs: session.js says so
      else if (err.status !== 401) notice(err.message);
      return;
    }
    render();
  }

  function render() {
    const rows = devices.map((d) => {
      const tr = el("tr");
      tr.dataset.deviceId = d.id;
      tr.dataset.online = d.online ? "true" : "false";
      const state = d.online ? "Terhubung" : d.last_seen ? "Terakhir terlihat " + when(d.last_seen) : "Belum pernah terhubung";
      const code = d.pairing_code ? spaced(d.pairing_code) + " (sampai " + when(d.pairing_until) + ")" : "—";
      const kind = kindNames[d.kind] + (d.kind === "kiosk" && d.kiosk ? " · " + d.kiosk : "") +
        (d.counter ? " · " + (counterNames[d.counter] || "loket " + d.counter) : "");
      tr.append(el("td", "name", d.name), el("td", "", kind), el("td", "", d.zone ? zoneNames[d.zone] || d.zone : "Semua"),
        el("td", d.online ? "online" : "offline", state), el("td", "code-cell", code));
      const actions = el("td", "actions");
      actions.append(button("Kode & QR", "btn small", () => showPairing(d)),
        button("Cabut", "btn small danger", () => askRevoke(d)));
      tr.append(actions);
      return tr;
    });
    $("device-rows").replaceChildren(...rows);
    $("no-devices").hidden = devices.length > 0;
  }

  function spaced(code) {
    return code.slice(0, 3) + " " + code.slice(3);
  }

  function notice(text) {
    const box = $("notice");
    box.textContent = text;
    box.hidden = !text;
  }

  // ------------------------------------------------------------ registering

  async function register(event) {
    event.preventDefault();
    const body = { kind: $("kind").value, name: $("name").value.trim() };
    if ($("zone").value) body.zone = $("zone").value;
    if (body.kind === "kiosk" && $("kiosk").value.trim()) body.kiosk = $("kiosk").value.trim();
    if (body.kind === "survey" && $("counter").value) body.counter = $("counter").value;
    $("register").disabled = true;
    try {
      const answer = await api("POST", "/api/admin/devices", body);
      say($("register-message"), "", "");
      $("name").value = "";
      await load();
      showPairing(answer.device);
    } catch (err) {
      say($("register-message"), err.message, "error");
    } finally {
      $("register").disabled = false;
    }
  }

  function kindChanged() {
    $("kiosk-field").hidden = $("kind").value !== "kiosk";
    $("counter-field").hidden = $("kind").value !== "survey";
  }

  // ------------------------------------------------------------ pairing

  async function showPairing(device) {
    let shown = device;
    if (!shown.pairing_code) {
      try {
        shown = (await api("POST", "/api/admin/devices/" + device.id + "/pairing-code")).device;
      } catch (err) {
        notice(err.message);
        return;
      }
      load();
    }
    $("pairing-title").textContent = kindNames[shown.kind] + " “" + shown.name + "”";
    $("pair-address").textContent = setup.base_url + "/pair";
    $("pairing-code").textContent = spaced(shown.pairing_code);
    $("pairing-until").textContent = "Kode berlaku sekali, sampai " + when(shown.pairing_until) + ".";
    $("device-address").textContent = setup.base_url + shown.url;
    $("device-qr").removeAttribute("src");
    $("pairing-dialog").showModal();
    try {
      const response = await api("GET", "/api/admin/devices/" + shown.id + "/qr.svg", undefined, { raw: true });
      $("device-qr").src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(await response.text());
    } catch (err) {
      $("device-qr").alt = err.message;
    }
  }

  // ------------------------------------------------------------ revoking

  function askRevoke(device) {
    revoking = device;
    $("revoke-title").textContent = "Cabut " + kindNames[device.kind] + " “" + device.name + "”?";
    $("revoke-dialog").showModal();
    $("revoke-cancel").focus();
  }

  async function revoke() {
    const device = revoking;
    $("revoke-dialog").close();
    if (!device) return;
    try {
      await api("DELETE", "/api/admin/devices/" + device.id);
      notice(kindNames[device.kind] + " “" + device.name + "” sudah dicabut.");
    } catch (err) {
      notice(err.message);
    }
    load();
  }

  // ------------------------------------------------------------ start

  function fill() {
    $("kind").replaceChildren(...setup.kinds.map((k) => {
      const option = el("option", "", k.name);
      option.value = k.id;
      return option;
    }));
    const all = el("option", "", "Semua zona / tidak ada");
    all.value = "";
    $("zone").replaceChildren(all, ...setup.zones.map((z) => {
      const option = el("option", "", z.name);
      option.value = z.id;
      return option;
    }));
    const none = el("option", "", "Pilih loket…");
    none.value = "";
    $("counter").replaceChildren(none, ...setup.counters.map((c) => {
      const option = el("option", "", c.name);
      option.value = c.id;
      return option;
    }));
    $("kiosk-ids").replaceChildren(...setup.kiosks.map((id) => {
      const option = el("option");
      option.value = id;
      return option;
    }));
    kindChanged();
  }

  $("register-form").addEventListener("submit", register);
  $("kind").addEventListener("change", kindChanged);
  $("pairing-close").addEventListener("click", () => $("pairing-dialog").close());
  $("revoke-cancel").addEventListener("click", () => $("revoke-dialog").close());
  $("revoke-ok").addEventListener("click", revoke);
  fill();
  window.MppDevices = { load, devices: () => devices }; // for tests and a look from the console
  start(() => {
    load();
    clearInterval(timer);
    timer = setInterval(load, REFRESH_MS);
  });
})();
