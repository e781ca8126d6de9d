// sladesk web console: small progressive enhancement only; every page works without it.
// The sign-in form sends the browser's time zone, so that instants are shown in it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) {
    input.value = zone;
  });
});
