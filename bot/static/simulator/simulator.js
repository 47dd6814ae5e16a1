// The three-phone simulator: each pane is one party's phone talking to the mini-program API
// (../shared/docs/api.md). Every word shown comes from the API or from the page's JSON blocks.
"use strict";

const WORDS = JSON.parse(document.getElementById("words").textContent);
const LABELS = JSON.parse(document.getElementById("labels").textContent);
// The inbox every 1.5 s; the case summary when something arrived, after one's own action, and
// every 6 s otherwise: well within the API's per-party rate limit (bot/ratelimit.py).
const POLL_MS = 1500;
const SUMMARY_EVERY = 4;
const AGREEMENT_STATES = new Set([
  "negotiating", "mediating", "settled", "followup", "arbitration_advised", "closed",
]);

function msgId() {
  return window.crypto && crypto.randomUUID
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

// "2026-12-04T03:21:58+08:00" → "12月4日 03:21", in the offset the API gives (Beijing).
function shortTime(iso) {
  const m = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
  return m ? `${Number(m[1])}月${Number(m[2])}日 ${m[3]}:${m[4]}` : "";
}

// A period ends at 24:00 of its last day (00:00 of the next): show it as people write it.
function dueTime(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T00:00/.exec(iso || "");
  if (!m) return shortTime(iso);
  const last = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) - 1));
  return `${last.getUTCMonth() + 1}月${last.getUTCDate()}日 24:00`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

class ApiFailure extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || LABELS.failed);
    this.status = status;
  }
}

class Pane {
  constructor(root) {
    this.root = root;
    this.role = root.dataset.pane;
    // ?worker=老李&employer=…&mediator=… gives a pane another person (dev login by name).
    this.name = new URLSearchParams(window.location.search).get(this.role) || root.dataset.name;
    this.token = null;
    this.caseId = null;
    this.orgId = null;
    this.summary = null;
    this.seen = new Set();
    this.polling = false;
    this.ticks = 0;
    this.stale = false;
    this.log = root.querySelector(".log");
    this.form = root.querySelector("[data-compose]");
    this.input = this.form.querySelector("input");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (text) {
        this.input.value = "";
        this.send({ text }, text);
      }
    });
    root.querySelectorAll("[data-action]").forEach((button) => {
      button.addEventListener("click", () =>
        this.send({ action: button.dataset.action }, button.textContent.trim()));
    });
    root.querySelector("[data-pdf]").addEventListener("click", () => this.openPdf());
  }

  async call(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiFailure(response.status, data);
    return data;
  }

  async login(extra) {
    const body = { role: this.role, name: this.name, ...extra };
    const data = await this.call("POST", "/api/v1/dev/login", body);
    this.token = data.token;
    this.seen.clear();
    this.root.querySelector("[data-who]").textContent = `${this.name} · ${LABELS.logged_in}`;
  }

  enableCompose(on) {
    this.input.disabled = !on;
    this.form.querySelector("button").disabled = !on;
  }

  bubble(kind, text, who) {
    const hint = this.log.querySelector(".hint");
    if (hint) hint.remove();
    const item = element("div", `bubble ${kind}`);
    if (who) item.append(element("span", "from", who));
    item.append(element("p", "text", text));
    this.log.append(item);
    this.log.scrollTop = this.log.scrollHeight;
    return item;
  }

  options(item, options) {
    const row = element("div", "options");
    for (const option of options) {
      const button = element("button", "option", option.label);
      button.type = "button";
      button.addEventListener("click", () => {
        row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        this.send({ action: option.action }, option.label);
      });
      row.append(button);
    }
    item.append(row);
  }

  async send(body, shown) {
    this.bubble("mine", shown, LABELS.me);
    const payload = { ...body, msg_id: msgId() };
    if (this.caseId) payload.case_id = this.caseId;
    try {
      const data = await this.call("POST", "/api/v1/messages", payload);
      for (const reply of data.replies) {
        const item = this.bubble("bot", reply.text, LABELS.assistant);
        if (reply.options) this.options(item, reply.options);
      }
      if (data.case && !this.caseId) this.caseId = data.case.id;
      await this.refresh();
    } catch (error) {
      this.bubble("error", error.message);
    }
  }

  // What the other parties caused: notifications from the inbox, marked read once shown.
  async poll(force = false) {
    if (force) this.stale = true; // a poll under way leaves it for the next one
    if (!this.token || this.polling) return;
    this.polling = true;
    try {
      const inbox = await this.call("GET", "/api/v1/inbox");
      // The pane follows one case: another case's notifications stay unread for later.
      const fresh = inbox.items.filter((item) => !this.seen.has(item.id)
        && (item.case_id === this.caseId || !item.case_id));
      for (const item of fresh) {
        this.seen.add(item.id);
        this.bubble("notice", item.text, LABELS.notice);
      }
      if (fresh.length) {
        await this.call("POST", "/api/v1/inbox/read", { ids: fresh.map((i) => i.id) });
      }
      this.ticks += 1;
      if (this.stale || fresh.length || this.ticks % SUMMARY_EVERY === 0) {
        this.stale = false;
        await this.refresh();
      }
    } catch (error) {
      if (error.status !== 404) console.warn(this.role, error.message);
    } finally {
      this.polling = false;
    }
  }

  async refresh() {
    if (!this.caseId) return;
    this.summary = await this.call("GET", `/api/v1/cases/${this.caseId}`);
    this.render(this.summary);
    await this.loadAgreement();
    panes.worker.offerInvitation();
    panes.mediator.offerLogin();
  }

  render(summary) {
    const box = this.root.querySelector("[data-summary]");
    box.replaceChildren();
    const list = element("dl", "facts");
    const add = (term, value) => {
      list.append(element("dt", "", term), element("dd", "", value));
    };
    add(LABELS.case_id, summary.id); // the number to look for in the console
    list.lastChild.dataset.caseId = summary.id;
    add(LABELS.state, WORDS.states[summary.state] || summary.state);
    for (const [name, value] of Object.entries(summary.facts || {})) {
      if (!(name in WORDS.facts)) continue;
      add(WORDS.facts[name], this.factValue(name, value));
    }
    if (summary.route) {
      const status = LABELS.route_status[summary.route.status] || summary.route.status;
      add(LABELS.route, `${summary.route.org.name}（${status}）`);
    }
    const deadlines = (summary.deadlines || [])
      .map((d) => `${WORDS.deadlines[d.kind] || d.kind}：${dueTime(d.due_at)}${d.law ? `（${d.law}）` : ""}`);
    add(LABELS.deadlines, deadlines.length ? deadlines.join("；") : LABELS.none);
    box.append(list);
    const offered = summary.state === "escalated" && summary.route
      && summary.route.status === "offered";
    this.root.querySelectorAll("[data-action=accept_case], [data-action=decline_case]")
      .forEach((button) => { button.hidden = !offered; });
  }

  factValue(name, value) {
    if (value === null || value === undefined) return WORDS.unknown;
    if (typeof value === "boolean" && WORDS.booleans[name]) {
      return WORDS.booleans[name][value ? 1 : 0];
    }
    return `${value}${WORDS.units[name] || ""}`;
  }

  async loadAgreement() {
    const box = this.root.querySelector("[data-agreement]");
    if (!AGREEMENT_STATES.has(this.summary.state)) {
      box.hidden = true;
      return;
    }
    let agreement;
    try {
      agreement = await this.call("GET", `/api/v1/cases/${this.caseId}/agreement`);
    } catch (error) {
      if (error.status !== 404) throw error;
      box.hidden = true;
      return;
    }
    box.hidden = false;
    box.querySelector("[data-agreement-title]").textContent =
      LABELS.agreement[agreement.kind] || agreement.kind;
    box.querySelector("[data-agreement-text]").textContent = agreement.text;
    const who = agreement.confirmed_by.map((role) => LABELS.from_role[role] || role);
    box.querySelector("[data-agreement-confirmed]").textContent =
      who.length ? LABELS.confirmed_by + who.join("、") : LABELS.nobody;
    box.querySelector("[data-agreement-status]").textContent = agreement.status_text;
    const mine = this.summary.my_role;
    box.querySelector("[data-confirm]").hidden =
      mine === "mediator" || agreement.confirmed_by.includes(mine);
    // The organization's seal comes last, once both parties have confirmed (LDMAL-14).
    box.querySelector("[data-seal]").hidden =
      mine !== "mediator" || agreement.missing.join() !== "organization";
  }

  async openPdf() {
    const response = await fetch(`/api/v1/cases/${this.caseId}/agreement.pdf`, {
      headers: { Authorization: `Bearer ${this.token}` },
    });
    if (response.ok) window.open(URL.createObjectURL(await response.blob()), "_blank");
  }

  // The worker hands the invitation (case summary `invitation.token`) to the employer's phone.
  offerInvitation() {
    const button = this.root.querySelector("[data-invite]");
    if (!button) return;
    button.hidden = !(this.summary && this.summary.invitation) || Boolean(panes.employer.caseId);
  }

  // The mediator logs in to the organization the worker's case was routed to.
  offerLogin() {
    const button = this.root.querySelector("[data-mediator-login]");
    if (!button) return;
    const route = panes.worker.summary && panes.worker.summary.route;
    const ready = Boolean(route) && route.status === "offered" && route.org.id !== this.orgId;
    button.disabled = !ready;
    button.hidden = !ready && Boolean(this.orgId); // logged in to the organization that has it
    button.textContent = ready ? LABELS.login_to + route.org.name : button.dataset.idle;
  }
}

const panes = {};
document.querySelectorAll("[data-pane]").forEach((root) => {
  panes[root.dataset.pane] = new Pane(root);
});

document.querySelector("[data-invite]").addEventListener("click", async (event) => {
  const worker = panes.worker;
  const employer = panes.employer;
  event.currentTarget.hidden = true;
  try {
    await loggedIn;
    if (!employer.token) await employer.login({});
    const joined = await employer.call(
      "POST", `/api/v1/invitations/${worker.summary.invitation.token}/join`, {});
    employer.caseId = joined.id;
    worker.bubble("system", LABELS.invited);
    employer.bubble("system", LABELS.joined);
    employer.enableCompose(true);
    await employer.refresh();
    await employer.poll(true);
  } catch (error) {
    worker.bubble("error", error.message);
  }
});

document.querySelector("[data-mediator-login]").addEventListener("click", async () => {
  const mediator = panes.mediator;
  const route = panes.worker.summary.route;
  try {
    await mediator.login({ org_id: route.org.id });
    mediator.orgId = route.org.id;
    mediator.caseId = panes.worker.caseId;
    mediator.bubble("system", `${LABELS.mediator_in}${route.org.name}`);
    mediator.enableCompose(true);
    await mediator.refresh();
  } catch (error) {
    mediator.bubble("error", error.message);
  }
});

document.querySelectorAll("[data-clock]").forEach((button) => {
  button.addEventListener("click", async () => {
    const status = document.querySelector("[data-clock-status]");
    try {
      const data = await panes.worker.call(
        "POST", "/api/v1/dev/clock", { advance: button.dataset.clock });
      status.textContent = LABELS.clock + shortTime(data.now)
        + (data.fired ? LABELS.fired.replace("{n}", data.fired) : "");
      await Promise.all(Object.values(panes).map((pane) => pane.poll(true)));
    } catch (error) {
      status.textContent = error.message;
    }
  });
});

document.querySelector("[data-restart]").addEventListener("click", () => window.location.reload());

// The worker's phone logs in at once; the employer's when it gets the invitation, the
// mediator's when the case reaches an organization.
const loggedIn = (async () => {
  try {
    await panes.worker.login({});
    panes.worker.enableCompose(true); // the worker talks first; the others once in the case
  } catch (error) {
    panes.worker.bubble("error", error.message);
  }
})();

setInterval(() => Object.values(panes).forEach((pane) => pane.poll()), POLL_MS);
