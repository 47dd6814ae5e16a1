// The case page: new messages appear without a reload (polling; sync gunicorn workers make
// server-sent events a poor fit). The transcript is an aria-live log, so they are announced.
// A notification still pending (待送达, 已暂扣) is named in each poll (p=12,15), and the answer
// carries its status now: 已送达, or 已放行 / 未转达 once a mediator decided on held words.
(function () {
  "use strict";
  var list = document.getElementById("transcript");
  if (!list) { return; }
  var state = document.getElementById("case-state");
  var every = 3000;
  var pendingLimit = 100; // as bot/console/transcript.py's PENDING_LIMIT
  list.scrollTop = list.scrollHeight; // the latest messages first in view

  function line(item) {
    var li = document.createElement("li");
    li.className = "line line-" + item.kind;
    li.id = item.key;
    if (item.pending) { li.dataset.pending = ""; }
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
    if (item.status) { head.append(" ", badge(item)); }
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = item.text;
    li.append(head, text);
    return li;
  }

  function badge(item) {
    var status = document.createElement("span");
    status.className = "status status-" + item.status;
    status.textContent = item.status_name;
    return status;
  }

  function restatus(key, item) {
    var li = document.getElementById(key);
    if (!li) { return; }
    if (!item.pending) { delete li.dataset.pending; }
    var old = li.querySelector(".line-head .status");
    if (!old) {
      li.querySelector(".line-head").append(" ", badge(item));
    } else if (old.className !== "status status-" + item.status) {
      old.replaceWith(badge(item));
    }
  }

  function pending() {
    var ids = Array.prototype.map.call(list.querySelectorAll("li[data-pending]"), function (li) {
      return li.id.slice(1); // "o12" → 12: only notifications are ever pending
    });
    return ids.slice(-pendingLimit).join(",");
  }

  function poll() {
    var url = list.dataset.updates + "?m=" + list.dataset.m + "&o=" + list.dataset.o;
    var waiting = pending();
    if (waiting) { url += "&p=" + waiting; }
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
        Object.keys(data.statuses || {}).forEach(function (key) {
          restatus(key, data.statuses[key]);
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
