// Amendment and termination pages: sign in this browser (two steps, as a contract is signed)
// and, once every party has signed, follow the platform seal until the request is done.
//
// Step 1 asks the server to prepare the signature and returns the to-be-signed bytes (the CMS
// signed attributes); the key in IndexedDB signs them (WebCrypto hashes them itself); step 2
// sends the signature to be embedded and verified (验签). The private key never leaves here.

import { b64decode, b64encode, loadKeyPair, signBytes } from "./keys.js";

const texts = JSON.parse(document.getElementById("change-texts").textContent);
const panel = document.querySelector("[data-change-signing]");
const status = document.getElementById("sign-status");
const errorBox = document.getElementById("sign-error");
const POLL_MS = 700;

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

// The seal runs in the background after the last signature: poll until it is done.
async function followSeal(changeApi, sealingText) {
  if (sealingText) sealingText.textContent = texts.sealing;
  for (;;) {
    const change = await api(changeApi);
    if (change.state !== "sealing") return window.location.reload();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function sign(button) {
  if (errorBox) errorBox.hidden = true;
  const keyPair = await loadKeyPair(button.dataset.spkiSha256);
  if (!keyPair) return fail(texts.no_key);
  button.disabled = true;
  try {
    say(texts.preparing);
    const session = await api(panel.dataset.sessionsApi, {
      method: "POST",
      body: JSON.stringify({ certificate_id: Number(button.dataset.sign) }),
    });
    say(texts.signing);
    const signature = await signBytes(keyPair.privateKey, b64decode(session.to_be_signed));
    const change = await api(`${panel.dataset.sessionsApi}${session.id}/complete/`, {
      method: "POST",
      body: JSON.stringify({ signature: b64encode(signature) }),
    });
    say(texts.signed);
    if (change.state === "sealing") return followSeal(panel.dataset.changeApi, status);
    window.location.reload();
  } catch (error) {
    fail(`${texts.failed} ${error.message}`);
    button.disabled = false;
  }
}

for (const button of document.querySelectorAll("[data-sign]")) {
  button.addEventListener("click", () => sign(button));
  button.disabled = false; // ready: an early click is never lost
}

const sealing = document.querySelector("[data-sealing]");
if (sealing) followSeal(sealing.dataset.changeApi, sealing).catch((error) => fail(error.message));
