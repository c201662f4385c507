// The audio thread's half of the recorder (recorder.js): passes the microphone's samples, mixed to mono,
// to the page in blocks of BLOCK frames. "flush" sends what is left, then "done".
const BLOCK = 2048; // ~43 ms at 48 kHz: few messages, and the level meter still moves smoothly

class MppCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.buffer = new Float32Array(BLOCK);
    this.filled = 0;
    this.open = true;
    this.port.onmessage = (event) => {
      if (event.data !== "flush") return;
      this.send();
      this.port.postMessage({ done: true });
      this.open = false;
    };
  }

  send() {
    if (this.filled === 0) return;
    const block = this.buffer.slice(0, this.filled);
    this.port.postMessage({ samples: block }, [block.buffer]);
    this.filled = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!this.open) return false;
    if (!channels || channels.length === 0) return true;
    const frames = channels[0].length;
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      this.buffer[this.filled++] = sum / channels.length;
      if (this.filled === BLOCK) this.send();
    }
    return true;
  }
}

registerProcessor("mpp-capture", MppCapture);
