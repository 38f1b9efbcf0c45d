// What the signing pages share (contracts, amendments, terminations): talking to the JSON API,
// showing progress and errors, the two-step signature itself, and following the platform seal.
//
// Step 1 asks the server to prepare the signature and returns the to-be-signed bytes (the CMS
// signed attributes); the key in IndexedDB signs them (WebCrypto hashes them itself: ECDSA
// P-256 with SHA-256, a P1363 r‖s value); step 2 sends the signature to be embedded and
// verified (验签). The private key never leaves the browser.

import { b64decode, b64encode, signBytes } from "./keys.js";

const POLL_MS = 700;

// What a failure says when the server gave no message of its own (a proxy's 502, a lost
// connection): the page's words, in its language (templates/base.html), never "HTTP 502".
export function genericError() {
  return document.body.dataset.textError || "Something went wrong. Reload the page and try again.";
}

// A JSON API caller with the page's CSRF token; a refusal throws the server's own message.
export function jsonApi(csrfToken) {
  return async function api(url, options = {}) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      ...options,
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || genericError());
    return data;
  };
}

// Progress in a role="status" element, errors in a hidden error box.
export function messages(status, errorBox) {
  return {
    say(text) {
      if (status) status.textContent = text;
    },
    fail(text) {
      if (!errorBox) return;
      errorBox.textContent = text;
      errorBox.hidden = false;
    },
    clear() {
      if (errorBox) errorBox.hidden = true;
    },
  };
}

// Both steps: prepare with `request`, let `beforeSigning(session)` run (e.g. an SMS code is
// confirmed), sign with `privateKey`, complete; returns what step 2 answers.
export async function signTwoStep({ api, sessionsApi, request, privateKey, beforeSigning }) {
  const session = await api(sessionsApi, { method: "POST", body: JSON.stringify(request) });
  if (beforeSigning) await beforeSigning(session);
  const signature = await signBytes(privateKey, b64decode(session.to_be_signed));
  return api(`${sessionsApi}${session.id}/complete/`, {
    method: "POST",
    body: JSON.stringify({ signature: b64encode(signature) }),
  });
}

// The seal runs in the background after the last signature: poll `url` while `waiting(it)`,
// then reload the page to show the result.
export async function followSeal(api, url, waiting) {
  for (;;) {
    if (!waiting(await api(url))) return window.location.reload();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
