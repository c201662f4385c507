// Recording a voice clip with the PC's microphone, in the page: getUserMedia and plain Web Audio (an
// AudioWorklet, recorder-worklet.js), written as a WAV file: 16-bit PCM, mono, at the sound card's rate.
// That is what the hub's voice pack takes; the hub trims the silence, evens out the loudness and
// converts the rate (audio/voicepack.py), so the recording is sent as it was heard.
//
//   const why = MppRecorder.unavailable();          // null, "insecure" (http:// on another PC) or "unsupported"
//   const rec = await MppRecorder.start({ maxSeconds, onLimit });  // throws an Error with an Indonesian message
//   rec.seconds(); rec.level();                     // for the timer and the level meter (0..1)
//   const take = await rec.stop();                  // { blob: audio/wav Blob, seconds }
//   rec.cancel();                                   // throw the recording away
(function (global) {
  "use strict";

  const WORKLET = "/static/admin/recorder-worklet.js";
  const FLUSH_MS = 1000; // the audio thread answers "flush" within a block; never wait longer than this

  function unavailable() {
    if (!global.isSecureContext) return "insecure";
    const media = navigator.mediaDevices;
    if (!media || !media.getUserMedia || !global.AudioWorkletNode) return "unsupported";
    return null;
  }

  // What the browser said about the microphone, for the staff member.
  function problemOf(err) {
    const name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return "Izin memakai mikrofon ditolak. Izinkan mikrofon untuk halaman ini (ikon di ujung kiri bilah alamat " +
        "Chromium), lalu coba lagi.";
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return "Tidak ada mikrofon yang terpasang di PC ini. Pasang mikrofon, atau unggah berkas WAV.";
    }
    if (name === "NotReadableError" || name === "AbortError") {
      return "Mikrofon tidak dapat dibuka; mungkin sedang dipakai aplikasi lain. Tutup aplikasi itu, lalu coba lagi.";
    }
    return "Mikrofon tidak dapat dipakai (" + (err && err.message ? err.message : String(err)) + ").";
  }

  async function start({ maxSeconds, onLimit }) {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (err) {
      throw new Error(problemOf(err));
    }
    const context = new AudioContext();
    let source;
    let node;
    try {
      await context.audioWorklet.addModule(WORKLET);
      await context.resume();
      source = context.createMediaStreamSource(stream);
      node = new AudioWorkletNode(context, "mpp-capture", { numberOfInputs: 1, numberOfOutputs: 1 });
    } catch (err) {
      for (const track of stream.getTracks()) track.stop();
      context.close().catch(() => {});
      throw new Error(problemOf(err));
    }
    const rate = context.sampleRate;
    const limit = Math.floor(maxSeconds * rate);
    const chunks = [];
    let frames = 0;
    let peak = 0;
    let finished = null; // resolves when the audio thread has sent everything
    let closed = false;

    node.port.onmessage = (event) => {
      const data = event.data;
      if (data.done) {
        if (finished) finished();
        return;
      }
      if (closed || frames >= limit) return;
      const block = data.samples.length > limit - frames ? data.samples.subarray(0, limit - frames) : data.samples;
      chunks.push(block);
      frames += block.length;
      peak = 0;
      for (let i = 0; i < block.length; i++) peak = Math.max(peak, Math.abs(block[i]));
      if (frames >= limit && onLimit) onLimit();
    };
    source.connect(node);
    node.connect(context.destination); // the worklet writes silence: this only keeps it running

    function release() {
      closed = true;
      for (const track of stream.getTracks()) track.stop();
      source.disconnect();
      node.disconnect();
      context.close().catch(() => {});
    }

    async function stop() {
      if (!closed) {
        await new Promise((resolve) => {
          finished = resolve;
          node.port.postMessage("flush");
          setTimeout(resolve, FLUSH_MS);
        });
        release();
      }
      return { blob: encode(chunks, rate), seconds: frames / rate };
    }

    return {
      stop,
      cancel: release,
      seconds: () => frames / rate,
      level: () => peak,
    };
  }

  // Mono float samples (-1..1) as a RIFF/WAVE file of 16-bit PCM.
  function encode(chunks, rate) {
    const frames = chunks.reduce((n, chunk) => n + chunk.length, 0);
    const view = new DataView(new ArrayBuffer(44 + frames * 2));
    const ascii = (at, text) => {
      for (let i = 0; i < text.length; i++) view.setUint8(at + i, text.charCodeAt(i));
    };
    ascii(0, "RIFF");
    view.setUint32(4, 36 + frames * 2, true);
    ascii(8, "WAVE");
    ascii(12, "fmt ");
    view.setUint32(16, 16, true); // the size of the format chunk
    view.setUint16(20, 1, true); // PCM
    view.setUint16(22, 1, true); // mono
    view.setUint32(24, rate, true);
    view.setUint32(28, rate * 2, true); // bytes per second
    view.setUint16(32, 2, true); // bytes per frame
    view.setUint16(34, 16, true); // bits per sample
    ascii(36, "data");
    view.setUint32(40, frames * 2, true);
    let at = 44;
    for (const chunk of chunks) {
      for (let i = 0; i < chunk.length; i++) {
        const s = Math.max(-1, Math.min(1, chunk[i]));
        view.setInt16(at, s < 0 ? s * 0x8000 : s * 0x7fff, true);
        at += 2;
      }
    }
    return new Blob([view.buffer], { type: "audio/wav" });
  }

  global.MppRecorder = { unavailable, start, encode };
})(window);
