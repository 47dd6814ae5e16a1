// The case page: new messages appear without a reload (polling; sync gunicorn workers make
// server-sent events a poor fit). The transcript is an aria-live log, so they are announced.
(function () {
  "use strict";
  var list = document.getElementById("transcript");
  if (!list) { return; }
  var state = document.getElementById("case-state");
  var every = 3000;
  list.scrollTop = list.scrollHeight; // the latest messages first in view

  function line(item) {
    var li = document.createElement("li");
    li.className = "line line-" + item.kind;
    li.id = item.key;
    var head = document.createElement("span");
    head.className = "line-head";
    var who = document.createElement("span");
    who.className = "speaker";
    who.textContent = item.speaker;
    var when = document.createElement("time");
    when.setAttribute("datetime", item.at);
    when.textContent = item.time;
    var seen = document.createElement("span");
    seen.className = "seen";
    seen.textContent = "仅" + item.seen_by + "可见";
    head.append(who, " ", when, " ", seen);
    if (item.status) {
      var status = document.createElement("span");
      status.className = item.status === "held" ? "badge warn" : "status";
      status.textContent = item.status === "held" ? "已暂扣" : item.status;
      head.append(" ", status);
    }
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = item.text;
    li.append(head, text);
    return li;
  }

  function poll() {
    var url = list.dataset.updates + "?m=" + list.dataset.m + "&o=" + list.dataset.o;
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.redirected) { window.location.reload(); return null; } // signed out: to login
        return r.ok ? r.json() : null;
      })
      .then(function (data) {
        if (!data) { return; }
        var atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        data.lines.forEach(function (item) {
          if (!document.getElementById(item.key)) { list.appendChild(line(item)); }
        });
        if (atEnd) { list.scrollTop = list.scrollHeight; } // unless the reader scrolled up
        list.dataset.m = data.m;
        list.dataset.o = data.o;
        if (state && data.state !== state.dataset.state) {
          window.location.reload(); // the actions this state allows differ: show them
        }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .finally(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
})();
