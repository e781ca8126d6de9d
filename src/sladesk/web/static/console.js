// sladesk agent console: progressive enhancement only; every page works without it.
// - The queue redraws itself when a ticket changes: it asks /queue/changes?since=MARK every
//   few seconds (a cheap index lookup) and, when something changed, fetches the same URL and
//   swaps the table in place: no reload, the filters, focus and scroll kept.
// - Keyboard shortcuts: j/k move through the queue, o (or Enter) opens the selected ticket,
//   "/" focuses the search, Ctrl+Enter (Cmd+Enter) sends the composer, "?" shows the help.
// - A canned reply is inserted at the composer's cursor, filled for the ticket.
"use strict";
(function () {
  var selected = -1;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-live tr[data-ticket]"));
  }

  function select(index) {
    var all = rows();
    if (!all.length) { return; }
    selected = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) {
      row.classList.toggle("selected", i === selected);
      if (i === selected) { row.setAttribute("aria-current", "true"); } else { row.removeAttribute("aria-current"); }
    });
    var link = all[selected].querySelector("a");
    if (link) { link.focus({ preventScroll: false }); }
  }

  function open() {
    var all = rows();
    if (selected < 0 || selected >= all.length) { return; }
    var link = all[selected].querySelector("a");
    if (link) { window.location.assign(link.href); }
  }

  function toggleHelp(show) {
    var help = document.getElementById("shortcuts-help");
    if (!help) { return; }
    var visible = show === undefined ? help.hidden : show;
    help.hidden = !visible;
    if (visible) { help.querySelector("button").focus(); }
  }

  function onKey(event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && event.target.matches("[data-shortcut-send]")) {
      event.preventDefault();
      var form = event.target.form;
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      return;
    }
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "?") { event.preventDefault(); toggleHelp(); return; }
    if (event.key === "/") {
      var search = document.querySelector("[data-shortcut-search]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (!document.getElementById("queue-live")) { return; }
    if (event.key === "j") { event.preventDefault(); select(selected + 1); }
    else if (event.key === "k") { event.preventDefault(); select(selected < 0 ? 0 : selected - 1); }
    else if (event.key === "o") { event.preventDefault(); open(); }
  }

  function watchQueue() {
    var live = document.getElementById("queue-live");
    if (!live || !window.fetch) { return; }
    var seconds = parseInt(live.getAttribute("data-poll-seconds"), 10) || 5;
    var busy = false;
    function poll() {
      if (busy || document.hidden) { return; }
      busy = true;
      var mark = live.getAttribute("data-change-mark") || "0";
      fetch("/queue/changes?since=" + encodeURIComponent(mark), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) {
          if (!answer || !answer.changed) { return null; }
          return fetch(window.location.href, { credentials: "same-origin" }).then(function (r) {
            return r.ok ? r.text() : null;
          });
        })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("queue-live");
          if (!fresh) { return; }
          var current = rows()[selected];
          var keep = current ? current.getAttribute("data-ticket") : null;
          live.querySelector("table").replaceWith(document.importNode(fresh.querySelector("table"), true));
          live.setAttribute("data-change-mark", fresh.getAttribute("data-change-mark"));
          var status = live.querySelector("[data-queue-status]");
          if (status) { status.textContent = fresh.getAttribute("data-updated-text") || ""; }
          live.setAttribute("data-refreshed", String((parseInt(live.getAttribute("data-refreshed"), 10) || 0) + 1));
          if (keep) {
            var again = rows().map(function (r) { return r.getAttribute("data-ticket"); }).indexOf(keep);
            if (again >= 0) { selected = again; rows()[again].classList.add("selected"); }
          }
        })
        .catch(function () { /* the next poll tries again */ })
        .then(function () { busy = false; });
    }
    window.setInterval(poll, seconds * 1000);
  }

  // A canned reply goes in at the composer's cursor, the draft kept (no reload).
  function cannedInsert(form) {
    form.addEventListener("submit", function (event) {
      var body = document.querySelector("textarea[data-shortcut-send]");
      if (!body || !window.fetch) { return; }
      event.preventDefault();
      var url = form.getAttribute("data-canned-url") + encodeURIComponent(form.elements.canned.value);
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (answer) {
          var start = body.selectionStart, end = body.selectionEnd;
          body.value = body.value.slice(0, start) + answer.text + body.value.slice(end);
          body.focus();
          body.selectionStart = body.selectionEnd = start + answer.text.length;
        })
        .catch(function () { form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("keydown", onKey);
    document.querySelectorAll("form[data-canned-url]").forEach(cannedInsert);
    document.querySelectorAll("[data-close-help]").forEach(function (b) {
      b.addEventListener("click", function () { toggleHelp(false); });
    });
    watchQueue();
  });
})();
