// Audience view: released caption lines from the WebSocket, shown at most two
// lines at a time and each long enough to read (17 characters a second, at least
// a second); font size and contrast can be switched. Nothing is stored.
(function () {
  "use strict";
  const body = document.getElementById("audience");
  const caption = document.getElementById("caption");
  const queue = [];
  let shownUntil = 0;
  let current = null;
  let size = 2;
  let retry = 1000;

  function status(text) {
    caption.replaceChildren();
    const p = document.createElement("p");
    p.className = "caption-status";
    p.id = "caption-status";
    p.textContent = text;
    caption.appendChild(p);
  }

  function render(line) {
    caption.replaceChildren();
    const p = document.createElement("p");
    line.lines.forEach(function (text, i) {
      if (i) p.appendChild(document.createTextNode(" "));
      const row = document.createElement("span");
      row.className = "caption-line";
      row.textContent = text;
      p.appendChild(row);
    });
    caption.appendChild(p);
    current = line;
    const chars = line.lines.join(" ").length;
    shownUntil = Date.now() + Math.max(1000, chars / 17 * 1000);
  }

  function pump() {
    if (!queue.length || Date.now() < shownUntil) return;
    // Falling behind (more than two captions waiting): skip to stay current.
    while (queue.length > 2) queue.shift();
    render(queue.shift());
  }

  function receive(line) {
    if (current && line.index === current.index) { render(line); return; }  // a correction
    const waiting = queue.findIndex(function (q) { return q.index === line.index; });
    if (waiting >= 0) { queue[waiting] = line; return; }
    if (current && line.index < current.index) return;  // an old line corrected later
    queue.push(line);
    queue.sort(function (a, b) { return a.index - b.index; });
    pump();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + body.dataset.url);
    socket.onopen = function () { retry = 1000; if (!current) status(body.dataset.waiting); };
    socket.onmessage = function (event) {
      const data = JSON.parse(event.data);
      if (data.type === "line") receive(data);
      else if (data.type === "stopped") status(body.dataset.stopped);
    };
    socket.onclose = function (event) {
      if (event.code === 4404) return;
      if (event.code === 4403) { status(body.dataset.stopped); }
      else if (!current) { status(body.dataset.lost); }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  document.getElementById("larger").addEventListener("click", function () {
    body.classList.remove("size-" + size); size = Math.min(4, size + 1); body.classList.add("size-" + size);
  });
  document.getElementById("smaller").addEventListener("click", function () {
    body.classList.remove("size-" + size); size = Math.max(1, size - 1); body.classList.add("size-" + size);
  });
  const contrast = document.getElementById("contrast");
  contrast.addEventListener("click", function () {
    const light = body.classList.toggle("theme-light");
    body.classList.toggle("theme-dark", !light);
    contrast.setAttribute("aria-pressed", light ? "true" : "false");
  });
  setInterval(pump, 250);
  connect();
})();
