// A citizen's phone: the live status of one ticket over /ws/ticket/{token}.
//
// The hub sends {"type": "ticket.status", "ticket": view} on connect and on every change.
// The shared HubClient keeps the link (backoff, pings, silence and connect timeouts); the
// page reconnects afresh whenever the phone wakes up.
(function () {
  "use strict";

  const { $ } = window.MppUI;
  const boot = window.MppUI.boot(); // kiosk/page.py StatusBoot: the token, the site's time zone, the ticket
  const HINT_READY = "Ponsel akan berbunyi saat nomor Anda dipanggil. Biarkan halaman ini tetap terbuka.";

  let ticket = null;
  let audio = null;


  // What the big banner says for each status of the ticket (the hub says which: a ticket of a
  // day that has ended comes as expired).
  function alertFor(t) {
    const where = t.counter_name || (t.counter ? "Loket " + t.counter : "loket");
    switch (t.status) {
      case "waiting":
        return t.ahead === 0
          ? { kind: "next", title: "Anda berikutnya!", text: "Bersiaplah di dekat loket layanan." }
          : { kind: "waiting", title: t.ahead + " orang lagi", text: "sebelum nomor Anda dipanggil." };
      case "called":
        return { kind: "called", title: t.calls > 1 ? "Dipanggil lagi!" : "Dipanggil!",
          text: "Silakan menuju " + where + "." };
      case "done":
        return { kind: "done", title: "Layanan selesai", text: "Terima kasih telah menggunakan layanan kami." };
      case "skipped":
        // The officer can still call it back or return it to the line today (docs/kiosk.md).
        return { kind: "skipped", title: "Nomor dilewati",
          text: "Nomor Anda dilewati karena Anda tidak hadir saat dipanggil. Bila Anda masih di sini, segera " +
            "temui petugas di " + where + " hari ini: nomor Anda dapat dipanggil kembali." };
      case "transferred":
        return { kind: "waiting", title: "Dialihkan", text: "Nomor Anda dialihkan ke layanan lain." };
      case "expired":
        return { kind: "expired", title: "Tiket sudah tidak berlaku",
          text: "Hari layanan tiket ini sudah berakhir. Silakan ambil nomor baru di mesin antrian." };
      default:
        return { kind: "waiting", title: t.status, text: "" };
    }
  }

  function update(next) {
    const previous = ticket;
    ticket = next;
    const a = alertFor(next);
    document.body.dataset.status = a.kind;
    $("alert-title").textContent = a.title;
    $("alert-text").textContent = a.text;
    $("number").textContent = next.number;
    $("priority").hidden = !next.priority;
    $("service").textContent = next.service_name;
    $("agency").textContent = next.agency_name || "";
    const moved = $("moved");
    moved.hidden = next.origin === null || next.origin === undefined;
    moved.textContent = "Nomor Anda dialihkan ke layanan " + next.service_name + ". Nomor antrian tetap sama.";
    const waiting = next.status === "waiting";
    $("facts").hidden = !waiting;
    $("ahead").textContent = next.ahead_text;
    $("wait").textContent = next.estimated_wait_text;
    $("hint").hidden = !(waiting || next.status === "called");
    $("updated").textContent = "Diperbarui " + window.MppUI.formatTime(window.MppUI.hubNow(), boot.timezone);
    document.title = (next.status === "called" ? "DIPANGGIL! " : "") + next.number + " — Status antrian";
    const newlyCalled = next.status === "called" &&
      (!previous || previous.status !== "called" || (next.calls || 0) > (previous.calls || 0) || previous.id !== next.id);
    if (newlyCalled && previous) alertPhone();
    // The survey's invitation (survey/static/invite.js) follows the ticket.
    document.dispatchEvent(new CustomEvent("mpp:ticket", { detail: next }));
  }

  function alertPhone() {
    try {
      if (navigator.vibrate) navigator.vibrate([500, 200, 500, 200, 800]);
    } catch (err) {
      // vibration is a bonus
    }
    beep();
  }

  // A short tone; browsers only allow it after the page has been touched once.
  function beep() {
    if (!audio) return;
    // A phone suspends the context when the page goes to the background: wake it first.
    if (audio.state === "suspended") audio.resume().then(tone, () => {});
    else tone();
  }

  function tone() {
    try {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.6);
    } catch (err) {
      // no sound: the banner and the vibration still say it
    }
  }

  function unlockAudio() {
    if (audio) return;
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = new Context();
    } catch (err) {
      audio = null;
    }
  }

  function setOnline(online) {
    const link = $("link");
    link.dataset.online = online ? "true" : "false";
    link.textContent = online ? "Terhubung" : "Menyambung ulang…";
  }

  // The shared client (reconnects, pings, gives up a silent or hanging link). Every
  // ticket.status is applied: it carries the hub's current seq only as a stamp, which repeats
  // on a reconnect and restarts with a new database, so HubClient's seq check must not see it.
  class TicketClient extends window.HubClient {
    handle(data) {
      if (data && data.type === "ticket.status") {
        this.setOnline(true);
        if (data.ticket) update(data.ticket);
        return;
      }
      super.handle(data);
    }
  }

  const client = new TicketClient({
    path: "/ws/ticket/" + encodeURIComponent(boot.token),
    onStatus: setOnline,
    onError(error) {
      if (error.code !== "unknown_ticket") return undefined;
      location.reload(); // the server answers with the friendly "not found" page
      return "stop";
    },
  });

  // Mobile browsers silently kill the sockets of pages in the background: start afresh on waking.
  function reconnectNow() {
    client.attempt = 0;
    if (client.ws) client.resync();
    else client.connect();
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") reconnectNow();
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) reconnectNow(); // restored from the back-forward cache
  });
  window.addEventListener("online", reconnectNow);
  document.addEventListener("pointerdown", () => {
    unlockAudio();
    $("hint").textContent = HINT_READY;
  }, { once: true });

  update(boot.ticket);
  setOnline(false);
  client.start();
})();
