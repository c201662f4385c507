// A citizen's phone: the live status of one ticket over /ws/ticket/{token}.
//
// The hub sends {"type": "ticket.status", "ticket": view} on connect and on every change.
// This small client reconnects with backoff, and afresh whenever the phone wakes up
// (mobile browsers silently kill sockets of pages in the background).
(function () {
  "use strict";

  const boot = JSON.parse(document.getElementById("boot").textContent);
  const { $, waitText } = window.MppUI;
  const MAX_BACKOFF_MS = 15000;

  let ticket = null;
  let ws = null;
  let attempt = 0;
  let retryTimer = null;
  let gone = false;
  let audio = null;


  function clock(date) {
    try {
      return new Intl.DateTimeFormat("en-GB", {
        timeZone: boot.timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      }).format(date).replace(":", ".") + (boot.tzAbbr ? " " + boot.tzAbbr : "");
    } catch (err) {
      return date.toTimeString().slice(0, 5).replace(":", ".");
    }
  }

  // What the big banner says for each status of the ticket.
  function alertFor(t) {
    const where = t.counter_name || (t.counter ? "Loket " + t.counter : "loket");
    if (boot.day !== boot.today && (t.status === "waiting" || t.status === "called" || t.status === "expired")) {
      return { kind: "expired", title: "Tiket sudah tidak berlaku",
        text: "Tiket ini untuk hari lain. Silakan ambil nomor baru di kios." };
    }
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
        return { kind: "skipped", title: "Nomor dilewati",
          text: "Nomor Anda dilewati karena tidak hadir saat dipanggil. Silakan hubungi petugas di " + where + "." };
      case "transferred":
        return { kind: "waiting", title: "Dialihkan", text: "Nomor Anda dialihkan ke layanan lain." };
      case "expired":
        return { kind: "expired", title: "Tiket sudah tidak berlaku",
          text: "Hari layanan tiket ini sudah berakhir. Silakan ambil nomor baru di kios." };
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
    const waiting = next.status === "waiting" && a.kind !== "expired";
    $("facts").hidden = !waiting;
    $("ahead").textContent = next.ahead === 0 ? "tidak ada" : next.ahead + " orang";
    $("wait").textContent = waitText(next.estimated_wait);
    $("hint").hidden = !(waiting || next.status === "called");
    $("updated").textContent = "Diperbarui " + clock(new Date());
    document.title = (next.status === "called" ? "DIPANGGIL! " : "") + next.number + " — Status antrian";
    const newlyCalled = next.status === "called" &&
      (!previous || previous.status !== "called" || (next.calls || 0) > (previous.calls || 0) || previous.id !== next.id);
    if (newlyCalled && previous) alertPhone();
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
    link.textContent = online ? "Langsung" : "Menyambung ulang…";
  }

  function connect() {
    clearTimeout(retryTimer);
    if (gone) return;
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
      "/ws/ticket/" + encodeURIComponent(boot.token);
    let socket;
    try {
      socket = new WebSocket(url);
    } catch (err) {
      return retry();
    }
    ws = socket;
    socket.onopen = () => {
      attempt = 0;
      setOnline(true);
    };
    socket.onmessage = (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch (err) {
        return;
      }
      if (data.type === "ticket.status" && data.ticket) {
        update(data.ticket);
      } else if (data.type === "error" && data.code === "unknown_ticket") {
        gone = true;
        location.reload(); // the server answers with the friendly "not found" page
      }
    };
    socket.onclose = () => {
      if (ws !== socket) return;
      ws = null;
      setOnline(false);
      retry();
    };
    socket.onerror = () => {}; // onclose follows
  }

  function retry() {
    if (gone) return;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt += 1;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    attempt = 0;
    if (ws) {
      const old = ws;
      ws = null;
      old.onclose = null;
      old.close();
    }
    connect();
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") reconnectNow();
  });
  window.addEventListener("online", reconnectNow);
  document.addEventListener("pointerdown", unlockAudio, { once: true });

  update(boot.ticket);
  setOnline(false);
  connect();
})();
