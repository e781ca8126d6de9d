/* The console's live chat: the waiting list reloads when it changes; a chat page draws
 * each change pushed over its socket and sends answers, typing and read marks. */
(function () {
  "use strict";
  function socket(path) {
    return new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + path);
  }
  var waiting = document.getElementById("chat-waiting-live");
  if (waiting) {
    var leaving = false; /* an Accept on its way: a reload would cancel it */
    document.addEventListener("submit", function () { leaving = true; });
    var loaded = Date.now();
    var pending = null;
    /* at most one reload every 2 s: a burst of chats starting is one reload, not one each */
    var reload = function () {
      if (leaving || pending) { return; }
      pending = setTimeout(function () { if (!leaving) { location.reload(); } },
        Math.max(0, 2000 - (Date.now() - loaded)));
    };
    var ws0 = socket(waiting.getAttribute("data-ws"));
    ws0.onmessage = reload;
    setInterval(reload, 30000); /* wait times move on */
  }
  var log = document.getElementById("chat-log");
  if (!log) { return; }
  var ws = socket(log.getAttribute("data-ws"));
  var typing = document.getElementById("chat-typing");
  var error = document.getElementById("chat-error");
  var lastSeen = 0;
  var lastTyping = 0;
  function send(frame) { if (ws.readyState === 1) { ws.send(JSON.stringify(frame)); } }
  ws.onmessage = function (ev) {
    var frame = JSON.parse(ev.data);
    if (frame.type === "error") { error.textContent = frame.message; return; }
    if (frame.type !== "chat") { return; }
    error.textContent = "";
    log.textContent = "";
    var newest = 0;
    frame.messages.forEach(function (m) {
      var li = document.createElement("li");
      li.className = "chat-" + m.author;
      li.setAttribute("data-id", String(m.id));
      var who = m.author === "agent" ? log.getAttribute("data-you") + ": " :
        m.author === "visitor" ? log.getAttribute("data-visitor") + ": " : "";
      li.textContent = who + m.body;
      if (m.author === "agent" && (m.read || m.delivered)) {
        var mark = document.createElement("small");
        mark.className = "chat-mark";
        mark.textContent = " " + log.getAttribute(m.read ? "data-read" : "data-delivered");
        li.appendChild(mark);
      }
      log.appendChild(li);
      if (m.author === "visitor") { newest = Math.max(newest, m.id); }
    });
    typing.hidden = !frame.typing;
    if (newest > lastSeen) {
      lastSeen = newest;
      send({ type: document.hidden ? "delivered" : "read", up_to: newest });
    }
  };
  var form = document.getElementById("chat-send");
  if (form) {
    var input = document.getElementById("chat-body");
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 2000) { lastTyping = now; send({ type: "typing" }); }
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (input.value.trim()) { send({ type: "message", body: input.value }); input.value = ""; }
    });
  }
})();
