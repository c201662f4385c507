// The TV display: draws the hub's snapshot, applies its events, hands calls to the player.
//
// Every name and number is written with textContent (names come from the configuration
// and from people). The DOM is bounded: tiles are rebuilt only from a snapshot, the
// history has a fixed number of rows, and the media area reuses one <img> and one <video>.
(function () {
  "use strict";

  const { $, el, boot, counterAfter } = window.MppUI;
  const setup = boot(); // zone, audio, media settings, the site's time zone and the hub's time (display/page.py)
  const RECENT = 12; // calls kept in memory (the hub keeps as many)
  const HISTORY_ROWS = 5; // calls shown under "Panggilan sebelumnya"
  const STALE_MS = 2 * 60 * 1000; // calls older than this (hub clock) are shown, not spoken
  const REPLAY_WINDOW_MS = 2000; // events this soon after a resumed connection may be replays
  const MEDIA_REFRESH_MS = 5 * 60 * 1000;
  const STATE_LABELS = { open: "Melayani", paused: "Istirahat", closed: "Tutup" };

  // ------------------------------------------------------------ the hub's clock

  // TVs on a hall LAN often have no time source: all times come from the hub (ui.js), shown in
  // the site's time zone.
  const { parseTime, hubNow } = window.MppUI;
  window.MppUI.syncHubTime(setup.now);
  let timeZone = setup.timezone;

  let shownDate = "";
  let shownTime = "";
  function tickClock() {
    const now = hubNow();
    const date = window.MppUI.formatDate(now, timeZone);
    const time = window.MppUI.formatTime(now, timeZone);
    if (date !== shownDate) $("date").textContent = shownDate = date;
    if (time !== shownTime) $("time").textContent = shownTime = time;
  }

  // ------------------------------------------------------------ state

  const state = {
    counters: new Map(), // id -> counter view {id, name, zone, state, ticket}
    tiles: new Map(), // id -> {root, number, status}
    recent: [], // [{ticket_id, number, counter: {id, name}}], newest first
  };

  let snapshots = 0;

  function applySnapshot(snap) {
    window.MppUI.syncHubTime(snap.now);
    snapshots += 1;
    if (snap.site) {
      $("site-name").textContent = snap.site.name || "";
      setRunningText(snap.site.running_text || "");
      timeZone = snap.site.timezone || timeZone;
    }
    setHall(snap.hall);
    applySettings(snap.settings && snap.settings.display);
    state.counters.clear();
    for (const c of snap.counters || []) state.counters.set(c.id, c);
    state.recent = (snap.recent || []).slice(0, RECENT).map((r) => ({
      ticket_id: r.ticket_id, number: r.number, counter: r.counter,
    }));
    buildTiles();
    renderCall();
    player.loadChime(); // a restarted or reconfigured hub may have another chime
    // A later snapshot replaces the events this page missed (a hub restart starts a new epoch, a
    // page that fell behind is resynchronised): the calls made meanwhile are only in `recent`.
    // The first snapshot is the page opening: what was called before is shown, not spoken.
    if (snapshots > 1) announceMissed(snap);
  }

  function announceMissed(snap) {
    const missed = (snap.recent || []).slice(0, RECENT).filter((r) => r.ticket_id !== undefined).reverse();
    for (const r of missed) {
      const ref = r.counter || {};
      player.enqueue({
        key: callKey(r.ticket_id, r.called_at, r.calls),
        seq: null,
        ticket_id: r.ticket_id,
        number: r.number,
        counter: ref.name || "",
        counter_id: ref.id,
        kind: (r.calls || 1) > 1 ? "recalled" : "called",
        audio_url: null, // the snapshot names no announcement: the chime says it
        at: parseTime(r.at),
        called_at: parseTime(r.called_at),
        maybe_replayed: false,
      });
    }
    renderCall();
  }

  // One call of a ticket: the same whatever seq it came with (live event, replay or snapshot).
  function callKey(ticketId, calledAt, calls) {
    return ticketId + ":" + (calledAt || "") + ":" + (calls || 1);
  }

  function applyEvent(ev) {
    if (ev.at) window.MppUI.seeHubTime(ev.at);
    const known = ev.counter ? state.counters.get(ev.counter.id) : undefined;
    const counter = counterAfter(ev, known);
    if (counter && !(setup.zone && counter.zone !== setup.zone)) {
      state.counters.set(counter.id, counter);
      if (known) renderTile(counter.id);
      else buildTiles();
    }
    switch (ev.type) {
      case "ticket.called":
      case "ticket.recalled":
        return onCall(ev);
      case "hall.updated":
        return setHall(ev.hall);
      case "config.updated":
        // The snapshot that follows redraws names and texts; the media list is fetched again.
        if (!ev.sections || ev.sections.includes("display")) refreshMedia();
        return;
      case "day.started":
        for (const c of state.counters.values()) {
          c.ticket = null;
          c.state = "closed";
        }
        state.recent = [];
        player.clear();
        buildTiles();
        renderCall();
        return;
      default:
        return; // the counter is drawn above; ticket.issued, service.updated and unknown kinds: nothing more
    }
  }

  function onCall(ev) {
    const t = ev.ticket;
    const ref = ev.counter || {};
    if (!t || (setup.zone && ref.zone !== setup.zone)) return;
    state.recent = state.recent.filter((r) => r.ticket_id !== t.id);
    state.recent.unshift({ ticket_id: t.id, number: t.number, counter: { id: ref.id, name: ref.name } });
    if (state.recent.length > RECENT) state.recent.length = RECENT;
    const announcement = ev.announcement || null;
    player.enqueue({
      key: callKey(t.id, t.called_at, t.calls),
      seq: ev.seq,
      ticket_id: t.id,
      number: t.number,
      counter: ref.name || "",
      counter_id: ref.id,
      kind: ev.type === "ticket.recalled" ? "recalled" : "called",
      audio_url: announcement && announcement.audio_url ? announcement.audio_url : null,
      at: parseTime(ev.at), // the hub may stamp events; otherwise the ticket's call time is used
      called_at: parseTime(t.called_at),
      maybe_replayed: performance.now() < replayUntil,
    });
    renderCall();
  }

  // A call is worth speaking while it is recent by the hub's clock. A recall carries only the
  // first call's time: when that is old and the recall may be a replay, its age is unknown.
  function isFresh(item) {
    const now = hubNow();
    if (!Number.isNaN(item.at)) return now - item.at <= STALE_MS;
    if (!Number.isNaN(item.called_at) && now - item.called_at <= STALE_MS) return true;
    if (item.kind === "recalled") return !item.maybe_replayed;
    return Number.isNaN(item.called_at);
  }

  // ------------------------------------------------------------ drawing

  function buildTiles() {
    const box = $("tiles");
    state.tiles.clear();
    const nodes = [];
    for (const c of state.counters.values()) {
      const root = el("div", "tile");
      root.dataset.counter = c.id;
      const name = el("div", "tile-name", c.name);
      const number = el("div", "tile-number");
      const status = el("div", "tile-state");
      root.append(name, number, status);
      state.tiles.set(c.id, { root, number, status });
      nodes.push(root);
      renderTile(c.id);
    }
    box.replaceChildren(...nodes);
    layoutTiles();
  }

  function renderTile(id) {
    const c = state.counters.get(id);
    const tile = state.tiles.get(id);
    if (!c || !tile) return;
    const label = STATE_LABELS[c.state] || c.state || "";
    tile.root.dataset.state = c.state || "closed";
    tile.number.textContent = c.ticket ? c.ticket.number : "–";
    tile.status.textContent = label;
  }

  // Columns and rows so the tiles are as large as possible in their box.
  function layoutTiles() {
    const box = $("tiles");
    const n = Math.max(1, state.tiles.size);
    const w = box.clientWidth || 1;
    const h = box.clientHeight || 1;
    let best = { cols: 1, rows: n, size: 0 };
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      const tw = w / cols;
      const th = h / rows;
      const size = Math.min(tw / 1.5, th); // a tile reads best about 1.5 times wider than tall
      if (size > best.size) best = { cols, rows, size };
    }
    box.style.setProperty("--cols", best.cols);
    box.style.setProperty("--rows", best.rows);
  }

  function renderCall() {
    const playing = player.playing;
    const shown = playing ? { ticket_id: playing.ticket_id, number: playing.number, counter: { name: playing.counter } }
      : state.recent[0];
    $("call-number").textContent = shown ? shown.number : "–";
    $("call-counter").textContent = shown ? shown.counter.name || "" : "Menunggu panggilan";
    $("call").classList.toggle("idle", !shown);
    const rows = state.recent.filter((r) => !shown || r.ticket_id !== shown.ticket_id).slice(0, HISTORY_ROWS);
    const list = rows.map((r) => {
      const li = el("li", "history-row");
      li.append(el("span", "history-number", r.number), el("span", "history-counter", r.counter.name || ""));
      return li;
    });
    if (!list.length) list.push(el("li", "history-empty", "Belum ada panggilan"));
    $("history").replaceChildren(...list);
  }

  function flash(node) {
    if (!node) return;
    node.classList.remove("flash");
    void node.offsetWidth; // restart the animation
    node.classList.add("flash");
  }

  function onCue(item) {
    renderCall();
    flash($("call"));
    const tile = state.tiles.get(item.counter_id);
    if (tile) flash(tile.root);
  }

  function onCueEnd(item) {
    $("call").classList.remove("flash");
    const tile = state.tiles.get(item.counter_id);
    if (tile) tile.root.classList.remove("flash");
    renderCall();
  }

  // ------------------------------------------------------------ the hall and the page's settings

  // The hall's calendar closed it for tickets (a break, a holiday, after hours): the TV says so,
  // in the hub's words, and goes on showing the calls of the tickets still waiting.
  function setHall(hall) {
    const closed = hall && !hall.open && hall.closed;
    const box = $("hall-closed");
    box.hidden = !closed;
    if (closed && box.textContent !== closed.label) box.textContent = closed.label;
  }

  // [display] settings changed in the admin console reach the TV with the next snapshot;
  // a ?theme= in the TV's address still wins over the configured theme.
  function applySettings(settings) {
    if (!settings) return;
    setup.image_seconds = settings.image_seconds;
    setup.media_sound = settings.media_sound;
    if (!new URLSearchParams(location.search).get("theme") && settings.theme) document.body.dataset.theme = settings.theme;
    if (media.video) media.video.muted = !setup.media_sound || !setup.audio || media.speaking;
  }

  // ------------------------------------------------------------ running text

  function setRunningText(text) {
    const ticker = $("ticker");
    const line = $("ticker-text");
    ticker.hidden = !text;
    if (line.textContent !== text) line.textContent = text;
    pace();
  }

  function pace() {
    const ticker = $("ticker");
    const line = $("ticker-text");
    if (ticker.hidden) return;
    // About an eighth of the screen width per second, whatever the length of the text.
    const distance = line.scrollWidth + ticker.clientWidth;
    const speed = Math.max(60, window.innerWidth / 8);
    line.style.setProperty("--ticker-seconds", Math.max(8, distance / speed).toFixed(1) + "s");
  }

  // ------------------------------------------------------------ media area

  const media = { list: [], index: -1, timer: null, img: null, video: null, speaking: false, signature: "" };

  async function refreshMedia() {
    try {
      const response = await fetch("/display/media", { cache: "no-store" });
      if (!response.ok) return;
      const list = (await response.json()).media || [];
      const signature = list.map((m) => m.url).join("\n");
      if (signature === media.signature) return;
      media.signature = signature;
      media.list = list;
      media.index = -1;
      const on = list.length > 0;
      $("media").hidden = !on;
      document.body.classList.toggle("has-media", on);
      document.body.classList.toggle("no-media", !on);
      layoutTiles();
      pace();
      showNextMedia();
    } catch (err) {
      // hub unreachable: keep what is on screen
    }
  }

  function showNextMedia() {
    clearTimeout(media.timer);
    media.timer = null;
    const box = $("media");
    if (!media.list.length) {
      if (media.video) media.video.removeAttribute("src");
      box.replaceChildren();
      return;
    }
    media.index = (media.index + 1) % media.list.length;
    const item = media.list[media.index];
    if (item.kind === "video") {
      if (!media.video) {
        media.video = el("video", "media-item");
        media.video.playsInline = true;
        media.video.onended = () => showNextMedia();
        media.video.onerror = () => { media.timer = setTimeout(showNextMedia, 1000); };
      }
      const video = media.video;
      video.muted = !setup.media_sound || !setup.audio || media.speaking;
      video.src = item.url;
      box.replaceChildren(video);
      video.play().catch(() => {
        video.muted = true; // autoplay with sound refused: play silently
        video.play().catch(() => { media.timer = setTimeout(showNextMedia, 1000); });
      });
    } else {
      if (!media.img) media.img = el("img", "media-item");
      if (media.video) media.video.removeAttribute("src");
      media.img.src = item.url;
      box.replaceChildren(media.img);
      if (media.list.length > 1) media.timer = setTimeout(showNextMedia, setup.image_seconds * 1000);
    }
  }

  function onSpeaking(speaking) {
    media.speaking = speaking;
    if (media.video) media.video.muted = speaking || !setup.media_sound || !setup.audio;
  }

  // ------------------------------------------------------------ start

  const player = new CallPlayer({
    storageKey: "mpp.display.played." + (setup.zone || "*") + (setup.audio ? "" : ".silent"),
    sound: setup.audio,
    isFresh,
    onCue,
    onCueEnd,
    onSpeaking,
    onBlocked(blocked) {
      $("unlock").hidden = !blocked;
      if (blocked) $("unlock-button").focus(); // a TV remote's OK button presses it
      if (window.displayHub) window.displayHub.report(); // the health board shows it at once
    },
  });
  window.displayPlayer = player;
  $("unlock-button").addEventListener("click", () => player.unlock());
  $("unlock").addEventListener("click", () => player.unlock());
  document.addEventListener("keydown", (event) => {
    if (player.blocked && event.key !== "Escape") player.unlock();
  });

  // What the admin's health board shows of this TV: whether its sound plays, and the last call it
  // played (its time by the hub's clock: the TV's own may be wrong).
  function report() {
    const last = player.played[player.played.length - 1];
    return {
      sound: !setup.audio ? "off" : player.blocked ? "blocked" : "on",
      last_call: last ? {
        number: last.number, counter: last.counter || "", sound: last.sound,
        at: new Date(window.MppUI.hubNow() - (Date.now() - last.started_at)).toISOString(),
      } : null,
    };
  }

  let replayUntil = 0;
  const client = new HubClient({
    path: "/ws/display" + (setup.zone ? "?zone=" + encodeURIComponent(setup.zone) : ""),
    onSnapshot: applySnapshot,
    onEvent: applyEvent,
    onStatus(online) {
      // A resumed connection first receives the events it missed.
      if (online && client.seq !== null) replayUntil = performance.now() + REPLAY_WINDOW_MS;
      $("status").hidden = online;
      document.body.classList.toggle("offline", !online);
      if (online) $("status-text").textContent = "Koneksi terputus, sedang menyambung ulang…";
    },
    onError(error) {
      $("status-text").textContent = error.message || "Terjadi kesalahan pada sambungan.";
      $("status").hidden = false;
    },
    page: "display",
    report,
  });
  window.displayHub = client;

  tickClock();
  setInterval(tickClock, 1000);
  setInterval(refreshMedia, MEDIA_REFRESH_MS);
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { layoutTiles(); pace(); }, 150);
  });
  setRunningText($("ticker-text").textContent);
  renderCall();
  refreshMedia();
  player.probe();
  client.start();
})();
