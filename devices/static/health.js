// /admin/health: the live health board. Asks GET /api/admin/health every few seconds and draws what
// the hub says: its warnings, the hub's facts, and a row per device or page (red: offline within the
// opening hours). The words of statuses, problems and warnings are the hub's, shown as they are.
(function () {
  "use strict";

  const { $, el, boot, formatTime, parseTime } = window.MppUI;
  const { start, api, officer } = window.MppSession;
  const setup = boot(); // devices/page.py AdminPageBoot
  const kindNames = Object.fromEntries(setup.kinds.map((k) => [k.id, k.name]));
  const zoneNames = Object.fromEntries(setup.zones.map((z) => [z.id, z.name]));
  const counterNames = Object.fromEntries(setup.counters.map((c) => [c.id, c.name]));
  const SOUND = { on: "Suara aktif", blocked: "Suara belum aktif", off: "Tanpa suara" };
  let timer = null;
  let last = null;

  const when = (iso) => window.MppSession.when(iso, setup.timezone);

  function bytes(n) {
    if (n === null || n === undefined) return "—";
    if (n >= 1e9) return (n / 1e9).toFixed(1).replace(".", ",") + " GB";
    return Math.max(0.1, n / 1e6).toFixed(1).replace(".", ",") + " MB";
  }

  function duration(seconds) {
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return d ? d + " hari " + h + " jam" : h ? h + " jam " + m + " menit" : m + " menit";
  }

  async function refresh() {
    try {
      last = await api("GET", "/api/admin/health");
    } catch (err) {
      if (err.code === "role_not_allowed") clearInterval(timer); // not theirs: session.js says so
      if (err.status === 401 || err.code === "role_not_allowed") return;
      $("notice").textContent = err.message;
      $("notice").hidden = false;
      return;
    }
    $("notice").hidden = true;
    render(last);
  }

  function render(board) {
    $("warnings").replaceChildren(...board.warnings.map((w) => {
      const li = el("li", "warning " + w.code, w.message);
      li.dataset.code = w.code;
      return li;
    }));
    renderHub(board.hub);
    $("download").hidden = officer().role !== "admin" || board.hub.backup.external !== null;
    const rows = board.devices.map(row);
    $("board-rows").replaceChildren(...rows);
    $("no-rows").hidden = rows.length > 0;
    $("board-time").textContent = "· diperbarui " + formatTime(parseTime(board.now), setup.timezone) +
      (board.within_hours ? " · jam buka" : " · di luar jam buka");
  }

  function renderHub(hub) {
    const b = hub.backup;
    const facts = [
      ["Menyala sejak", when(hub.started_at) + " (" + duration(hub.uptime_seconds) + ")"],
      ["Basis data", bytes(hub.database_bytes)],
      ["Disk data", bytes(hub.disk_free_bytes) + " kosong dari " + bytes(hub.disk_total_bytes)],
      ["Suara panggilan", (hub.audio.status || "—") + (hub.audio.engine ? " · " + hub.audio.engine : "") +
        (hub.audio.detail ? " · " + hub.audio.detail : "")],
      ...(b.external ? [["Cadangan", b.external]] : [
        ["Cadangan terakhir", b.last ? b.last.file + " · " + when(b.last.at) + " · " + bytes(b.last.bytes) : "Belum ada"],
        ["Cadangan berikutnya", when(b.next_at) + " · disimpan " + b.keep_days + " hari di " + b.folder],
      ]),
      ["Halaman terhubung", String(hub.connections.connections)],
      ["Versi halaman", hub.page_version],
    ];
    $("hub-facts").replaceChildren(...facts.flatMap(([name, value]) => [el("dt", "", name), el("dd", "", value)]));
  }

  function row(d) {
    const tr = el("tr", d.alert ? "alert" : d.online ? "online" : "offline");
    tr.dataset.key = d.id !== null ? "device-" + d.id : "page-" + d.kind + "-" + d.address;
    tr.dataset.online = d.online ? "true" : "false";
    tr.dataset.alert = d.alert ? "true" : "false";
    const name = el("td", "name");
    name.append(el("strong", "", d.name || "Tanpa nama"));
    if (!d.registered) name.append(el("span", "tag", "tidak terdaftar"));
    if (d.address) name.append(el("span", "muted small", d.address));
    const details = el("td", "details");
    const lines = [...d.problems.map((p) => el("span", "problem", p))];
    if (d.sound) lines.push(el("span", "", SOUND[d.sound] || d.sound));
    if (d.last_call) {
      lines.push(el("span", "", "Panggilan terakhir: " + d.last_call.number + (d.last_call.counter ? " ke " +
        d.last_call.counter : "") + (d.last_call.at ? ", " + when(d.last_call.at) : "")));
    }
    if (d.printer) lines.push(el("span", "", "Printer" + (d.printer.kiosk ? " " + d.printer.kiosk : "") + ": " + d.printer.text));
    if (d.counter) lines.push(el("span", "", (counterNames[d.counter] || "Loket " + d.counter) + (d.officer ? " · " + d.officer : "")));
    if (d.page_version) lines.push(el("span", "muted small", "Versi halaman " + d.page_version));
    details.append(...lines);
    tr.append(name, el("td", "", kindNames[d.kind] || d.kind), el("td", "", d.zone ? zoneNames[d.zone] || d.zone : "—"),
      el("td", "status", d.status), el("td", "", d.online ? "sekarang" : when(d.last_seen)), details);
    return tr;
  }

  // ------------------------------------------------------------ the backup download

  async function download() {
    const button = $("download");
    button.disabled = true;
    $("download-message").textContent = "Membuat cadangan…";
    try {
      const response = await api("GET", "/api/admin/backup", undefined, { raw: true });
      const disposition = response.headers.get("content-disposition") || "";
      const match = /filename="?([^";]+)"?/.exec(disposition);
      const url = URL.createObjectURL(await response.blob());
      const link = el("a");
      link.href = url;
      link.download = match ? match[1] : "mpp-cadangan.sqlite3";
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      $("download-message").textContent = "Cadangan diunduh: " + link.download + ". Simpan di tempat lain selain PC hub.";
    } catch (err) {
      $("download-message").textContent = err.message;
    } finally {
      button.disabled = false;
    }
  }

  $("download").addEventListener("click", download);
  window.MppHealth = { refresh, board: () => last }; // for tests and a look from the console
  start(() => {
    $("download").hidden = true; // until the board says who may download and whether the hub backs up
    refresh();
    clearInterval(timer);
    timer = setInterval(refresh, setup.refresh_seconds * 1000);
  });
})();
