/* sladesk live chat widget: <script src="https://desk.example/chat/widget.js"
 *   data-locale="pt" data-email="ana@acme.test" data-signature="<hmac>" data-name="Ana"
 *   async></script>
 * data-email + data-signature: a logged-in customer of the vendor's app (HMAC-SHA256 of the
 * e-mail with the shared chat secret, computed by the app's server); anonymous otherwise.
 * No inline script, no third-party code: DOM built with textContent only. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(script.src);
  var data = script.dataset;
  var TEXTS = {
    en: { title: "Chat with us", start: "Start chat", send: "Send", name: "Your name",
      email: "Your e-mail", message: "How can we help?", waiting: "Waiting for an agent...",
      closed: "We are away. We are back %s.", leave: "Leave a message",
      left: "Thank you: your message is now a ticket and we will answer by e-mail.",
      typing: "typing...", end: "End chat", ended: "This chat has ended. Its transcript is in your ticket.",
      you: "You", agent: "Support", read: "read", delivered: "delivered",
      direct: "Chat with %s, your dedicated agent" },
    es: { title: "Chatea con nosotros", start: "Iniciar chat", send: "Enviar", name: "Su nombre",
      email: "Su correo electrónico", message: "¿En qué podemos ayudarle?",
      waiting: "Esperando a un agente...", closed: "No estamos disponibles. Volvemos el %s.",
      leave: "Dejar un mensaje",
      left: "Gracias: su mensaje es ahora un ticket y le responderemos por correo.",
      typing: "escribiendo...", end: "Terminar chat",
      ended: "Este chat ha terminado. La transcripción está en su ticket.",
      you: "Usted", agent: "Soporte", read: "leído", delivered: "entregado",
      direct: "Chatear con %s, su agente dedicado" },
    pt: { title: "Fale connosco", start: "Iniciar conversa", send: "Enviar", name: "O seu nome",
      email: "O seu e-mail", message: "Como podemos ajudar?",
      waiting: "À espera de um agente...", closed: "Estamos ausentes. Voltamos %s.",
      leave: "Deixar uma mensagem",
      left: "Obrigado: a sua mensagem é agora um pedido e responderemos por e-mail.",
      typing: "a escrever...", end: "Terminar conversa",
      ended: "Esta conversa terminou. A transcrição está no seu pedido.",
      you: "Você", agent: "Suporte", read: "lida", delivered: "entregue",
      direct: "Conversar com %s, o seu agente dedicado" }
  };
  var lang = (data.locale || navigator.language || "en").slice(0, 2).toLowerCase();
  if (!TEXTS[lang]) { lang = "en"; }
  var T = TEXTS[lang];
  var tz = "UTC";
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (e) { /* UTC */ }
  var KEY = "sladesk-chat:" + base.host;
  var token = null;
  try { token = window.sessionStorage.getItem(KEY); } catch (e) { token = null; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  var box = el("section", { "class": "sladesk-chat", "aria-label": T.title, "lang": lang,
    "style": "position:fixed;bottom:1rem;right:1rem;width:20rem;max-height:80vh;overflow:auto;" +
      "background:#fff;color:#111;border:1px solid #888;border-radius:.5rem;padding:.75rem;" +
      "font:14px sans-serif;z-index:2147483000" });
  box.appendChild(el("h2", { "style": "font-size:1rem;margin:0 0 .5rem" }, T.title));
  var status = el("p", { "class": "sladesk-chat-status", "role": "status" });
  var log = el("ol", { "class": "sladesk-chat-log", "aria-live": "polite",
    "style": "list-style:none;padding:0;margin:0 0 .5rem" });
  var typing = el("p", { "class": "sladesk-chat-typing", "hidden": "" }, T.typing);
  var form = el("form", { "class": "sladesk-chat-form" });
  box.appendChild(status); box.appendChild(log); box.appendChild(typing); box.appendChild(form);

  function field(name, label, type, required) {
    var wrap = el("label", { "style": "display:block;margin:.25rem 0" }, label);
    var input = el(type === "textarea" ? "textarea" : "input", { "name": name });
    if (type !== "textarea") { input.setAttribute("type", type); }
    if (required) { input.setAttribute("required", ""); }
    input.style.display = "block"; input.style.width = "100%";
    wrap.appendChild(input);
    form.appendChild(wrap);
    return input;
  }

  var ws = null;
  var hello = null;
  var directLine = null;
  var lastSeen = 0;
  var lastTyping = 0;

  function send(frame) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); } }

  function startForm(open) {
    form.textContent = "";
    teamOpen = open;
    var name = data.email ? null : field("name", T.name, "text", false);
    var email = data.email ? null : field("email", T.email, "email", true);
    var message = field("message", T.message, "textarea", true);
    var button = el("button", { "type": "submit", "class": "sladesk-chat-start" },
      open ? T.start : T.leave);
    form.appendChild(button);
    toAgent = false;
    button.onclick = function () { toAgent = false; };
    directButton = null;
    showDirect();
    form.onsubmit = function (ev) {
      ev.preventDefault();
      var frame = { type: "start", message: message.value, name: name ? name.value : (data.name || "") };
      if (data.email) { frame.email = data.email; frame.signature = data.signature || ""; }
      else { frame.email = email.value; }
      if (toAgent) { frame.direct = true; }
      pendingClose = !teamOpen && !toAgent;
      send(frame);
    };
  }

  var pendingClose = false;
  var teamOpen = false;
  var toAgent = false;
  var directButton = null;
  var recheck = null;

  /* a VIP's line to their dedicated agent, shown only while open: redrawn in place when
     the server's answer changes, so what the visitor is typing stays */
  function showDirect() {
    if (directButton && directButton.parentNode === form) { form.removeChild(directButton); }
    directButton = null;
    if (!directLine || token || !form.querySelector("[name=message]")) { toAgent = false; return; }
    directButton = el("button", { "type": "submit", "class": "sladesk-chat-direct" },
      T.direct.replace("%s", directLine.agent));
    directButton.onclick = function () { toAgent = true; };
    form.appendChild(directButton);
  }

  function chatForm() {
    form.textContent = "";
    var input = field("body", T.message, "text", true);
    input.setAttribute("autocomplete", "off");
    input.oninput = function () {
      var now = Date.now();
      if (now - lastTyping > 2000) { lastTyping = now; send({ type: "typing" }); }
    };
    form.appendChild(el("button", { "type": "submit" }, T.send));
    var end = el("button", { "type": "button", "class": "sladesk-chat-end" }, T.end);
    end.onclick = function () { send({ type: "close" }); };
    form.appendChild(end);
    form.onsubmit = function (ev) {
      ev.preventDefault();
      if (input.value.trim()) { send({ type: "message", body: input.value }); input.value = ""; }
    };
    input.focus();
  }

  function draw(chat) {
    log.textContent = "";
    var newest = 0;
    chat.messages.forEach(function (m) {
      var who = m.author === "visitor" ? T.you : m.author === "agent" ? T.agent : "";
      var item = el("li", { "class": "sladesk-chat-" + m.author, "data-id": String(m.id) });
      item.appendChild(el("span", { "class": "sladesk-chat-text" }, (who ? who + ": " : "") + m.body));
      if (m.author === "visitor" && (m.read || m.delivered)) {
        item.appendChild(el("small", { "class": "sladesk-chat-mark" }, " " + (m.read ? T.read : T.delivered)));
      }
      log.appendChild(item);
      if (m.author !== "visitor") { newest = Math.max(newest, m.id); }
    });
    typing.hidden = !chat.typing;
    var s = chat.session.status;
    if (s === "closed") {
      status.textContent = pendingClose ? T.left : T.ended;
      form.textContent = "";
      try { window.sessionStorage.removeItem(KEY); } catch (e) { /* ignore */ }
      token = null;
    } else {
      status.textContent = s === "waiting" ? T.waiting : "";
      if (!form.querySelector("[name=body]")) { chatForm(); }
    }
    if (newest > lastSeen) {
      lastSeen = newest;
      send({ type: document.hidden ? "delivered" : "read", up_to: newest });
    }
  }

  function showHours(frame) {
    status.textContent = frame.open ? "" : T.closed.replace("%s", frame.back_label || "");
    box.setAttribute("data-open", frame.open ? "yes" : "no");
  }

  function connect() {
    var url = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/chat/ws?locale=" +
      encodeURIComponent(lang) + "&tz=" + encodeURIComponent(tz) + (token ? "&token=" + encodeURIComponent(token) : "");
    ws = new WebSocket(url);
    ws.onmessage = function (ev) {
      var frame = JSON.parse(ev.data);
      if (frame.type === "hello") {
        hello = frame;
        if (!token) {
          showHours(frame);
          startForm(frame.open);
          var identify = null;
          if (data.email && data.signature && frame.signed_identities) {
            identify = { type: "identify", email: data.email, signature: data.signature };
            send(identify);
          }
          if (!recheck && frame.direct_recheck_s > 0) { /* hours and line follow time */
            recheck = setInterval(function () {
              if (token) { return; }
              send({ type: "hours" });
              if (identify) { send(identify); }
            }, frame.direct_recheck_s * 1000);
          }
        }
      } else if (frame.type === "hours") {
        /* the team opened or closed since: relabel in place, so what is typed stays */
        if (!token && hello && frame.open !== teamOpen) {
          hello.open = frame.open;
          teamOpen = frame.open;
          var start = form.querySelector(".sladesk-chat-start");
          if (start) { start.textContent = frame.open ? T.start : T.leave; }
        }
        if (!token && hello) { showHours(frame); }
      } else if (frame.type === "direct") {
        var changed = JSON.stringify(frame.line) !== JSON.stringify(directLine);
        directLine = frame.line;
        box.setAttribute("data-direct", directLine ? "yes" : "no");
        if (changed && !token && hello) { showDirect(); }
      } else if (frame.type === "started") {
        token = frame.token;
        try { window.sessionStorage.setItem(KEY, token); } catch (e) { /* ignore */ }
        if (pendingClose) { send({ type: "close" }); }
        draw(frame.chat);
      } else if (frame.type === "chat") {
        draw(frame);
      } else if (frame.type === "forgotten") {
        token = null;
        try { window.sessionStorage.removeItem(KEY); } catch (e) { /* ignore */ }
        if (hello) { startForm(hello.open); }
      } else if (frame.type === "error") {
        status.textContent = frame.message;
      }
    };
    ws.onclose = function () { ws = null; if (token) { setTimeout(connect, 2000); } };
  }

  function mount() { document.body.appendChild(box); connect(); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
