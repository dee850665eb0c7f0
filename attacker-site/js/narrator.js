// The lab's narrator on an attack page (not part of the attack): asks this site's /narrator what
// the bank did for this attack since the page opened, and shows it here, where the trainee
// looks: a landed transfer, or a refusal that would otherwise stay hidden inside the frame.
(function () {
  "use strict";
  var me = document.currentScript;
  var scenario = me && me.getAttribute("data-scenario");
  if (!scenario) {
    return;
  }
  var POLL_MS = 1000;
  var STOP_AFTER_MS = 30 * 60 * 1000;
  var started = Date.now();
  var after = null;

  var panel = document.createElement("aside");
  panel.className = "narrator";
  panel.id = "narrator";
  panel.setAttribute("aria-live", "polite");
  panel.setAttribute("data-outcome", "waiting");
  var title = document.createElement("h2");
  title.textContent = "What the bank did (the lab's narrator, not part of the attack)";
  var list = document.createElement("ol");
  list.reversed = true;
  var waiting = document.createElement("p");
  waiting.className = "waiting";
  waiting.textContent = "Nothing yet: make the click the page asks for, and the lab tells here what the bank did.";
  panel.appendChild(title);
  panel.appendChild(waiting);
  panel.appendChild(list);

  function show(event) {
    var li = document.createElement("li");
    li.setAttribute("data-kind", event.kind);
    li.textContent = event.text;
    // The newest first: the box keeps its height, so the latest news is the one in view.
    list.insertBefore(li, list.firstChild);
    waiting.hidden = true;
    if (event.kind === "landed" || event.kind === "refused") {
      panel.setAttribute("data-outcome", event.kind);
    }
  }

  function poll() {
    var url = "/narrator?scenario=" + encodeURIComponent(scenario) + (after === null ? "" : "&after=" + after);
    fetch(url, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        (answer.events || []).forEach(show);
        after = answer.events && answer.events.length ? answer.events[answer.events.length - 1].seq :
          (after === null ? answer.last : after);
      })
      .catch(function () { /* the lab stopped: try again on the next tick */ })
      .then(function () {
        if (Date.now() - started < STOP_AFTER_MS) {
          setTimeout(poll, POLL_MS);
        }
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var bar = document.querySelector(".lab-bar");
    if (bar && bar.parentNode) {
      bar.parentNode.insertBefore(panel, bar.nextSibling);
    } else {
      document.body.insertBefore(panel, document.body.firstChild);
    }
  });
  poll();
})();
