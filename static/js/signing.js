// The contract page: sign in this browser (two steps, DESIGN.md §3) and, once every party has
// signed, follow the platform seal until the contract is concluded.
//
// Step 1 asks the server to prepare the signature and returns the to-be-signed bytes (the CMS
// signed attributes); the key in IndexedDB signs them (WebCrypto hashes them itself: ECDSA
// P-256 with SHA-256, a P1363 r‖s value); step 2 sends the signature to be embedded and
// verified. The private key never leaves the browser.

import { b64decode, b64encode, loadKeyPair, signBytes } from "./keys.js";
import { signaturePad } from "./signature-pad.js";

const texts = JSON.parse(document.getElementById("signing-texts").textContent);
const panel = document.querySelector("[data-signing]");
const status = document.getElementById("sign-status");
const errorBox = document.getElementById("sign-error");
const POLL_MS = 700;
const padCanvas = document.querySelector("[data-signature-pad]");
const pad = padCanvas ? signaturePad(padCanvas) : null;
const smsChoice = document.querySelector("[data-sms-confirmation]");
const smsPanel = document.querySelector("[data-sms-code]");

function say(text) {
  if (status) status.textContent = text;
}

function fail(text) {
  if (!errorBox) return;
  errorBox.textContent = text;
  errorBox.hidden = false;
}

async function api(url, options = {}) {
  const csrf = panel ? panel.dataset.csrfToken : "";
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    ...options,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || `HTTP ${response.status}`);
  return data;
}

function allSigned(contract) {
  return contract.signatories.every((signatory) => signatory.signed_at);
}

// The seal runs in the background after the last signature: poll the contract's state.
async function followSeal(contractApi, sealingText) {
  if (sealingText) sealingText.textContent = texts.sealing;
  for (;;) {
    const contract = await api(contractApi);
    if (contract.state !== "signing") return window.location.reload();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// §9.1: the SMS code bound to the document's hash is typed in and confirmed before the key signs.
function smsCodeTyped(session) {
  smsPanel.hidden = false;
  smsPanel.querySelector("[data-sms-sent-to]").textContent = session.sms_confirmation.sent_to;
  smsPanel.querySelector("[data-sms-document]").textContent = session.document_sha256.slice(0, 16);
  const input = smsPanel.querySelector("input");
  const button = smsPanel.querySelector("button");
  input.value = "";
  input.focus();
  return new Promise((resolve) => {
    button.onclick = () => resolve(input.value.trim());
  });
}

async function confirmSms(session) {
  for (;;) {
    const code = await smsCodeTyped(session);
    try {
      await api(`${panel.dataset.sessionsApi}${session.id}/sms-confirmation/`, {
        method: "POST",
        body: JSON.stringify({ code }),
      });
      smsPanel.hidden = true;
      return;
    } catch (error) {
      fail(error.message); // a wrong code may be typed again; the server counts the tries
    }
  }
}

async function sign(button) {
  if (errorBox) errorBox.hidden = true;
  const keyPair = await loadKeyPair(button.dataset.spkiSha256);
  if (!keyPair) return fail(texts.no_key);
  button.disabled = true;
  try {
    say(texts.preparing);
    const request = { certificate_id: Number(button.dataset.sign) };
    if (smsChoice && smsChoice.checked) request.sms_confirmation = true;
    const drawn = pad ? pad.toDataURL() : null;
    if (drawn) request.handwritten_signature = drawn;
    const session = await api(panel.dataset.sessionsApi, {
      method: "POST",
      body: JSON.stringify(request),
    });
    if (session.sms_confirmation) {
      say(texts.sms_sent);
      await confirmSms(session);
      if (errorBox) errorBox.hidden = true;
    }
    say(texts.signing);
    const signature = await signBytes(keyPair.privateKey, b64decode(session.to_be_signed));
    const contract = await api(`${panel.dataset.sessionsApi}${session.id}/complete/`, {
      method: "POST",
      body: JSON.stringify({ signature: b64encode(signature) }),
    });
    say(texts.signed);
    if (contract.state === "signing" && allSigned(contract)) {
      return followSeal(panel.dataset.contractApi, status);
    }
    window.location.reload();
  } catch (error) {
    fail(`${texts.failed} ${error.message}`);
    button.disabled = false;
  }
}

const clearPad = document.querySelector("[data-clear-signature-pad]");
if (clearPad && pad) clearPad.addEventListener("click", () => pad.clear());

for (const button of document.querySelectorAll("[data-sign]")) {
  button.addEventListener("click", () => sign(button));
  button.disabled = false; // ready: an early click is never lost
}

const sealing = document.querySelector("[data-sealing]");
if (sealing) followSeal(sealing.dataset.contractApi, sealing).catch((error) => fail(error.message));
