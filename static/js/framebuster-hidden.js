// LAB_FRAMEBUSTER=hidden (OWASP's variant; see src/protections/framebuster.rs): the stylesheet
// hides the page; this script shows it only when it is not framed. No script, no page: a frame
// sandboxed without allow-scripts stays blank, and so does a browser without JavaScript.
(function () {
  "use strict";
  if (window.top === window.self) {
    document.documentElement.classList.add("unframed");
  } else {
    try {
      window.top.location = window.self.location.href;
    } catch (refused) {
      // Blocked by the browser: the page stays hidden.
    }
  }
})();
