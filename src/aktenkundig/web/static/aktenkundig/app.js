/* aktenkundig – small progressive enhancements. Everything works without this
   file (plain forms and links); with it: streamed answers, drag-and-drop upload
   with progress, copy buttons, confirmations. No inline script anywhere (CSP). */
(function () {
  "use strict";

  function csrfToken() {
    return document.body.dataset.csrfToken || "";
  }

  /* Copy buttons: <button data-copy-target="id"> */
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var target = document.getElementById(button.dataset.copyTarget);
    if (!target || !navigator.clipboard) return;
    navigator.clipboard.writeText(target.innerText).then(function () {
      var label = button.textContent;
      button.textContent = document.documentElement.lang === "en" ? "Copied" : "Kopiert";
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  });

  /* Confirmation before destructive actions: <form data-confirm="..."> */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  /* Upload: drag and drop, several files, progress, then live status rows. */
  function setupUpload() {
    var form = document.getElementById("upload-form");
    if (!form) return;
    var input = document.getElementById("upload-files");
    var zone = document.getElementById("dropzone");
    var list = document.getElementById("upload-progress");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("dragover"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("dragover"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", function (e) {
      if (!input.files.length) return;
      e.preventDefault();
      var data = new FormData(form);
      var item = document.createElement("li");
      var progress = document.createElement("progress");
      progress.max = 100; progress.value = 0;
      var label = document.createElement("span");
      label.textContent = " " + Array.prototype.map.call(input.files, function (f) { return f.name; }).join(", ");
      progress.setAttribute("aria-label", label.textContent.trim());
      item.appendChild(progress); item.appendChild(label);
      list.appendChild(item);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.upload.addEventListener("progress", function (p) {
        if (p.lengthComputable) progress.value = Math.round(100 * p.loaded / p.total);
      });
      xhr.addEventListener("load", function () {
        progress.value = 100;
        var results = [];
        try { results = JSON.parse(xhr.responseText).results || []; } catch (err) { results = []; }
        label.textContent = " " + results.map(function (r) {
          return r.ok ? r.name + " ✓" : (r.name ? r.name + ": " : "") + r.error;
        }).join(" · ");
        form.reset();
        refreshRows(form.dataset.rowsUrl);
      });
      xhr.addEventListener("error", function () {
        label.textContent = " " + (document.documentElement.lang === "en" ? "Upload failed." : "Hochladen fehlgeschlagen.");
      });
      xhr.send(data);
    });
  }

  function refreshRows(url) {
    var rows = document.getElementById("document-rows");
    if (rows && window.htmx) {
      window.htmx.ajax("GET", url + window.location.search, { target: rows, swap: "outerHTML" });
    }
  }

  /* Ask page: stream the answer as server-sent events from a POST. */
  function setupAsk() {
    var form = document.getElementById("ask-form");
    if (!form || !window.fetch || !window.TextDecoder) return;
    var askButton = document.getElementById("ask-button");
    var stopButton = document.getElementById("stop-button");
    var live = document.getElementById("live");
    var liveAnswer = document.getElementById("live-answer");
    var liveText = document.getElementById("live-text");
    var liveStatus = document.getElementById("live-status");
    var errorBox = document.getElementById("ask-error");
    var answers = document.getElementById("answers");
    var controller = null;

    function finish() {
      askButton.disabled = false;
      stopButton.hidden = true;
      live.setAttribute("aria-busy", "false");
      controller = null;
    }

    stopButton.addEventListener("click", function () {
      if (controller) controller.abort();
      liveStatus.textContent = liveStatus.dataset.stoppedText;
      finish();
    });

    function handle(eventName, data) {
      if (eventName === "delta") {
        liveText.textContent += data.text;
      } else if (eventName === "done") {
        var holder = document.createElement("div");
        holder.innerHTML = data.html || "";
        var article = holder.firstElementChild;
        liveAnswer.hidden = true;
        liveText.textContent = "";
        if (article) {
          answers.appendChild(article);
          if (window.htmx) window.htmx.process(article);
        }
        liveStatus.textContent = liveStatus.dataset.doneText;
        var hidden = form.querySelector("input[name=unterhaltung]");
        if (!hidden) {
          hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = "unterhaltung";
          form.appendChild(hidden);
        }
        hidden.value = data.conversation_id;
        form.querySelector("textarea").value = "";
        if (article) {
          var heading = article.querySelector(".question");
          if (heading) { heading.tabIndex = -1; heading.focus(); }
        }
      } else if (eventName === "error") {
        errorBox.textContent = data.message;
        liveAnswer.hidden = true;
      }
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      errorBox.textContent = "";
      var body = new FormData(form);
      var question = (body.get("question") || "").trim();
      if (!question) { form.reportValidity(); return; }
      document.getElementById("live-question").textContent = question;
      liveText.textContent = "";
      liveAnswer.hidden = false;
      live.setAttribute("aria-busy", "true");
      askButton.disabled = true;
      stopButton.hidden = false;
      controller = new AbortController();
      fetch(form.dataset.streamUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrfToken(), "Accept": "text/event-stream" },
        signal: controller.signal,
        credentials: "same-origin"
      }).then(function (response) {
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) { finish(); return; }
            buffer += decoder.decode(chunk.value, { stream: true });
            var parts = buffer.split("\n\n");
            buffer = parts.pop();
            parts.forEach(function (block) {
              var name = "message", data = "";
              block.split("\n").forEach(function (line) {
                if (line.indexOf("event: ") === 0) name = line.slice(7);
                else if (line.indexOf("data: ") === 0) data += line.slice(6);
              });
              if (data) handle(name, JSON.parse(data));
            });
            return pump();
          });
        }
        return pump();
      }).catch(function (err) {
        if (err.name !== "AbortError") {
          errorBox.textContent = document.documentElement.lang === "en"
            ? "The connection was interrupted. Please try again."
            : "Die Verbindung wurde unterbrochen. Bitte versuchen Sie es erneut.";
        }
        finish();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupUpload();
    setupAsk();
  });
})();
