// Subtitle editor: highlight the cue being heard, and jump to a cue. The cue rows
// carry their times as data attributes (no inline script: CSP). Keyboard: the
// player's own controls, the "Ab hier abspielen" buttons and the forms are all in
// the tab order; the highlight never moves the focus. After a cue was saved
// (HTMX swap), the player's caption track is reloaded so it shows the correction.
(function () {
  "use strict";
  var media = document.getElementById("speech-media");
  if (!media) { return; }
  var current = null;

  function rows() { return document.querySelectorAll(".cue-row"); }

  function showSeekButtons() {
    document.querySelectorAll(".cue-seek").forEach(function (button) { button.hidden = false; });
  }

  function highlight() {
    var time = media.currentTime, found = null;
    rows().forEach(function (row) {
      if (time >= parseFloat(row.dataset.start) && time < parseFloat(row.dataset.end)) { found = row; }
    });
    if (found === current) { return; }
    if (current) { current.classList.remove("is-current"); current.removeAttribute("aria-current"); }
    current = found;
    if (!found) { return; }
    found.classList.add("is-current");
    found.setAttribute("aria-current", "true");
    var editing = document.activeElement && found.parentElement.contains(document.activeElement)
      && document.activeElement.tagName === "TEXTAREA";
    if (!editing && found.scrollIntoView) { found.scrollIntoView({block: "nearest"}); }
  }

  function reloadTrack() {
    var track = media.querySelector("track");
    if (!track) { return; }
    var fresh = track.cloneNode(false);
    fresh.src = media.dataset.track + "?v=" + Date.now();
    track.replaceWith(fresh);
    fresh.track.mode = "showing";
  }

  media.addEventListener("timeupdate", highlight);
  media.addEventListener("seeked", highlight);
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".cue-seek");
    if (!button) { return; }
    media.currentTime = parseFloat(button.dataset.start) + 0.01;
    var playing = media.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    current = null;
    showSeekButtons();
    highlight();
    reloadTrack();
  });
  showSeekButtons();
})();
