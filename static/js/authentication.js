// The authentication page: prove possession of the key in this browser (T3.2), then show the
// four checks (T3.3–T3.5 and validity) as the background tasks end them.

import { b64decode, b64encode, loadKeyPair, signBytes } from "./keys.js";

const root = document.querySelector("[data-authentication]");
const texts = JSON.parse(document.getElementById("authentication-texts").textContent);
const status = document.getElementById("auth-status");
const errorBox = document.getElementById("auth-error");
const checksList = document.getElementById("auth-checks");
const POLL_MS = 700;

function say(text) {
  if (status) status.textContent = text;
}

function fail(text) {
  errorBox.textContent = text;
  errorBox.hidden = false;
}

async function api(path, options = {}) {
  const response = await fetch(`${root.dataset.apiBase}${path}`, {
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrfToken },
    ...options,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || `HTTP ${response.status}`);
  return data;
}

function showChecks(checks) {
  checksList.hidden = false;
  for (const [name, check] of Object.entries(checks)) {
    const row = checksList.querySelector(`[data-check="${name}"]`);
    if (!row) continue;
    row.dataset.result = check.result;
    const label = texts.results[check.result] || check.result;
    // While a responder is being asked again the check stays pending: say so, with the reason.
    const retrying = check.result === "pending" && check.detail;
    row.querySelector(".check-result").textContent = retrying ? `${label} (${check.detail})` : label;
    row.title = check.detail || "";
  }
}

async function follow(id) {
  for (;;) {
    const auth = await api(`${id}/`);
    showChecks(auth.checks);
    if (auth.state === "authenticated") return say(texts.succeeded);
    if (auth.state === "failed") return fail(`${texts.failed} ${auth.failure_reason}`);
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
    await follow(started.id);
  } catch (error) {
    fail(`${texts.failed} ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

for (const button of document.querySelectorAll("[data-authenticate]")) {
  button.addEventListener("click", () => authenticate(button));
  button.disabled = false; // ready: an early click is never lost
}
