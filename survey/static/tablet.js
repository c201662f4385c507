// The survey tablet at a counter (/survey?counter=ID).
//
// It waits. When the hub says a ticket was just finished at this counter (survey.offer on
// /ws/survey/{counter}), it shows that ticket's survey, one question per screen (form.js).
// A tablet is often left alone: a survey nobody touches for [survey] tablet_idle_seconds goes
// back to waiting, the thanks screen does after thanks_seconds, an offer past its expires_at is
// never shown, and a newer offer replaces a survey nobody has started. Answers are never kept
// once the tablet returns to waiting.
//
// Like every screen it says what it is on its socket (page=survey, and device=<token> once
// registered in /admin/devices: HubClient reads ?device= or the token kept from /pair) and
// reports its state, so it is on the health board. A hub that refuses it (a revoked or unknown
// device, a tablet not registered where only registered ones are served) says why: the hub's
// message stays on screen for the staff, and the tablet stops asking.
(function () {
  "use strict";

  const { $ } = window.MppUI;
  const boot = window.MppUI.boot(); // survey/page.py TabletBoot
  const TICK_MS = 1000;

  const state = {
    mode: "waiting", // waiting | survey | thanks | refused
    settings: { idle_seconds: 45, thanks_seconds: 6 }, // until the hub's first message says
    offer: null, // the offer being answered
    pending: null, // a newer offer, shown once the current survey ends
    form: null,
    lastActivity: 0,
    thanksUntil: 0,
    seen: new Set(), // tokens whose survey this tablet already showed to the end
  };

  window.MppUI.syncHubTime(boot.now);

  function setMode(mode) {
    state.mode = mode;
    document.body.dataset.mode = mode;
    $("waiting").hidden = mode !== "waiting";
    $("survey").hidden = mode !== "survey" && mode !== "thanks";
    $("refused").hidden = mode !== "refused";
  }

  function expired(offer) {
    return window.MppUI.parseTime(offer.expires_at) <= window.MppUI.hubNow();
  }

  function consider(offer) {
    if (state.mode === "refused") return;
    if (!offer || state.seen.has(offer.token) || expired(offer)) return;
    if (state.offer && state.offer.token === offer.token) return;
    if (state.mode === "survey" && state.form && state.form.started) {
      state.pending = offer; // someone is answering: the newer one waits its turn
      return;
    }
    show(offer);
  }

  function show(offer) {
    if (state.form) state.form.stop();
    state.offer = offer;
    state.pending = null;
    state.lastActivity = performance.now();
    setMode("survey");
    state.form = window.MppSurvey.form($("survey"), {
      token: offer.token,
      channel: "tablet",
      onProgress() {
        state.lastActivity = performance.now();
      },
      onFinished() {
        state.seen.add(offer.token);
        state.thanksUntil = performance.now() + state.settings.thanks_seconds * 1000;
        setMode("thanks");
      },
    });
    state.form.start();
  }

  // Back to waiting (or to the next citizen's survey), forgetting every answer given.
  function reset() {
    if (state.form) state.form.stop();
    state.form = null;
    if (state.offer) state.seen.add(state.offer.token);
    state.offer = null;
    setMode("waiting");
    const next = state.pending;
    state.pending = null;
    if (next) consider(next);
  }

  function tick() {
    const now = performance.now();
    if (state.mode === "survey" && now - state.lastActivity > state.settings.idle_seconds * 1000) reset();
    else if (state.mode === "thanks" && now >= state.thanksUntil) reset();
    if (state.pending && expired(state.pending)) state.pending = null;
  }

  document.addEventListener("pointerdown", () => {
    state.lastActivity = performance.now();
  }, true);
  document.addEventListener("keydown", () => {
    state.lastActivity = performance.now();
  }, true);

  function setOnline(online) {
    const link = $("link");
    link.dataset.online = online ? "true" : "false";
    link.textContent = state.mode === "refused" ? "Ditolak hub" : online ? "Terhubung" : "Menyambung ulang…";
  }

  // The hub refused this tablet: its words for the staff, and nothing about a citizen left on screen.
  function refuse(message) {
    if (state.form) state.form.stop();
    state.form = state.offer = state.pending = null;
    $("refused-message").textContent = message;
    setMode("refused");
    setOnline(false);
  }

  const client = new window.HubClient({
    path: "/ws/survey/" + encodeURIComponent(boot.counter),
    page: "survey",
    onStatus: setOnline,
    onEvent(message) {
      if (message.type === "survey.tablet") {
        window.MppUI.syncHubTime(message.now);
        state.settings = message.settings;
        $("counter-name").textContent = message.counter.name;
        consider(message.offer);
      } else if (message.type === "survey.offer") {
        consider(message);
      }
    },
    onError(error) {
      if (error.code === "unknown_counter") {
        location.reload(); // the page then lists the counters to choose from
        return "stop";
      }
      if (!window.HubClient.deviceRefused(error.code)) return undefined;
      refuse(error.message);
      return "stop";
    },
  });

  window.surveyHub = client; // for tests and a look from the console
  setMode("waiting");
  setOnline(false);
  client.start();
  setInterval(tick, TICK_MS);
})();
