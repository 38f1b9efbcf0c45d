// The certificates page: make a key in this browser and apply for a certificate (X1), show which
// certificates have their key here, and confirm revocations (X2).

import {
  b64decode,
  b64encode,
  exportSpki,
  generateKeyPair,
  isSupported,
  listKeys,
  saveKeyPair,
  signBytes,
} from "./keys.js";

const root = document.querySelector("[data-certificates]");
const texts = JSON.parse(document.getElementById("certificate-texts").textContent);
const apiBase = root.dataset.apiBase;
const csrfToken = root.dataset.csrfToken;

const status = document.getElementById("apply-status");
const errorBox = document.getElementById("apply-error");
const startButton = document.getElementById("apply-start");
const codeForm = document.getElementById("apply-code-form");
const codeInput = document.getElementById("apply-code");

let pending = null; // { keyPair, nonce } between the two steps

function say(text) {
  status.textContent = text;
}

function fail(text) {
  errorBox.textContent = text;
  errorBox.hidden = false;
  say("");
}

function clearError() {
  errorBox.textContent = "";
  errorBox.hidden = true;
}

async function post(path, body) {
  const response = await fetch(`${apiBase}${path}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.detail || `HTTP ${response.status}`);
    error.code = data.code;
    throw error;
  }
  return data;
}

function explain(error) {
  return texts.errors[error.code] || `${texts.failed} ${error.message}`;
}

async function start() {
  clearError();
  startButton.disabled = true;
  try {
    say(texts.generating);
    const keyPair = await generateKeyPair();
    // Saved before anything is sent: a certificate must never be issued for a key we lost.
    await saveKeyPair(keyPair);
    say(texts.requesting_code);
    const challenge = await post("challenge/", { purpose: "apply" });
    pending = { keyPair, nonce: b64decode(challenge.nonce) };
    codeForm.hidden = false;
    codeInput.focus();
    say(texts.code_sent.replace("%(phone)s", challenge.sms_sent_to));
  } catch (error) {
    fail(explain(error));
  } finally {
    startButton.disabled = false;
  }
}

async function apply(event) {
  event.preventDefault();
  if (!pending) return;
  clearError();
  const submit = codeForm.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    say(texts.signing);
    const signature = await signBytes(pending.keyPair.privateKey, pending.nonce);
    const spki = await exportSpki(pending.keyPair.publicKey);
    say(texts.applying);
    const certificate = await post("", {
      nonce: b64encode(pending.nonce),
      proof_signature: b64encode(signature),
      public_key_spki: b64encode(spki),
      sms_code: codeInput.value.trim(),
    });
    pending = null;
    if (certificate.state === "pending") {
      // Acting for an organisation: a member's request, issued when an administrator approves.
      codeForm.hidden = true;
      say(texts.requested);
      return;
    }
    say(texts.issued.replace("%(serial)s", certificate.serial_number));
    window.location.reload();
  } catch (error) {
    // A used nonce cannot be retried; a wrong code can, with the same nonce.
    if (["challenge_used", "challenge_expired", "code_locked", "code_expired"].includes(error.code)) {
      pending = null;
      codeForm.hidden = true;
    }
    fail(explain(error));
  } finally {
    submit.disabled = false;
  }
}

async function markKeysHere() {
  const here = new Set((await listKeys()).map((record) => record.id));
  for (const item of document.querySelectorAll("[data-spki-sha256]")) {
    const badge = item.querySelector("[data-key-here]");
    if (badge) badge.hidden = !here.has(item.dataset.spkiSha256);
  }
}

function confirmRevocations() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

confirmRevocations();
if (!isSupported()) {
  if (startButton) startButton.disabled = true;
  fail(texts.unsupported);
} else {
  startButton?.addEventListener("click", start);
  codeForm?.addEventListener("submit", apply);
  if (startButton) startButton.disabled = false;
  markKeysHere().catch(() => {});
}
