// The authentication page: prove possession of the key in this browser (T3.2), then show the
// four certificate checks as the background tasks end them, and on success say until when the
// authentication is valid — in place, without a reload — and take the person back to `next`.

import { b64decode, b64encode, isSupported, listKeys, loadKeyPair, signBytes } from "./keys.js";
import { genericError } from "./two-step.js";

const root = document.querySelector("[data-authentication]");
const texts = JSON.parse(document.getElementById("authentication-texts").textContent);
const progress = document.getElementById("auth-status");
const errorBox = document.getElementById("auth-error");
const checksList = document.getElementById("auth-checks");
const current = document.querySelector("[data-testid=current-status]");
const nextPath = root.dataset.next || "";
const POLL_MS = 700;
const RETURN_DELAY_MS = 1500;
const MARKS = { pass: "✓", fail: "✗", unavailable: "✗", pending: "…" };

function say(text) {
  if (progress) progress.textContent = text;
}

function fail(text) {
  say("");
  errorBox.textContent = text;
  errorBox.hidden = false;
}

class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

async function api(path, options = {}) {
  const response = await fetch(`${root.dataset.apiBase}${path}`, {
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrfToken },
    ...options,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(data.detail || genericError(), data.code);
  return data;
}

function explain(error) {
  return (error.code && texts.errors[error.code]) || `${texts.failed} ${texts.try_again}`;
}

function showChecks(checks) {
  checksList.hidden = false;
  for (const row of checksList.querySelectorAll("[data-check]")) {
    const check = checks[row.dataset.check] || { result: "pending", detail: "" };
    row.dataset.result = check.result;
    row.querySelector(".check-mark").textContent = MARKS[check.result] || "";
    // While a responder is asked again the check stays pending: say so.
    const retrying = check.result === "pending" && check.detail;
    row.querySelector(".check-result").textContent = retrying
      ? texts.retrying
      : texts.results[check.result] || "";
    const reasonBox = row.querySelector(".check-reason");
    let reason = "";
    if (check.result === "fail") reason = texts.reasons[row.dataset.check] || "";
    if (check.result === "unavailable") reason = texts.reasons.unavailable;
    reasonBox.textContent = reason;
    reasonBox.hidden = !reason;
    row.title = check.detail || ""; // the technical answer, for whoever asks support
  }
}

// "14:35（北京时间）" (or with the date when it is not today), in the platform's zone.
function untilText(iso) {
  const moment = new Date(iso);
  const zone = texts.time_zone;
  const day = (date) => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(date);
  const options = { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  if (day(moment) !== day(new Date())) {
    Object.assign(options, { year: "numeric", month: "2-digit", day: "2-digit" });
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", options).formatToParts(moment).map((p) => [p.type, p.value]),
  );
  const clock = `${parts.hour}:${parts.minute}`;
  const shown = parts.year ? `${parts.year}-${parts.month}-${parts.day} ${clock}` : clock;
  return `${shown}${texts.zone_suffix}`;
}

function succeeded(auth) {
  say(texts.succeeded);
  current.dataset.state = "authenticated";
  current.querySelector("[data-status-text]").textContent = texts.valid_until.replace(
    "%(time)s",
    untilText(auth.valid_until),
  );
  current.querySelector("[data-testid=return-note]")?.remove();
  current.querySelector("[data-testid=next-steps]").hidden = false;
  if (nextPath) {
    say(texts.returning);
    setTimeout(() => window.location.assign(nextPath), RETURN_DELAY_MS);
  }
}

async function follow(id) {
  for (;;) {
    const auth = await api(`${id}/`);
    showChecks(auth.checks);
    if (auth.state === "authenticated") return succeeded(auth);
    if (auth.state === "failed") return fail(texts.failed_checks);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function authenticate(button) {
  errorBox.hidden = true;
  const keyPair = await loadKeyPair(button.dataset.spkiSha256);
  if (!keyPair) return fail(texts.no_key);
  button.disabled = true;
  try {
    const started = await api("", {
      method: "POST",
      body: JSON.stringify({ method: "certificate", certificate_id: Number(button.dataset.authenticate) }),
    });
    say(texts.signing);
    const signature = await signBytes(keyPair.privateKey, b64decode(started.nonce));
    await api(`${started.id}/proof/`, {
      method: "POST",
      body: JSON.stringify({ signature: b64encode(signature) }),
    });
    say(texts.checking);
    showChecks({});
    await follow(started.id);
  } catch (error) {
    fail(explain(error));
  } finally {
    button.disabled = false;
  }
}

// Say at once which certificates cannot authenticate here: their key is in another browser.
async function markKeys(buttons) {
  const here = new Set(isSupported() ? (await listKeys()).map((record) => record.id) : []);
  for (const button of buttons) {
    const present = here.has(button.dataset.spkiSha256);
    button.hidden = !present;
    const note = button.closest("li")?.querySelector("[data-key-missing]");
    if (note) note.hidden = present;
  }
}

const buttons = [...document.querySelectorAll("[data-authenticate]")];
for (const button of buttons) {
  button.addEventListener("click", () => authenticate(button));
}
markKeys(buttons)
  .catch(() => {})
  .finally(() => {
    for (const button of buttons) button.disabled = false; // ready: an early click is never lost
  });
