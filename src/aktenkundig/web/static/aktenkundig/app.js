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

  /* Ask page, a chat: Enter sends (Shift+Enter: new line), the answer streams in as
     server-sent events from a POST, and the address follows the conversation
     (?unterhaltung=…), so reload, citations and the back button come back to it. */
  function setupAsk() {
    var form = document.getElementById("ask-form");
    if (!form || !window.fetch || !window.TextDecoder) return;
    var textarea = document.getElementById("question");
    var askButton = document.getElementById("ask-button");
    var stopButton = document.getElementById("stop-button");
    var live = document.getElementById("live");
    var liveAnswer = document.getElementById("live-answer");
    var liveText = document.getElementById("live-text");
    var liveStatus = document.getElementById("live-status");
    var errorBox = document.getElementById("ask-error");
    var answers = document.getElementById("answers");
    var controller = null;

    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        if (!askButton.disabled) form.requestSubmit();
      }
    });

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
      textarea.focus();
    });

    function remember(conversationId, question) {
      var hidden = form.querySelector("input[name=unterhaltung]");
      var isNew = !hidden;
      if (!hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = "unterhaltung";
        form.appendChild(hidden);
      }
      hidden.value = conversationId;
      var params = new URLSearchParams();
      params.set("unterhaltung", conversationId);
      var scope = form.querySelector("input[name=dokument]");
      if (scope) params.set("dokument", scope.value);
      window.history.replaceState(null, "", form.dataset.askUrl + "?" + params.toString());
      if (!isNew) return;
      var list = document.getElementById("conversation-list");
      if (!list) return;
      var empty = document.getElementById("no-conversations");
      if (empty) empty.remove();
      list.querySelectorAll("a[aria-current]").forEach(function (a) { a.removeAttribute("aria-current"); });
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = form.dataset.askUrl + "?unterhaltung=" + conversationId;
      link.textContent = question.length > 120 ? question.slice(0, 117) + "…" : question;
      link.setAttribute("aria-current", "page");
      item.appendChild(link);
      list.insertBefore(item, list.firstChild);
      var heading = document.getElementById("chat-heading");
      if (heading) heading.textContent = link.textContent;
    }

    function handle(eventName, data, question) {
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
          article.scrollIntoView({ block: "nearest" });
        }
        liveStatus.textContent = liveStatus.dataset.doneText;
        var status = document.getElementById("chat-status");
        if (status) status.textContent = liveStatus.dataset.doneText;
        remember(data.conversation_id, question);
        textarea.value = "";
        textarea.focus();
        form.scrollIntoView({ block: "nearest" });
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
      var empty = document.getElementById("chat-empty");
      if (empty) empty.remove();
      document.getElementById("live-question").textContent = question;
      liveText.textContent = "";
      liveStatus.textContent = liveStatus.dataset.busyText || liveStatus.textContent;
      liveAnswer.hidden = false;
      liveAnswer.scrollIntoView({ block: "nearest" });
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
              if (data) handle(name, JSON.parse(data), question);
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
