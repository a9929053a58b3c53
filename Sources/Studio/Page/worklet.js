// The studio's player: an AudioWorkletProcessor with a jitter buffer.
// PCM chunks (interleaved stereo Float32) arrive from the WebSocket through the port; the
// buffer starts playing once `target` seconds are queued, re-buffers after an underrun, and
// drops the oldest samples when more than `max` seconds pile up (so latency stays bounded).
// Every ~50 ms it posts the RMS and peak of what it played (the page's level meter).
class DMMPlayer extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions || {};
    this.capacity = Math.ceil(sampleRate * 2);
    this.left = new Float32Array(this.capacity);
    this.right = new Float32Array(this.capacity);
    this.read = 0; this.count = 0;
    this.target = Math.round(sampleRate * (o.target || 0.06));
    this.max = Math.round(sampleRate * (o.max || 0.25));
    this.playing = false;
    this.underruns = 0; this.dropped = 0;
    this.sum = 0; this.peak = 0; this.n = 0;
    this.port.onmessage = (e) => this.push(e.data);
  }
  push(data) {
    const s = data;   // Float32Array, interleaved stereo
    const frames = s.length >> 1;
    for (let i = 0; i < frames; i++) {
      if (this.count === this.capacity) { this.read = (this.read + 1) % this.capacity; this.count--; this.dropped++; }
      const w = (this.read + this.count) % this.capacity;
      this.left[w] = s[2 * i]; this.right[w] = s[2 * i + 1];
      this.count++;
    }
    if (this.count > this.max) {
      const drop = this.count - this.target;
      this.read = (this.read + drop) % this.capacity; this.count -= drop; this.dropped += drop;
    }
  }
  process(inputs, outputs) {
    const out = outputs[0];
    const l = out[0], r = out[1] || out[0];
    const n = l.length;
    if (!this.playing && this.count >= this.target) this.playing = true;
    for (let i = 0; i < n; i++) {
      let a = 0, b = 0;
      if (this.playing && this.count > 0) {
        a = this.left[this.read]; b = this.right[this.read];
        this.read = (this.read + 1) % this.capacity; this.count--;
      } else if (this.playing) {
        this.playing = false; this.underruns++;
      }
      l[i] = a; if (r !== l) r[i] = b;
      this.sum += a * a + b * b; this.n += 2;
      const m = Math.max(Math.abs(a), Math.abs(b)); if (m > this.peak) this.peak = m;
    }
    if (this.n >= sampleRate * 0.1) {
      this.port.postMessage({ rms: Math.sqrt(this.sum / this.n), peak: this.peak, buffered: this.count / sampleRate,
                              underruns: this.underruns, dropped: this.dropped });
      this.sum = 0; this.peak = 0; this.n = 0;
    }
    return true;
  }
}
registerProcessor('dmm-player', DMMPlayer);
