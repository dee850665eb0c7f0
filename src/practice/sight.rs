//! What the victim's eyes do, as scripts run in the top page only (never in a frame's page): find
//! an element by its text as a person sees it, and make every frame visible for the replay's
//! revealed view, then put the page back as it was.

/// The first visible element of the top document whose text contains the text asked for
/// (lower case), innermost first: its centre in viewport pixels. Visible: of some size, inside
/// the window, not hidden, and at least half opaque, counting its ancestors' opacity.
pub const FIND: &str = r#"(function (want) {
  var seen = function (e) {
    var r = e.getBoundingClientRect();
    if (r.width < 2 || r.height < 2 || r.right < 0 || r.bottom < 0 || r.left > innerWidth || r.top > innerHeight) return null;
    var opacity = 1;
    for (var a = e; a && a.nodeType === 1; a = a.parentElement) {
      var s = getComputedStyle(a);
      if (s.visibility === 'hidden' || s.display === 'none') return null;
      opacity *= parseFloat(s.opacity);
    }
    return opacity >= 0.5 ? r : null;
  };
  var text = function (e) { return ((e.innerText || '') + ' ' + (e.value || '')).toLowerCase(); };
  var all = document.body ? document.body.querySelectorAll('*') : [];
  for (var i = 0; i < all.length; i++) {
    var e = all[i];
    if (e.tagName === 'SCRIPT' || e.tagName === 'STYLE' || text(e).indexOf(want) < 0) continue;
    var inner = false;
    for (var c = 0; c < e.children.length; c++) { if (text(e.children[c]).indexOf(want) >= 0) { inner = true; break; } }
    if (inner) continue;
    var r = seen(e);
    if (r) return { x: Math.round(r.left + r.width / 2), y: Math.round(r.top + r.height / 2), text: (e.innerText || e.value || '').trim().slice(0, 80) };
  }
  return null;
})"#;

/// Every frame made visible and outlined, its ancestors opaque, their styles kept to put back.
pub const REVEAL: &str = r#"(function () {
  var kept = [];
  var frames = document.querySelectorAll('iframe, frame, object, embed');
  frames.forEach(function (f) {
    for (var e = f; e && e.nodeType === 1 && e !== document.documentElement; e = e.parentElement) {
      kept.push([e, e.getAttribute('style')]);
      e.style.setProperty('opacity', '1', 'important');
      e.style.setProperty('filter', 'none', 'important');
    }
    f.style.setProperty('outline', '3px dashed #d00', 'important');
    f.style.setProperty('outline-offset', '-3px', 'important');
  });
  window.__labKept = kept;
  return frames.length;
})()"#;

pub const UNREVEAL: &str = r#"(function () {
  var kept = window.__labKept || [];
  for (var i = kept.length - 1; i >= 0; i--) {
    if (kept[i][1] === null) kept[i][0].removeAttribute('style'); else kept[i][0].setAttribute('style', kept[i][1]);
  }
  delete window.__labKept;
  return kept.length;
})()"#;
