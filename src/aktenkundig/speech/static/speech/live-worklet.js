// AudioWorklet: microphone samples at the context's rate -> 16 kHz int16, posted
// in 100 ms chunks to the page, which sends them over the WebSocket.
class PcmSender extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / 16000;
    this.position = 0;
    this.out = new Int16Array(1600);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    // Linear interpolation; Chrome usually gives 16 kHz directly (ratio 1).
    while (this.position < channel.length - 1) {
      const i = Math.floor(this.position);
      const frac = this.position - i;
      const value = channel[i] * (1 - frac) + channel[i + 1] * frac;
      this.out[this.filled++] = Math.max(-32768, Math.min(32767, Math.round(value * 32767)));
      if (this.filled === this.out.length) {
        this.port.postMessage(this.out.buffer.slice(0));
        this.filled = 0;
      }
      this.position += this.ratio;
    }
    this.position -= channel.length;
    if (this.position < 0) this.position = 0;
    return true;
  }
}

registerProcessor("pcm-sender", PcmSender);
