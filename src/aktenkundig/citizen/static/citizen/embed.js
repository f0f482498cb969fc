/* Puts the citizen chat of one tenant on a municipality's website:
   <script src="https://ki.example.de/buerger/embed.js" data-tenant="musterstadt" async></script>
   Optional: data-target="element-id", data-height="640", data-title="...".
   The chat runs in an iframe from our origin; the tenant's allowed origins
   decide (CSP frame-ancestors) which websites may show it. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var tenant = script.getAttribute("data-tenant") || "";
  if (!/^[-a-zA-Z0-9_]+$/.test(tenant)) { return; }
  var source = new URL(script.src, document.baseURI);
  var base = source.pathname.replace(/embed\.js$/, "");
  var frame = document.createElement("iframe");
  frame.src = source.origin + base + encodeURIComponent(tenant) + "/?embed=1";
  frame.title = script.getAttribute("data-title") || "Chat mit dem KI-Assistenten der Verwaltung";
  frame.setAttribute("sandbox", "allow-scripts allow-forms allow-same-origin allow-popups allow-popups-to-escape-sandbox");
  frame.setAttribute("referrerpolicy", "no-referrer");
  frame.style.width = "100%";
  frame.style.maxWidth = "48rem";
  frame.style.height = (parseInt(script.getAttribute("data-height"), 10) || 640) + "px";
  frame.style.border = "1px solid #767676";
  frame.style.borderRadius = "4px";
  var targetId = script.getAttribute("data-target");
  var target = targetId ? document.getElementById(targetId) : null;
  if (target) {
    target.appendChild(frame);
  } else if (script.parentNode) {
    script.parentNode.insertBefore(frame, script.nextSibling);
  }
})();
