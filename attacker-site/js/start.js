// The start page: asks the visitor's own browser whether it trusts the lab CA (an image from the
// lab's HTTPS origin that asks for no certificate) and whether it presents a certificate the bank
// accepts (an image from the bank: it loads only if the handshake succeeds, and the bank notes
// what it saw under this page's nonce, read back from this site). Then says which step is missing.
(function () {
  "use strict";
  var WAIT_MS = 10000;
  var setup = null;

  function $(id) { return document.getElementById(id); }

  function nonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // Resolves true when the image loads, false when it fails or takes longer than WAIT_MS.
  function loads(url) {
    return new Promise(function (resolve) {
      var img = new Image();
      var timer = setTimeout(function () { img.src = ""; resolve(false); }, WAIT_MS);
      img.onload = function () { clearTimeout(timer); resolve(true); };
      img.onerror = function () { clearTimeout(timer); resolve(false); };
      img.src = url;
    });
  }

  function mark(id, state, text) {
    var li = $(id);
    li.setAttribute("data-state", state);
    li.querySelector(".mark").textContent = { ok: "✔", failed: "✘", skipped: "–", pending: "…" }[state];
    if (text) {
      li.querySelector(".label").textContent = text;
    }
  }

  var browser = (function () {
    var ua = navigator.userAgent;
    var engine = /Firefox\//.test(ua) ? "firefox" : (/Chrom(e|ium)\//.test(ua) ? "chromium" : "other");
    var os = /Mac OS X|Macintosh/.test(ua) ? "macos" : (/Windows/.test(ua) ? "windows" : "linux");
    return { engine: engine, os: os };
  })();

  // Builders of the advice: paragraphs and command blocks, as DOM nodes (no HTML strings).
  function para(text) { var p = document.createElement("p"); p.textContent = text; return p; }
  function code(text) {
    var pre = document.createElement("pre");
    var c = document.createElement("code");
    c.textContent = text;
    pre.appendChild(c);
    return pre;
  }
  function link(text, href) {
    var p = document.createElement("p");
    var a = document.createElement("a");
    a.className = "open-lab";
    a.id = "open-lab";
    a.href = href;
    a.textContent = text;
    p.appendChild(a);
    return p;
  }

  function file(name) { return setup.certs_dir.replace(/\/?$/, "/") + name; }
  var NSS = "sql:$HOME/.pki/nssdb";

  function trustCa() {
    var out = [];
    if (browser.engine === "chromium" && browser.os === "linux") {
      out.push(para("Chromium on Linux reads its certificates from ~/.pki/nssdb. Create it if it is new, trust the " +
        "lab CA for websites, then quit Chromium completely and start it again (apt-get install -y libnss3-tools " +
        "gives certutil):"));
      out.push(code("mkdir -p ~/.pki/nssdb && [ -e ~/.pki/nssdb/cert9.db ] || certutil -d " + NSS + " -N --empty-password\n" +
        "certutil -d " + NSS + " -A -t \"C,,\" -n clickjack-lab-ca -i " + file("ca.crt")));
      out.push(para("Or in Chromium: Settings → Privacy and security → Security → Manage certificates → Local " +
        "certificates (chrome://certificate-manager) → Custom → Trusted certificates → Import " + file("ca.crt") + "."));
    } else if (browser.engine === "chromium" && browser.os === "macos") {
      out.push(para("Chrome on macOS uses the keychain: open " + file("ca.crt") + " in Keychain Access (login " +
        "keychain), double-click the clickjack-lab CA, set Trust → When using this certificate → Always Trust."));
    } else if (browser.engine === "chromium") {
      out.push(para("Chrome and Edge on Windows use the Windows store: import the CA for your user only, then " +
        "restart the browser:"));
      out.push(code("certutil -user -addstore Root " + file("ca.crt")));
    } else if (browser.engine === "firefox") {
      out.push(para("Firefox: Settings → Privacy & Security → Certificates → View Certificates… → Authorities → " +
        "Import… → " + file("ca.crt") + " → tick \"Trust this CA to identify websites\" → OK."));
    } else {
      out.push(para("This browser is neither Chromium nor Firefox, the two engines the lab is measured in. Import " +
        file("ca.crt") + " as a trusted authority for websites, or use the ready-made browser below."));
    }
    return out;
  }

  function importCertificate() {
    var p12 = file("alice.p12");
    var out = [];
    if (browser.engine === "chromium" && browser.os === "linux") {
      out.push(para("Import alice's certificate (bob.p12 and mallory.p12 are the others; the password is " +
        setup.p12_password + "), then quit Chromium completely and start it again:"));
      out.push(code("pk12util -d " + NSS + " -i " + p12 + " -W " + setup.p12_password));
      out.push(para("Or Settings → Privacy and security → Security → Manage certificates → Your certificates → " +
        "Import. When Chromium asks which certificate to present to the bank, choose alice's."));
    } else if (browser.engine === "chromium") {
      out.push(para("Open " + p12 + " (password " + setup.p12_password + ") to import it into the " +
        (browser.os === "macos" ? "login keychain" : "Windows personal store") + ", restart the browser, and " +
        "choose alice's certificate when it asks."));
    } else if (browser.engine === "firefox") {
      out.push(para("Firefox: Settings → Privacy & Security → Certificates → View Certificates… → Your " +
        "Certificates → Import… → " + p12 + " (password " + setup.p12_password + "). When Firefox asks which " +
        "certificate to present, choose alice's (tick \"Remember this decision\")."));
    } else {
      out.push(para("Import " + p12 + " (password " + setup.p12_password + ") as a personal certificate."));
    }
    out.push(para("Imported one already? It may be from before a `clickjack-lab certs --new-ca`, or revoked: the " +
      "bank then refuses it in the handshake. Remove it and import the current file. A certificate prompt you " +
      "dismissed is remembered until the browser restarts."));
    return out;
  }

  function quickest() {
    return [para("Or skip all of this: run `cargo run --release -- browser` in the lab's folder for a ready-made " +
      "browser.")];
  }

  function verdict(state, title, nodes) {
    var box = $("start-verdict");
    box.setAttribute("data-state", state);
    $("verdict-title").textContent = title;
    var body = $("verdict-body");
    body.textContent = "";
    nodes.forEach(function (n) { body.appendChild(n); });
  }

  function judge(ca, reached, finding) {
    var bank = setup.bank_origin;
    if (!ca) {
      mark("check-ca", "failed");
      mark("check-certificate", "skipped");
      mark("check-user", "skipped");
      return verdict("no-ca", "Step missing: your browser does not trust the lab's CA",
        [para("The bank's server certificate is issued by the lab's own CA (" + file("ca.crt") + "). Your browser " +
          "does not know it, so it refuses every HTTPS page of the lab before a client certificate even comes up.")]
          .concat(trustCa(), quickest()));
    }
    mark("check-ca", "ok");
    if (!reached) {
      mark("check-certificate", "failed");
      mark("check-user", "skipped");
      return verdict("no-certificate", "Step missing: your browser presents no certificate the bank accepts",
        [para("Your browser trusts the lab CA, but the bank (" + bank + ", LAB_MTLS=" + setup.mtls + ") could not " +
          "complete its handshake with it: no client certificate was presented, or one the bank refuses.")]
          .concat(importCertificate(), quickest()));
    }
    if (!finding.certificate) {
      mark("check-certificate", setup.mtls === "off" ? "skipped" : "failed");
      if (finding.user) {
        mark("check-user", "ok");
        return verdict("password", "Ready, signed in by password as " + finding.user,
          [para("No certificate was presented; you are signed in with a password session (LAB_MTLS=" + setup.mtls +
            "). The attacks about certificates need one: see below."), link("Open the lab", bank + "/lab")]
            .concat(setup.mtls === "off" ? [] : importCertificate()));
      }
      mark("check-user", "skipped");
      if (setup.mtls === "off") {
        return verdict("password", "This lab runs without client certificates (LAB_MTLS=off)",
          [para("Sign in with a password (alice / alice-pass) on the bank, then open the lab."),
            link("Sign in to the bank", bank + "/login")]);
      }
      return verdict("no-certificate", "Step missing: your browser presents no certificate",
        [para("The bank answered, but no client certificate came with the request (LAB_MTLS=" + setup.mtls +
          " lets a visitor without one through to the password sign-in).")].concat(importCertificate(), quickest()));
    }
    mark("check-certificate", "ok", "Your browser presents a certificate for \"" + finding.certificate + "\".");
    if (finding.problem) {
      mark("check-user", "failed");
      var why = {
        "unknown-user": "It is issued by the lab CA, but its name (CN \"" + finding.certificate + "\") is no user " +
          "of the bank (" + setup.users.join(", ") + ").",
        "not-bound": "It names " + finding.detail + ", but it is not bound to " + finding.detail + "'s account " +
          "(an older certificate, or a new one not bound yet). Import the current " + file(finding.detail + ".p12") +
          ", or bind this one with `clickjack-lab certs bind " + finding.detail + " --cert <file>`.",
        "refused": "The bank refused it: " + finding.detail + "."
      }[finding.problem];
      return verdict("wrong-certificate", "Step missing: the certificate your browser presents signs no one in",
        [para(why), para("Remove it from the browser (or, when the browser asks, choose another), and import a " +
          "user's certificate:")].concat(importCertificate(), quickest()));
    }
    mark("check-user", "ok", "It signs in " + finding.user + ".");
    return verdict("ready", "Ready: your browser signs in " + finding.user + " by certificate",
      [para("The browser trusts the lab CA and presents " + finding.user + "'s certificate. Open the lab and run " +
        "the first attack."), link("Open the lab", bank + "/lab")]);
  }

  function check() {
    ["check-ca", "check-certificate", "check-user"].forEach(function (id) { mark(id, "pending"); });
    verdict("pending", "Checking…", [para("If your browser asks which certificate to present, choose one " +
      "(alice's, bob's or mallory's).")]);
    var id = nonce();
    var ca = loads(setup.https_origin + "/start/probe.svg?" + id);
    var bank = loads(setup.bank_origin + "/lab/probe.svg?nonce=" + id);
    Promise.all([ca, bank]).then(function (results) {
      if (!results[1]) {
        return judge(results[0], false, null);
      }
      return fetch("/start/finding?nonce=" + id, { cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (answer) { judge(results[0], answer.seen, answer.finding); });
    });
  }

  fetch("/start/setup.json", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
    setup = s;
    document.querySelectorAll("[data-setup]").forEach(function (el) {
      el.textContent = setup[el.getAttribute("data-setup")];
    });
    $("check-again").addEventListener("click", check);
    check();
  });
})();
