// The certificates page: make a key in this browser and apply for a certificate (X1), show which
// certificates have their key here, and confirm revocations (X2).
//
// An application in progress — the key made and saved, an SMS code sent — is remembered in this
// tab's sessionStorage (the key's id and the challenge's nonce, never the key itself, which stays
// in IndexedDB), so a reload does not waste the code. One key serves the whole application: a new
// code is asked for the same key, and the key is deleted when the application can no longer
// succeed, so failed tries leave no orphan keys behind.

import { genericError } from "./two-step.js";
import {
  b64decode,
  b64encode,
  deleteKeyPair,
  exportSpki,
  generateKeyPair,
  isSupported,
  listKeys,
  loadKeyPair,
  markApplying,
  saveKeyPair,
  signBytes,
  sweepAbandonedKeys,
} from "./keys.js";

const root = document.querySelector("[data-certificates]");
const texts = JSON.parse(document.getElementById("certificate-texts").textContent);
const apiBase = root.dataset.apiBase;
const csrfToken = root.dataset.csrfToken;
const STORAGE_KEY = `econtract-certificate-application:${root.dataset.account}`;
// A challenge lives 10 minutes on the server; a key still applying well after that is abandoned.
const ABANDONED_AFTER_MS = 30 * 60 * 1000;

const status = document.getElementById("apply-status");
const errorBox = document.getElementById("apply-error");
const startButton = document.getElementById("apply-start");
const resendButton = document.getElementById("apply-resend");
const codeForm = document.getElementById("apply-code-form");
const codeInput = document.getElementById("apply-code");

let pending = null; // { keyId, keyPair, nonce (bytes), expiresAt (ms), phone }
let countdown = null;

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

function format(text, values) {
  return Object.entries(values).reduce((out, [name, value]) => out.replace(`%(${name})s`, value), text);
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
    const error = new Error(data.detail || genericError());
    error.code = data.code;
    throw error;
  }
  return data;
}

// { code_valid_for, resend_in, resend_interval } in seconds, from the server's SMS-code records.
async function serverState() {
  const response = await fetch(root.dataset.stateUrl, { credentials: "same-origin" });
  return response.json();
}

function explain(error) {
  return texts.errors[error.code] || texts.failed;
}

// --- the application remembered across reloads ------------------------------------------------

function remember() {
  sessionStorage.setItem(
    STORAGE_KEY,
    JSON.stringify({
      keyId: pending.keyId,
      nonce: b64encode(pending.nonce),
      expiresAt: pending.expiresAt,
      phone: pending.phone,
    }),
  );
}

function recalled() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    return null;
  }
}

// The application cannot succeed any more: its key would be an orphan, so it goes too (unless a
// certificate on this page was issued for it after all).
async function abandon() {
  const keyId = pending?.keyId ?? recalled()?.keyId;
  pending = null;
  sessionStorage.removeItem(STORAGE_KEY);
  codeForm.hidden = true;
  resendButton.hidden = true;
  startButton.hidden = false;
  const certified = [...document.querySelectorAll("[data-spki-sha256]")].some(
    (item) => item.dataset.spkiSha256 === keyId,
  );
  if (keyId && !certified) await deleteKeyPair(keyId).catch(() => {});
}

function finished() {
  pending = null;
  sessionStorage.removeItem(STORAGE_KEY);
}

// --- the resend button counts the server's lock down ------------------------------------------

function lockResend(seconds) {
  clearInterval(countdown);
  let left = Math.max(0, Math.ceil(seconds));
  const show = () => {
    resendButton.disabled = left > 0;
    resendButton.textContent = left > 0 ? format(texts.resend_wait, { seconds: left }) : texts.resend;
  };
  show();
  if (left > 0) {
    countdown = setInterval(() => {
      left -= 1;
      show();
      if (left <= 0) clearInterval(countdown);
    }, 1000);
  }
}

function waitForCode(message, resendIn) {
  startButton.hidden = true;
  resendButton.hidden = false;
  codeForm.hidden = false;
  lockResend(resendIn);
  say(message);
  codeInput.focus();
}

async function requestCode() {
  const challenge = await post("challenge/", { purpose: "apply" });
  pending.nonce = b64decode(challenge.nonce);
  pending.expiresAt = Date.parse(challenge.expires_at);
  pending.phone = challenge.sms_sent_to;
  remember();
  const state = await serverState().catch(() => ({ resend_in: Number(resendButton.dataset.resendInterval) }));
  codeInput.value = "";
  waitForCode(format(texts.code_sent, { phone: challenge.sms_sent_to }), state.resend_in);
}

// --- the steps ---------------------------------------------------------------------------------

async function start() {
  clearError();
  startButton.disabled = true;
  let keyId = null;
  try {
    // No key is made while the server would refuse the code anyway.
    const state = await serverState();
    if (state.resend_in > 0) {
      fail(texts.errors.code_rate_limited);
      startButton.hidden = true;
      resendButton.hidden = false; // counts down, then starts the application
      lockResend(state.resend_in);
      return;
    }
    say(texts.generating);
    const keyPair = await generateKeyPair();
    // Saved before anything is sent: a certificate must never be issued for a key we lost.
    keyId = await saveKeyPair(keyPair, { applying: true });
    pending = { keyId, keyPair, nonce: null, expiresAt: 0, phone: "" };
    say(texts.requesting_code);
    await requestCode();
  } catch (error) {
    if (keyId) await abandon();
    fail(explain(error));
  } finally {
    startButton.disabled = false;
  }
}

async function resend() {
  clearError();
  if (!pending) return start();
  resendButton.disabled = true;
  try {
    say(texts.requesting_code);
    await requestCode();
  } catch (error) {
    fail(explain(error));
    if (error.code === "party_not_approved") return abandon();
    const state = await serverState().catch(() => ({ resend_in: 0 }));
    lockResend(state.resend_in);
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
    await markApplying(pending.keyId, false); // from here on it may get a certificate
    const certificate = await post("", {
      nonce: b64encode(pending.nonce),
      proof_signature: b64encode(signature),
      public_key_spki: b64encode(spki),
      sms_code: codeInput.value.trim(),
    });
    finished();
    clearInterval(countdown);
    codeForm.hidden = true;
    resendButton.hidden = true;
    if (certificate.state === "pending") {
      // Acting for an organisation: a member's request, issued when an administrator approves.
      startButton.hidden = false;
      say(texts.requested);
      return;
    }
    say(format(texts.issued, { serial: certificate.serial_number.slice(0, 8).toUpperCase() }));
    window.location.reload();
  } catch (error) {
    fail(explain(error));
    // Refused: no certificate was issued for the key, which stays open for another try.
    if (error.code && pending) await markApplying(pending.keyId, true).catch(() => {});
    if (error.code === "party_not_approved") {
      await abandon();
    } else if (["challenge_used", "challenge_expired", "code_locked", "code_expired"].includes(error.code)) {
      // This code and nonce are spent; the key is kept for a new code (the resend button).
      codeInput.value = "";
      const state = await serverState().catch(() => ({ resend_in: 0 }));
      lockResend(state.resend_in);
    }
  } finally {
    submit.disabled = false;
  }
}

// After a reload: continue the application with the code already sent, if it can still work.
async function resume() {
  const saved = recalled();
  if (!saved) return;
  const keyPair = await loadKeyPair(saved.keyId);
  if (!keyPair || !(saved.expiresAt > Date.now())) return abandon();
  pending = { ...saved, keyPair, nonce: b64decode(saved.nonce) };
  const validFor = Number(resendButton.dataset.codeValidFor);
  const resendIn = Number(resendButton.dataset.resendIn);
  if (validFor > 0) {
    const minutes = Math.max(1, Math.floor(validFor / 60));
    waitForCode(format(texts.code_still_valid, { phone: saved.phone, minutes }), resendIn);
  } else {
    waitForCode("", resendIn);
    fail(texts.errors.code_expired);
  }
}

async function markKeysHere() {
  const here = new Set((await listKeys()).map((record) => record.id));
  for (const item of document.querySelectorAll("[data-testid=certificate]")) {
    const present = here.has(item.dataset.spkiSha256);
    const show = (selector, visible) => {
      const element = item.querySelector(selector);
      if (element) element.hidden = !visible;
    };
    show("[data-key-here]", present);
    show("[data-key-elsewhere]", !present);
    show("[data-key-elsewhere-help]", !present);
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
  markKeysHere().catch(() => {});
  const current = recalled()?.keyId;
  sweepAbandonedKeys(ABANDONED_AFTER_MS, new Set(current ? [current] : [])).catch(() => {});
  if (startButton) {
    startButton.addEventListener("click", start);
    resendButton.addEventListener("click", resend);
    codeForm.addEventListener("submit", apply);
    resume()
      .catch(() => {})
      .finally(() => {
        startButton.disabled = false;
      });
  }
}
