// /admin/voice: the staff record the hall's own voice, one clip (a word or two) at a time.
//
// Everything shown comes from the voice pack's API (docs/protocol.md, "Voice pack"): the clips, what to
// say, which this site's calls still need, the limits; the hub checks every recording and its refusal
// is shown as it is. A recording is made in the page (recorder.js), heard back, made again or saved;
// a WAV file may be uploaded instead. Switching the recorded voice on is a configuration change
// (`[audio] voice_pack`, PUT /api/admin/config), like any other made in the admin console.
(function () {
  "use strict";

  const { $, el, boot } = window.MppUI;
  const { start, api, say } = window.MppSession;
  const Recorder = window.MppRecorder;
  const setup = boot(); // admin/voice.py VoiceBoot
  const TICK_MS = 100;
  const decimal = new Intl.NumberFormat("id-ID", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  const state = {
    pack: null, // GET /api/admin/voice
    rows: new Map(), // clip id -> its <tr>
    takes: new Map(), // clip id -> { blob, url, seconds }: recorded here, not saved yet
    messages: new Map(), // clip id -> { text, kind }: the last outcome, shown in its row
    recording: null, // { clip, recorder, timer }
    busy: new Set(), // clip ids with a request under way
    deleting: null, // the clip the delete dialog asks about
    player: new Audio(), // plays a stored clip back
    playerUrl: null,
  };

  function button(text, className, onClick) {
    const node = el("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function notice(text) {
    $("notice").textContent = text || "";
    $("notice").hidden = !text;
  }

  const seconds = (value) => decimal.format(value) + " detik";
  const textOf = (id) => {
    const clip = state.pack && state.pack.clips.find((c) => c.id === id);
    return clip ? clip.text : id;
  };

  // ------------------------------------------------------------ the pack

  async function load() {
    try {
      show(await api("GET", "/api/admin/voice"));
    } catch (err) {
      if (err.status !== 401) notice(err.message);
    }
  }

  function show(pack) {
    state.pack = pack;
    notice("");
    drawSummary();
    drawPreviewChoices();
    drawGroups();
  }

  function drawSummary() {
    const pack = state.pack;
    const recorded = pack.clips.filter((c) => c.present).length;
    const needed = pack.clips.filter((c) => c.needed).length;
    const neededRecorded = pack.clips.filter((c) => c.needed && c.present).length;
    $("progress").textContent = recorded + " dari " + pack.clips.length + " kata sudah direkam; " + neededRecorded +
      " dari " + needed + " kata yang dipakai panggilan di MPP ini.";
    $("enabled").checked = pack.enabled;
    $("missing").replaceChildren(...pack.missing.map((id) => {
      const item = el("li");
      item.append(button(textOf(id), "chip", () => goTo(id)));
      return item;
    }));
    $("missing-box").hidden = pack.missing.length === 0;
    $("complete").hidden = pack.missing.length > 0;
    $("unsayable").hidden = pack.unsayable.length === 0;
    $("unsayable").textContent = pack.unsayable.length
      ? "Kata berikut dipakai panggilan tetapi tidak ada dalam daftar rekaman, jadi panggilan yang memakainya selalu " +
        "diucapkan mesin suara: " + pack.unsayable.join(", ") + "." : "";
  }

  function goTo(id) {
    const row = state.rows.get(id);
    if (!row) return;
    row.scrollIntoView({ block: "center" });
    const first = row.querySelector("button:not(:disabled)");
    if (first) first.focus();
  }

  // ------------------------------------------------------------ the clips

  function drawGroups() {
    state.rows.clear();
    const cards = state.pack.groups.map((group) => {
      const card = el("section", "card clip-group");
      card.dataset.group = group.id;
      card.append(el("h2", "", group.title));
      const table = el("table", "table clips");
      const head = el("tr");
      for (const text of ["Ucapkan", "Keadaan", ""]) head.append(el("th", "", text));
      const thead = el("thead");
      thead.append(head);
      const body = el("tbody");
      for (const clip of state.pack.clips.filter((c) => c.group === group.id)) {
        const row = el("tr");
        state.rows.set(clip.id, row);
        drawRow(clip, row);
        body.append(row);
      }
      table.append(thead, body);
      card.append(table);
      return card;
    });
    $("groups").replaceChildren(...cards);
  }

  function clipState(clip) {
    if (clip.present) return ["present", "Sudah direkam · " + seconds(clip.seconds)];
    if (clip.problem) return ["invalid", "Berkas tidak dapat dipakai: " + clip.problem];
    if (clip.optional) return ["optional", "Pilihan · belum direkam"];
    if (clip.needed) return ["missing", "Belum direkam"];
    return ["unused", "Tidak dipakai di MPP ini"];
  }

  function drawRow(clip, row) {
    row = row || state.rows.get(clip.id);
    const [kind, label] = clipState(clip);
    row.className = "clip " + kind;
    row.dataset.clip = clip.id;
    row.dataset.state = kind;
    const words = el("td", "words");
    words.append(el("strong", "", "\u201c" + clip.text + "\u201d"), el("span", "hint", clip.hint));
    const status = el("td", "status");
    status.append(el("span", "badge " + kind, label));
    const message = state.messages.get(clip.id);
    if (message) status.append(el("span", "message " + message.kind, message.text));
    const actions = el("td", "actions");
    actions.append(...controls(clip));
    row.replaceChildren(words, status, actions);
  }

  function redraw(id) {
    const clip = state.pack.clips.find((c) => c.id === id);
    if (clip && state.rows.has(id)) drawRow(clip);
  }

  function controls(clip) {
    const id = clip.id;
    const busy = state.busy.has(id);
    const recording = state.recording;
    if (recording && recording.clip === id) {
      const stop = button("Berhenti", "btn primary stop", () => stopRecording());
      const timer = el("span", "timer", "Merekam… " + seconds(0));
      timer.id = "timer";
      const meter = el("meter", "level");
      meter.id = "level";
      meter.min = 0;
      meter.max = 1;
      meter.value = 0;
      meter.setAttribute("aria-label", "Kekerasan suara mikrofon");
      return [stop, timer, meter];
    }
    const out = [];
    const take = state.takes.get(id);
    const mic = Recorder.unavailable() === null;
    const others = recording !== null;
    if (take) {
      const audio = el("audio", "take");
      audio.controls = true;
      audio.src = take.url;
      out.push(audio, el("span", "muted take-length", seconds(take.seconds)));
      out.push(button("Simpan", "btn small primary save", () => save(id, take.blob)));
      const again = button("Rekam ulang", "btn small record", () => startRecording(id));
      again.disabled = !mic || others || busy;
      out.push(again, button("Batal", "btn small ghost discard", () => discard(id)));
      if (busy) out.forEach((node) => { if (node.tagName === "BUTTON") node.disabled = true; });
      return out;
    }
    const record = button(clip.present ? "Rekam ulang" : "Rekam", "btn small record" + (clip.present ? "" : " primary"),
      () => startRecording(id));
    record.disabled = !mic || others || busy;
    if (!mic) record.title = "Mikrofon tidak dapat dipakai di halaman ini; lihat keterangan di atas.";
    out.push(record);
    if (clip.present) out.push(button("Dengar", "btn small listen", () => listen(id)));
    const file = el("input");
    file.type = "file";
    file.accept = ".wav,audio/wav,audio/x-wav,audio/wave";
    file.hidden = true;
    file.className = "file";
    file.addEventListener("change", () => {
      const chosen = file.files && file.files[0];
      file.value = "";
      if (chosen) save(id, chosen);
    });
    out.push(button("Unggah WAV…", "btn small ghost upload", () => file.click()), file);
    if (clip.present || clip.problem) out.push(button("Hapus", "btn small danger delete", () => askDelete(id)));
    if (busy || others) out.forEach((node) => { if (node.tagName === "BUTTON") node.disabled = true; });
    return out;
  }

  // ------------------------------------------------------------ recording

  async function startRecording(id) {
    if (state.recording) return;
    state.messages.delete(id);
    const limit = state.pack.limits.max_seconds;
    let recorder;
    try {
      state.recording = { clip: id, recorder: null, timer: null, stopping: false };
      redrawAll();
      recorder = await Recorder.start({ maxSeconds: limit, onLimit: () => stopRecording(
        "Perekaman berhenti di batas " + seconds(limit) + ".") });
    } catch (err) {
      state.recording = null;
      state.messages.set(id, { text: err.message, kind: "error" });
      redrawAll();
      return;
    }
    state.recording.recorder = recorder;
    state.recording.timer = setInterval(() => {
      const timer = $("timer");
      const level = $("level");
      if (timer) timer.textContent = "Merekam… " + decimal.format(recorder.seconds()) + " / " + seconds(limit);
      if (level) level.value = recorder.level();
    }, TICK_MS);
  }

  async function stopRecording(message) {
    const recording = state.recording;
    if (!recording || !recording.recorder || recording.stopping) return; // a second click, or the limit
    recording.stopping = true;
    clearInterval(recording.timer);
    const take = await recording.recorder.stop();
    state.recording = null;
    const old = state.takes.get(recording.clip);
    if (old) URL.revokeObjectURL(old.url);
    state.takes.set(recording.clip, { ...take, url: URL.createObjectURL(take.blob) });
    state.messages.set(recording.clip, message ? { text: message, kind: "" }
      : { text: "Dengarkan rekamannya, lalu simpan atau rekam ulang.", kind: "" });
    redrawAll();
  }

  function discard(id) {
    const take = state.takes.get(id);
    if (take) URL.revokeObjectURL(take.url);
    state.takes.delete(id);
    state.messages.delete(id);
    redraw(id);
  }

  function redrawAll() {
    for (const clip of state.pack.clips) drawRow(clip);
  }

  // ------------------------------------------------------------ saving, hearing, deleting

  const clipPath = (id) => "/api/admin/voice/clips/" + encodeURIComponent(id);

  // Send a recording (or a chosen file) to the hub as the clip's WAV; the hub checks and keeps it.
  function save(id, blob) {
    state.messages.set(id, { text: "Menyimpan…", kind: "" });
    return change(id, "PUT", blob, { type: "audio/wav" }, () => discard(id));
  }

  // One clip changed (PUT, DELETE): the hub's message in its row and the pack from its answer, or its refusal.
  async function change(id, method, body, options, done) {
    state.busy.add(id);
    redraw(id);
    let answer;
    try {
      answer = await api(method, clipPath(id), body, options);
    } catch (err) {
      state.busy.delete(id);
      state.messages.set(id, { text: err.message, kind: "error" });
      redraw(id);
      return;
    }
    state.busy.delete(id);
    if (done) done();
    state.messages.set(id, { text: answer.message, kind: "ok" });
    show(answer.voice_pack);
  }

  async function listen(id) {
    try {
      const response = await api("GET", clipPath(id), undefined, { raw: true });
      const blob = await response.blob();
      if (state.playerUrl) URL.revokeObjectURL(state.playerUrl);
      state.playerUrl = URL.createObjectURL(blob);
      state.player.src = state.playerUrl;
      await state.player.play();
    } catch (err) {
      state.messages.set(id, { text: err.message, kind: "error" });
      redraw(id);
    }
  }

  function askDelete(id) {
    state.deleting = id;
    $("delete-title").textContent = "Hapus rekaman \u201c" + textOf(id) + "\u201d?";
    $("delete-dialog").showModal();
  }

  function deleteClip() {
    const id = state.deleting;
    $("delete-dialog").close();
    if (id) change(id, "DELETE");
  }

  // ------------------------------------------------------------ switching the recorded voice on

  // `[audio] voice_pack` is a key of the configuration: changed like every key, as the next version.
  async function setEnabled() {
    const wanted = $("enabled").checked;
    const box = $("enabled");
    box.disabled = true;
    say($("enabled-message"), "Menyimpan…");
    try {
      const current = await api("GET", "/api/admin/config");
      const config = current.config;
      config.audio = { ...(config.audio || {}), voice_pack: wanted };
      const answer = await api("PUT", "/api/admin/config", { version: current.version, config });
      say($("enabled-message"), (wanted ? "Suara rekaman dipakai untuk panggilan" : "Suara rekaman tidak dipakai lagi")
        + " (pengaturan versi " + answer.version + ").", "ok");
      await load();
    } catch (err) {
      box.checked = !wanted;
      say($("enabled-message"), err.message, "error");
    } finally {
      box.disabled = false;
    }
  }

  // ------------------------------------------------------------ the preview

  function drawPreviewChoices() {
    const select = $("preview-counter");
    const chosen = select.value || state.pack.sample.counter;
    select.replaceChildren(...state.pack.counters.map((c) => {
      const option = el("option", "", c.name);
      option.value = c.id;
      return option;
    }));
    select.value = chosen;
    if (!$("preview-number").value) $("preview-number").value = state.pack.sample.number;
  }

  async function preview(event) {
    event.preventDefault();
    const play = $("preview-play");
    if (play.disabled) return;
    play.disabled = true;
    say($("preview-source"), "Menyiapkan panggilan…");
    try {
      const answer = await api("POST", "/api/admin/voice/preview", {
        number: $("preview-number").value.trim(), counter: $("preview-counter").value,
      });
      $("preview-text").textContent = "\u201c" + answer.text + "\u201d";
      $("preview-text").hidden = false;
      let source = "Dirangkai dari suara rekaman.";
      if (!answer.from_clips) {
        const lacking = answer.missing.map(textOf).concat(answer.unsayable);
        source = "Diucapkan mesin suara, karena kata berikut belum direkam: " + lacking.join(", ") + ".";
      }
      say($("preview-source"), source, answer.from_clips ? "ok" : "");
      const audio = $("preview-audio");
      audio.dataset.fromClips = answer.from_clips ? "true" : "false";
      audio.hidden = false;
      audio.src = answer.audio_url;
      await audio.play().catch(() => {}); // the controls stay to play it by hand
    } catch (err) {
      say($("preview-source"), err.message, "error");
    } finally {
      play.disabled = false;
    }
  }

  // ------------------------------------------------------------ start

  function explainMicrophone() {
    const why = Recorder.unavailable();
    const note = $("mic-note");
    if (why === "insecure") {
      note.textContent = "Chromium hanya mengizinkan mikrofon di alamat aman. Untuk merekam, buka halaman ini di PC " +
        "hub dengan alamat http://localhost:" + (location.port || "80") + "/admin/voice, atau unggah berkas WAV " +
        "yang direkam di tempat lain.";
    } else if (why === "unsupported") {
      note.textContent = "Peramban ini tidak dapat merekam dari mikrofon. Pakai Chromium, atau unggah berkas WAV.";
    }
    note.hidden = why === null;
  }

  if (!setup.spoken_calls) {
    start(() => {});
    return;
  }
  $("enabled").addEventListener("change", setEnabled);
  $("preview-form").addEventListener("submit", preview);
  $("delete-cancel").addEventListener("click", () => $("delete-dialog").close());
  $("delete-ok").addEventListener("click", deleteClip);
  window.addEventListener("beforeunload", (event) => {
    if (state.takes.size || state.recording) event.preventDefault(); // recordings not saved would be lost
  });
  explainMicrophone();
  window.MppVoice = { load, pack: () => state.pack, player: state.player }; // for tests and a look from the console
  start(() => load());
})();
