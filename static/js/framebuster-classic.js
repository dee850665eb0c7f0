// LAB_FRAMEBUSTER=classic (see src/protections/framebuster.rs): when framed, blank the page and
// try to take over the top window. Chromium (156) and Firefox (153 ESR) refuse that navigation from a
// cross-origin frame without a user gesture, so the page just stays blank (Firefox 140 ESR let it). A frame sandboxed without
// allow-scripts never runs this file at all: the page then renders normally.
(function () {
  "use strict";
  if (window.top !== window.self) {
    document.documentElement.classList.add("framed");
    try {
      window.top.location = window.self.location.href;
    } catch (refused) {
      // Blocked by the browser: the blank page is all that is left.
    }
  }
})();
