// Live console: microphone -> 16 kHz int16 -> ingest WebSocket; the correction
// list (all lines, unsure words marked, edit text and speaker, release held lines)
// over the correction WebSocket. Keyboard: every control is a form field or button;
// Enter in a line's text field saves it.
(function () {
  "use strict";
  const root = document.getElementById("live-console");
  if (!root) return;
  const texts = document.getElementById("live-texts").dataset;
  const speakers = JSON.parse(document.getElementById("live-speakers").textContent);
  const list = document.getElementById("live-lines");
  const correctStatus = document.getElementById("correct-status");
  const items = new Map();
  let correct = null;

  function wsUrl(path) {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }

  function send(command) {
    if (correct && correct.readyState === WebSocket.OPEN) correct.send(JSON.stringify(command));
  }

  function element(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clock(seconds) {
    const s = Math.floor(seconds);
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
  }

  function wordsView(line) {
    const view = element("p", { className: "line-words" });
    const unsure = (line.words || []).filter(function (w) { return w.p < 0.5; });
    if (!unsure.length || line.corrected) return null;
    view.appendChild(document.createTextNode(texts.unsure + ": "));
    unsure.forEach(function (w, i) {
      if (i) view.appendChild(document.createTextNode(", "));
      view.appendChild(element("mark", { textContent: w.text }));
    });
    return view;
  }

  function render(line) {
    const id = "line-" + line.index;
    const state = line.released ? texts.shown : texts.held;
    const meta = element("p", { className: "line-meta" }, [
      texts.line + " " + (line.index + 1) + " · " + clock(line.start) + " · " + state +
      (line.corrected ? " · " + texts.corrected : ""),
    ]);
    const input = element("input", { type: "text", id: id + "-text", value: line.text, maxLength: 300 });
    const select = element("select", { id: id + "-speaker" });
    select.appendChild(element("option", { value: "", textContent: texts.nobody }));
    speakers.forEach(function (name) {
      select.appendChild(element("option", { value: name, textContent: name, selected: name === line.speaker }));
    });
    const save = element("button", { type: "submit", textContent: texts.save });
    const form = element("form", { className: "line-edit" }, [
      element("div", { className: "field" }, [
        element("label", { htmlFor: id + "-text", textContent: texts.text + " " + (line.index + 1) }), input]),
      element("div", { className: "field" }, [
        element("label", { htmlFor: id + "-speaker", textContent: texts.speaker }), select]),
      save,
    ]);
    if (!line.released) {
      const release = element("button", { type: "button", className: "secondary", textContent: texts.release });
      release.addEventListener("click", function () { send({ action: "release", index: line.index }); });
      form.appendChild(release);
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send({ action: "edit", index: line.index, text: input.value, speaker: select.value });
    });
    const item = element("li", { id: id, className: line.released ? "" : "held" }, [meta]);
    const words = wordsView(line);
    if (words) item.appendChild(words);
    item.appendChild(form);
    const old = items.get(line.index);
    if (old) {
      // Keep a person's unsaved edit (and focus) when the server sends the line again.
      const active = old.contains(document.activeElement) ? document.activeElement.id : null;
      if (active) return updateMeta(old, meta, line);
      old.replaceWith(item);
    } else {
      const after = Array.from(items.keys()).filter(function (k) { return k > line.index; });
      if (after.length) list.insertBefore(item, items.get(Math.min.apply(null, after)));
      else list.appendChild(item);
      const empty = document.getElementById("no-lines");
      if (empty) empty.remove();
    }
    items.set(line.index, item);
  }

  function updateMeta(old, meta, line) {
    old.querySelector(".line-meta").replaceWith(meta);
    old.className = line.released ? "" : "held";
  }

  function connectCorrect() {
    correct = new WebSocket(wsUrl(root.dataset.correctUrl));
    correct.onmessage = function (event) {
      const data = JSON.parse(event.data);
      if (data.type === "line") {
        const known = items.get(data.index);
        render(data);
        if (known && document.activeElement && document.activeElement.closest("form.line-edit") === null) {
          correctStatus.textContent = "";
        }
      } else if (data.type === "error") {
        correctStatus.textContent = data.message;
      }
    };
    correct.onclose = function (event) {
      if (event.code === 4403 || event.code === 4404) return;
      correctStatus.textContent = texts.lost;
      setTimeout(connectCorrect, 2000);
    };
  }
  const releaseAll = document.getElementById("release-all");  // only with a release delay
  if (releaseAll) {
    releaseAll.addEventListener("click", function () {
      send({ action: "release" });
    });
  }
  connectCorrect();

  // -- microphone ------------------------------------------------------------
  const start = document.getElementById("mic-start");
  const stop = document.getElementById("mic-stop");
  const micStatus = document.getElementById("mic-status");
  if (!start) return;
  let capture = null;

  async function startCapture() {
    start.disabled = true;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: true, autoGainControl: true },
      });
      const context = new AudioContext({ sampleRate: 16000 });
      await context.audioWorklet.addModule(root.dataset.worklet);
      const source = context.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(context, "pcm-sender");
      const socket = new WebSocket(wsUrl(root.dataset.ingestUrl));
      socket.binaryType = "arraybuffer";
      node.port.onmessage = function (event) {
        if (socket.readyState === WebSocket.OPEN) socket.send(event.data);
      };
      socket.onmessage = function (event) {
        const data = JSON.parse(event.data);
        if (data.type === "error") micStatus.textContent = data.message;
        else if (data.type === "started") micStatus.textContent = texts.listening;
      };
      socket.onclose = function () { stopCapture(false); };
      source.connect(node);
      capture = { stream: stream, context: context, socket: socket };
      stop.disabled = false;
    } catch (error) {
      micStatus.textContent = texts.denied;
      start.disabled = false;
    }
  }

  function stopCapture(byUser) {
    if (!capture) return;
    const c = capture;
    capture = null;
    c.stream.getTracks().forEach(function (t) { t.stop(); });
    c.context.close();
    if (c.socket.readyState === WebSocket.OPEN) c.socket.close();
    start.disabled = false;
    stop.disabled = true;
    if (byUser) micStatus.textContent = texts.off;
  }

  start.addEventListener("click", startCapture);
  stop.addEventListener("click", function () { stopCapture(true); });
})();
