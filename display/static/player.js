// The call player of the TV display: one call at a time, never overlapping.
//
// Each call first gets its visual cue (the display flashes the number), then its sound:
// the hub's WAV (chime + spoken words) when the event carries `announcement.audio_url`,
// otherwise a chime synthesised here. The next call starts only when both the cue time and the
// sound are over. Played calls are remembered in localStorage, keyed by ticket, call time and
// call count (never by seq, which a new hub database restarts), so a replay after a reconnect is
// not spoken twice.
//
// Every sound plays through the page's one AudioContext, created when the page opens and kept
// running for its whole life: no media pipeline is built per call, which is what made an <audio>
// element start late on a busy TV PC (docs/benchmarks.md, "Click to sound"). The hub's chime, which
// starts each of its announcements, is kept decoded and starts the moment a call arrives; the call's
// WAV, fetched at once, follows it from the chime's end (docs/display.md, "How the sound plays").
// A WAV that cannot be fetched or decoded is heard as the chime; the call is logged with
// `sound: "chime"` and `failure`, and the health board gets `sound: "chime"` as its last call.
//
// State for tests and diagnostics: window.displayPlayer =
//   {queue, playing, played: [{seq, ticket_id, number, counter, audio_url, kind, sound, failure,
//    started_at, ended_at, timing}], skipped: [{seq, number, reason}], blocked, context, chimeBuffer}
// `timing` (docs/display.md): {arrived, fetched, decoded, started, output, gap}, the first five in
// milliseconds on the page's high-resolution clock (performance.timeOrigin + performance.now()),
// each null until it happened.
(function (global) {
  "use strict";

  const CUE_MS = 4000; // the number stays highlighted at least this long
  const SOUND_LIMIT_MS = 30000; // a sound that never reports its end is cut off
  const START_LIMIT_MS = 15000; // an announcement not fetched and decoded by then gives way to the chime
  const END_MARGIN_MS = 1000; // a decoded sound is over at most this long after its duration
  const CHIME_MS = 1900; // the synthesised chime, timed by the page
  const RESUME_WAIT_MS = 500; // a suspended AudioContext given this long to resume before the page asks for a click
  const PREFETCH = 3; // waiting calls whose sound is fetched and decoded ahead
  const OUTPUT_WATCH_MS = 2000; // how long the page looks for a started sound on the output clock
  const MAX_QUEUE = 20; // calls waiting to be played; older ones are dropped (the screen still shows them)
  const MAX_LOG = 50; // entries kept in `played` and `skipped`
  const REMEMBER = 300; // played calls kept in localStorage

  const CHIME_URL = "/audio/chime.wav"; // the hub's chime, which starts each of its announcements
  const SAME_SOUND = 0.99; // a call's WAV starting this alike to the chime starts with it (startsWith)

  const clock = () => performance.timeOrigin + performance.now();

  class CallPlayer {
    constructor(options) {
      this.options = options; // {storageKey, sound, isFresh(item), onCue(item), onCueEnd(item), onSpeaking(bool), onBlocked(bool)}
      this.queue = [];
      this.playing = null;
      this.played = [];
      this.skipped = [];
      this.blocked = false;
      this.context = null; // one AudioContext for the whole page life
      this.chimeBuffer = null; // the hub's chime, decoded (loadChime)
      this.chimeToken = 0;
      this.memory = this.load();
    }

    // ------------------------------------------------------------ memory of played calls

    load() {
      try {
        const saved = JSON.parse(localStorage.getItem(this.options.storageKey) || "[]");
        return Array.isArray(saved) ? saved.filter((e) => Array.isArray(e) && e.length === 2) : [];
      } catch (err) {
        return [];
      }
    }

    save() {
      try {
        localStorage.setItem(this.options.storageKey, JSON.stringify(this.memory));
      } catch (err) {
        // storage full or disabled: the in-memory list still prevents repeats on this page
      }
    }

    hasPlayed(key) {
      return this.memory.some((entry) => entry[1] === key);
    }

    remember(item) {
      this.memory.push([item.seq, item.key]);
      if (this.memory.length > REMEMBER) this.memory.splice(0, this.memory.length - REMEMBER);
      this.save();
    }

    // ------------------------------------------------------------ queue

    enqueue(item) {
      if (this.hasPlayed(item.key) || this.queue.some((q) => q.key === item.key) ||
          (this.playing && this.playing.key === item.key)) {
        this.skip(item, "already-played");
        return;
      }
      if (!this.options.isFresh(item)) {
        this.skip(item, "stale");
        return;
      }
      item.timing = { arrived: clock(), fetched: null, decoded: null, started: null, output: null, gap: null };
      item.prepared = null; // the promise of its decoded sound, once asked for
      this.queue.push(item);
      while (this.queue.length > MAX_QUEUE) this.skip(this.queue.shift(), "queue-full");
      this.next();
      this.prefetch();
    }

    // A new day: nothing of yesterday is still worth announcing.
    clear() {
      while (this.queue.length) this.skip(this.queue.shift(), "new-day");
    }

    skip(item, reason) {
      item.prepared = null;
      this.skipped.push({ seq: item.seq, number: item.number, reason: reason });
      if (this.skipped.length > MAX_LOG) this.skipped.shift();
    }

    next() {
      while (!this.playing && !this.blocked && this.queue.length) {
        const item = this.queue.shift();
        if (!this.options.isFresh(item)) {
          this.skip(item, "stale"); // waited too long (e.g. behind the sound overlay)
          continue;
        }
        this.play(item);
      }
      this.prefetch();
    }

    // The next few waiting calls have their sound fetched and decoded while the current one plays.
    prefetch() {
      for (const item of this.queue.slice(0, PREFETCH)) this.prepare(item);
    }

    async play(item) {
      const entry = {
        key: item.key, seq: item.seq, ticket_id: item.ticket_id, number: item.number, counter: item.counter,
        audio_url: item.audio_url, kind: item.kind, sound: "none", failure: null,
        started_at: Date.now(), ended_at: null, timing: item.timing,
      };
      this.playing = entry;
      // The sound first (its request leaves, its chime starts), then the cue's redrawing.
      const starting = this.options.sound ? this.sound(item, entry) : null;
      this.options.onCue(item);
      const cue = delay(CUE_MS);
      let sound = null; // a promise of the sound's end
      if (starting) {
        try {
          sound = (await starting).ended;
        } catch (err) {
          if (err && err.name === "NotAllowedError") {
            // The browser wants a click first: keep the call (and its fetched sound) at the head of the queue.
            this.playing = null;
            this.queue.unshift(item);
            this.options.onSpeaking(false);
            this.setBlocked(true);
            this.options.onCueEnd(item);
            return;
          }
          console.error("call sound failed", err);
        }
      }
      item.prepared = null;
      this.remember(item);
      this.played.push(entry);
      if (this.played.length > MAX_LOG) this.played.shift();
      await Promise.all([cue, sound]);
      entry.ended_at = Date.now();
      this.options.onSpeaking(false);
      this.options.onCueEnd(item);
      this.playing = null;
      this.next();
    }

    // Starts the call's sound; resolves, once it is playing, to {ended: a promise of its end}.
    //
    // Every announcement of the hub starts with its chime (GET /audio/chime.wav, kept decoded): the
    // chime starts at once, in the same task as the call's arrival, and the rest of the announcement
    // (the pause and the words) is scheduled on the audio clock to follow it from the chime's end, as
    // soon as the call's WAV is fetched and decoded and its start is checked to be that same chime.
    // The two meet inside the hub's silent pause, so the hall hears the hub's sound as rendered, and
    // the click-to-sound time does not wait for the download. A WAV that does not start with the
    // chime (none, or another) plays whole after it.
    async sound(item, entry) {
      this.options.onSpeaking(true);
      const timing = item.timing;
      const ready = this.context && this.context.state === "running";
      const ctx = ready ? this.context : await this.running(); // no await when running: the chime starts now
      const chime = item.audio_url ? this.chimeBuffer : null;
      const lead = chime ? this.start(ctx, chime, timing) : null;
      if (item.audio_url) {
        try {
          const buffer = await this.prepare(item); // asked for now, unless already while an earlier call played
          entry.sound = "announcement";
          if (!lead) return { ended: this.start(ctx, buffer, timing).ended };
          return { ended: this.follow(ctx, lead, chime, buffer, timing) };
        } catch (err) {
          entry.failure = String((err && err.message) || err);
          console.warn("announcement could not be played, using the chime", item.audio_url, err);
          if (lead) {
            entry.sound = "chime"; // already heard
            return { ended: lead.ended };
          }
        }
      }
      const ended = this.synthChime(ctx, timing);
      entry.sound = "chime";
      return { ended };
    }

    // The rest of an announcement whose chime (`lead`) is playing: after the chime's last sample,
    // from the same point of the WAV on (inside the hub's pause after the chime, so a chime rendered
    // at another rate is cut in silence too); the whole WAV after the chime when it starts otherwise.
    // Returns a promise of the end of both.
    follow(ctx, lead, chime, buffer, timing) {
      const shared = startsWith(buffer, chime);
      if (!shared) {
        console.warn("the announcement does not start with the hub's chime: played whole after it");
        this.loadChime(); // the hub's chime may have changed
      }
      const offset = shared ? chime.duration : 0;
      if (buffer.duration - offset < 0.005) return lead.ended; // the hub's chime-only WAV: nothing more
      const planned = lead.begin + chime.duration;
      const rest = this.start(ctx, buffer, null, Math.max(planned, ctx.currentTime), offset);
      timing.gap = Math.max(0, (rest.begin - planned) * 1000);
      return Promise.all([lead.ended, rest.ended]);
    }

    // ------------------------------------------------------------ Web Audio

    // The page's AudioContext (created once); null in a browser without Web Audio.
    audioContext() {
      const Context = global.AudioContext || global.webkitAudioContext;
      if (!this.context && Context) this.context = new Context();
      return this.context;
    }

    // The running AudioContext; rejects with a NotAllowedError while the browser wants a click first.
    async running() {
      const ctx = this.audioContext();
      if (!ctx) throw new Error("this browser has no Web Audio");
      if (ctx.state !== "running") {
        await Promise.race([ctx.resume().catch(() => {}), delay(RESUME_WAIT_MS)]);
        if (ctx.state !== "running") {
          const err = new Error("audio context " + ctx.state);
          err.name = "NotAllowedError";
          throw err;
        }
      }
      return ctx;
    }

    // The hub's chime, fetched and decoded again at start and with each snapshot (a restarted or
    // reconfigured hub may have another chime, or none: 404 chime_disabled). Bypasses the HTTP cache,
    // which keeps /audio/chime.wav as immutable. A hub out of reach leaves the chime known before.
    loadChime() {
      const ctx = this.options.sound ? this.audioContext() : null;
      if (!ctx) return;
      const token = ++this.chimeToken;
      fetch(CHIME_URL, { cache: "no-store", signal: AbortSignal.timeout(START_LIMIT_MS) })
        .then(async (response) => (response.ok ? ctx.decodeAudioData(await response.arrayBuffer()) : null))
        .then((buffer) => {
          if (token === this.chimeToken) this.chimeBuffer = buffer;
        }, (err) => console.warn("the hub's chime could not be loaded", err));
    }

    // The call's WAV, fetched and decoded once per call: a promise of an AudioBuffer, asked for as
    // soon as the call is known (even while the context waits for a click: decoding needs no sound).
    prepare(item) {
      if (!this.options.sound || !item.audio_url || item.prepared) return item.prepared;
      item.prepared = this.fetchSound(item.audio_url, item.timing);
      item.prepared.catch(() => {}); // the failure is met when the call plays: the chime then
      return item.prepared;
    }

    async fetchSound(url, timing) {
      const ctx = this.audioContext();
      if (!ctx) throw new Error("this browser has no Web Audio");
      const response = await fetch(url, { signal: AbortSignal.timeout(START_LIMIT_MS) });
      if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
      const data = await response.arrayBuffer();
      timing.fetched = clock();
      const buffer = await ctx.decodeAudioData(data);
      timing.decoded = clock();
      return buffer;
    }

    // Plays a decoded sound at context time `when` (0: now) from `offset` seconds into it. Returns
    // {begin: its context time, ended: a promise of its end (on a TV whose audio clock stalls, a
    // moment after the end it should have had)}. With `timing`, notes when it started (the page's
    // clock) and when its first sample reached the output.
    start(ctx, buffer, timing, when = 0, offset = 0) {
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(ctx.destination);
      source.start(when, offset);
      // Read after start(): the audio thread renders ahead and moves currentTime in steps (a render
      // callback, ~12 ms), and the source cannot start before a time already read.
      const begin = Math.max(when, ctx.currentTime);
      const length = (begin - ctx.currentTime) + (buffer.duration - offset);
      const ended = new Promise((done) => {
        const finish = () => {
          clearTimeout(guard);
          source.onended = null;
          try {
            source.stop();
          } catch (err) {
            // already stopped
          }
          source.disconnect();
          done();
        };
        const guard = setTimeout(finish, Math.min(SOUND_LIMIT_MS, length * 1000 + END_MARGIN_MS));
        source.onended = finish;
      });
      if (timing) {
        timing.started = clock();
        this.watchOutput(ctx, begin, timing);
      }
      return { begin, ended };
    }

    // When the first sample of a sound started at context time `begin` left for the output device,
    // by the context's own output clock (getOutputTimestamp maps its time to the page's):
    // timing.output. Includes the output latency; for diagnostics and bench/click_to_sound_bench.py.
    watchOutput(ctx, begin, timing) {
      if (!ctx.getOutputTimestamp) return;
      const deadline = performance.now() + OUTPUT_WATCH_MS;
      const look = () => {
        const stamp = ctx.getOutputTimestamp();
        if (stamp.contextTime >= begin && stamp.performanceTime > 0) {
          timing.output = performance.timeOrigin + stamp.performanceTime - (stamp.contextTime - begin) * 1000;
        } else if (performance.now() < deadline) {
          setTimeout(look, 20);
        }
      };
      setTimeout(look, 20);
    }

    // "Ding-dong" from two sine tones, when the hub sends no announcement or its chime is not at hand.
    synthChime(ctx, timing) {
      const start = ctx.currentTime + 0.05;
      const tones = [[659.25, 0], [523.25, 0.6]]; // E5 then C5
      for (const [freq, offset] of tones) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = "sine";
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, start + offset);
        gain.gain.exponentialRampToValueAtTime(0.5, start + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 1.2);
        osc.connect(gain).connect(ctx.destination);
        osc.onended = () => { osc.disconnect(); gain.disconnect(); };
        osc.start(start + offset);
        osc.stop(start + offset + 1.25);
      }
      timing.started = clock();
      this.watchOutput(ctx, start, timing);
      // Timed by the page, not by the audio clock: a TV without a sound card still moves on.
      return delay(CHIME_MS);
    }

    // ------------------------------------------------------------ unlocking

    // Is sound allowed without a click? Checked at start so the overlay shows before the first call.
    probe() {
      if (!this.options.sound) return;
      const ctx = this.audioContext();
      if (ctx && ctx.state === "suspended") {
        ctx.resume().catch(() => {});
        setTimeout(() => {
          if (ctx.state === "suspended") this.setBlocked(true);
        }, 800);
      }
    }

    // Called from a click: the gesture lets the AudioContext run.
    unlock() {
      const ctx = this.options.sound ? this.audioContext() : null;
      if (ctx) ctx.resume().catch(() => {});
      this.setBlocked(false);
      this.next();
    }

    setBlocked(blocked) {
      if (this.blocked === blocked) return;
      this.blocked = blocked;
      this.options.onBlocked(blocked);
    }
  }

  // Does the decoded `buffer` start with `chime`? Their normalised correlation over the chime's length
  // (1: the same samples). The hub renders a call's chime at its voice's rate (22 050 Hz for espeak-ng
  // and the voice pack; 16 kHz for an mbrola voice), /audio/chime.wav at 22 050 Hz: alike to 0.998
  // after decoding.
  function startsWith(buffer, chime) {
    if (buffer.sampleRate !== chime.sampleRate || buffer.length < chime.length) return false;
    const a = buffer.getChannelData(0);
    const b = chime.getChannelData(0);
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < b.length; i++) {
      ab += a[i] * b[i];
      aa += a[i] * a[i];
      bb += b[i] * b[i];
    }
    return aa > 0 && bb > 0 && ab / Math.sqrt(aa * bb) >= SAME_SOUND;
  }

  function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  global.CallPlayer = CallPlayer;
})(window);
