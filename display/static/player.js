// The call player of the TV display: one call at a time, never overlapping.
//
// Each call first gets its visual cue (the display flashes the number), then its sound:
// the hub's WAV (chime + spoken words) when the event carries `announcement.audio_url`,
// otherwise a chime synthesised here with WebAudio. The next call starts only when both
// the cue time and the sound are over. Played calls are remembered in localStorage, keyed by
// ticket, call time and call count (never by seq, which a new hub database restarts), so a
// replay after a reconnect is not spoken twice.
//
// State for tests and diagnostics: window.displayPlayer =
//   {queue, playing, played: [{seq, ticket_id, number, counter, audio_url, kind, sound,
//    started_at, ended_at}], skipped: [{seq, number, reason}], blocked}
(function (global) {
  "use strict";

  const CUE_MS = 4000; // the number stays highlighted at least this long
  const SOUND_LIMIT_MS = 30000; // a sound that never reports its end is cut off
  const START_LIMIT_MS = 15000; // an announcement that does not start by then gives way to the chime
  const MAX_QUEUE = 20; // calls waiting to be played; older ones are dropped (the screen still shows them)
  const MAX_LOG = 50; // entries kept in `played` and `skipped`
  const REMEMBER = 300; // played calls kept in localStorage

  class CallPlayer {
    constructor(options) {
      this.options = options; // {storageKey, sound, isFresh(item), onCue(item), onCueEnd(item), onSpeaking(bool), onBlocked(bool)}
      this.queue = [];
      this.playing = null;
      this.played = [];
      this.skipped = [];
      this.blocked = false;
      this.audio = null; // one <audio> element for the whole page life
      this.context = null; // one AudioContext for the whole page life
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
      this.queue.push(item);
      while (this.queue.length > MAX_QUEUE) this.skip(this.queue.shift(), "queue-full");
      this.next();
    }

    // A new day: nothing of yesterday is still worth announcing.
    clear() {
      while (this.queue.length) this.skip(this.queue.shift(), "new-day");
    }

    skip(item, reason) {
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
    }

    async play(item) {
      const entry = {
        seq: item.seq, ticket_id: item.ticket_id, number: item.number, counter: item.counter,
        audio_url: item.audio_url, kind: item.kind, sound: "none", started_at: Date.now(), ended_at: null,
      };
      this.playing = entry;
      this.options.onCue(item);
      const cue = delay(CUE_MS);
      let sound = null;
      if (this.options.sound) {
        try {
          sound = await this.sound(item, entry);
        } catch (err) {
          if (err && err.name === "NotAllowedError") {
            // The browser wants a click first: keep the call at the head of the queue.
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

    // Starts the call's sound; resolves to a promise of its end once it is really playing.
    async sound(item, entry) {
      this.options.onSpeaking(true);
      if (item.audio_url) {
        try {
          const ended = await this.playUrl(item.audio_url);
          entry.sound = "announcement";
          return ended;
        } catch (err) {
          if (err && err.name === "NotAllowedError") throw err;
          console.warn("announcement could not be played, using the chime", item.audio_url, err);
        }
      }
      const ended = await this.chime();
      entry.sound = "chime";
      return ended;
    }

    // Resolves, once the sound is really playing, to a promise of its end; rejects when it cannot start.
    playUrl(url) {
      if (!this.audio) this.audio = new Audio();
      const audio = this.audio;
      return new Promise((resolve, reject) => {
        let settle;
        const ended = new Promise((done) => { settle = done; });
        let phase = "starting"; // then "playing", then "over"
        let guard = null;
        const over = () => {
          phase = "over";
          clearTimeout(guard);
          audio.onended = audio.onerror = null;
        };
        const fail = (err) => {
          const wasPlaying = phase === "playing";
          over();
          audio.removeAttribute("src"); // stop a download still running
          audio.load();
          if (wasPlaying) settle(); else reject(err);
        };
        guard = setTimeout(() => fail(new Error("announcement did not start: " + url)), START_LIMIT_MS);
        audio.onended = () => {
          over();
          settle();
        };
        audio.onerror = () => fail(new Error("audio error " + (audio.error ? audio.error.code : "?")));
        audio.src = url;
        audio.play().then(() => {
          if (phase === "starting") {
            phase = "playing";
            clearTimeout(guard);
            guard = setTimeout(() => fail(null), SOUND_LIMIT_MS);
          }
          resolve(ended); // no effect when it already failed
        }, (err) => {
          if (phase === "over") return;
          over();
          reject(err);
        });
      });
    }

    // "Ding-dong" from two sine tones; no sound file needed.
    async chime() {
      const Context = global.AudioContext || global.webkitAudioContext;
      if (!Context) return delay(0);
      if (!this.context) this.context = new Context();
      const ctx = this.context;
      if (ctx.state !== "running") {
        await Promise.race([ctx.resume().catch(() => {}), delay(500)]);
        if (ctx.state !== "running") {
          const err = new Error("audio context suspended");
          err.name = "NotAllowedError";
          throw err;
        }
      }
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
      // Timed by the page, not by the audio clock: a TV without a sound card still moves on.
      return delay(1900);
    }

    // Is sound allowed without a click? Checked at start so the overlay shows before the first call.
    probe() {
      if (!this.options.sound) return;
      const Context = global.AudioContext || global.webkitAudioContext;
      if (!Context) return;
      if (!this.context) this.context = new Context();
      if (this.context.state === "suspended") {
        this.context.resume().catch(() => {});
        setTimeout(() => {
          if (this.context.state === "suspended") this.setBlocked(true);
        }, 800);
      }
    }

    // Called from a click: the gesture lets both WebAudio and the <audio> element play.
    unlock() {
      if (!this.audio) this.audio = new Audio();
      if (this.context) this.context.resume().catch(() => {});
      this.setBlocked(false);
      this.next();
    }

    setBlocked(blocked) {
      if (this.blocked === blocked) return;
      this.blocked = blocked;
      this.options.onBlocked(blocked);
    }
  }

  function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  global.CallPlayer = CallPlayer;
})(window);
