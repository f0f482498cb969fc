/* Progressive enhancement of the citizen chat: without this file the page
   works as plain form posts. No inline script (CSP), no cookies, no tracking. */
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var log = document.getElementById("conversation");
  if (!form || !log || !window.fetch || !window.FormData) {
    return;
  }

  function openHandover() {
    var details = document.getElementById("handover");
    if (!details) { return; }
    details.open = true;
    var contact = document.getElementById("contact");
    if (contact) { contact.focus(); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-open-handover]");
    if (!link) { return; }
    event.preventDefault();
    openHandover();
  });

  function setToken(token) {
    if (!token) { return; }
    var inputs = document.querySelectorAll("input[name=token]");
    for (var i = 0; i < inputs.length; i++) { inputs[i].value = token; }
  }

  function clearErrors() {
    var old = document.querySelectorAll(".chat > .error, #conversation > .error");
    for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
  }

  function post(target, submitter, extra) {
    var data = new FormData(target);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    // The last message shown: the answer then also brings staff replies since.
    for (var key in extra || {}) { data.append(key, extra[key]); }
    return fetch(target.action, {
      method: "POST",
      body: data,
      credentials: "omit",
      headers: { "X-Requested-With": "fetch" }
    });
  }

  // As in every chat: Enter sends, Shift+Enter starts a new line (not while an input
  // method composes a character).
  var message = document.getElementById("message");
  if (message) {
    message.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        var button = form.querySelector("button[type=submit]");
        if (!button || !button.disabled) { form.requestSubmit(); }
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    clearErrors();
    var last = log.lastElementChild;
    var seen = last && /^m\d+$/.test(last.id) ? last.id.slice(1) : "";
    post(form, null, seen ? { seen: seen } : null).then(function (response) {
      return response.text().then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        var turn = template.content.querySelector("[data-turn]");
        if (!turn) { throw new Error("unexpected response"); }
        setToken(turn.getAttribute("data-token"));
        // Only the turn's own messages: a source list inside an answer is an
        // <ol> too, and its items must stay where they are.
        var list = turn.querySelector(":scope > ol");
        var items = list ? Array.prototype.slice.call(list.children) : [];
        for (var i = 0; i < items.length; i++) { log.appendChild(items[i]); }
        var error = turn.querySelector(".error");
        if (error) { form.parentNode.insertBefore(error, form); }
        if (response.ok) { form.elements.message.value = ""; }
        var last = log.lastElementChild;
        if (last && last.scrollIntoView) { last.scrollIntoView({ block: "nearest" }); }
        // Asked for a person: the hand-over form opens, ready to fill in.
        if (last && last.querySelector("[data-outcome=handover]")) {
          openHandover();
          return;
        }
        form.elements.message.focus();
      });
    }).catch(function () {
      form.submit();
    }).then(function () {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    });
  });

  log.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("feedback")) { return; }
    event.preventDefault();
    post(target, event.submitter).then(function (response) {
      if (!response.ok) { throw new Error("feedback failed"); }
      var thanks = document.createElement("p");
      thanks.className = "status";
      thanks.setAttribute("role", "status");
      thanks.textContent = target.getAttribute("data-thanks") || "Danke für Ihre Rückmeldung.";
      target.parentNode.replaceChild(thanks, target);
    }).catch(function () { target.submit(); });
  });
})();
