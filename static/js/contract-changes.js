// Amendment and termination pages: sign in this browser (two steps, as a contract is signed)
// and, once every party has signed, follow the platform seal until the request is done.

import { loadKeyPair } from "./keys.js";
import { followSeal, jsonApi, messages, signTwoStep } from "./two-step.js";

const texts = JSON.parse(document.getElementById("change-texts").textContent);
const panel = document.querySelector("[data-change-signing]");
const status = document.getElementById("sign-status");
const shown = messages(status, document.getElementById("sign-error"));
const api = jsonApi(panel ? panel.dataset.csrfToken : "");
const stillSealing = (change) => change.state === "sealing";

async function sign(button) {
  shown.clear();
  const keyPair = await loadKeyPair(button.dataset.spkiSha256);
  if (!keyPair) return shown.fail(texts.no_key);
  button.disabled = true;
  try {
    shown.say(texts.preparing);
    const change = await signTwoStep({
      api,
      sessionsApi: panel.dataset.sessionsApi,
      request: { certificate_id: Number(button.dataset.sign) },
      privateKey: keyPair.privateKey,
      beforeSigning: () => shown.say(texts.signing),
    });
    shown.say(texts.signed);
    if (stillSealing(change)) {
      shown.say(texts.sealing);
      return followSeal(api, panel.dataset.changeApi, stillSealing);
    }
    window.location.reload();
  } catch (error) {
    shown.fail(`${texts.failed} ${error.message}`);
    button.disabled = false;
  }
}

for (const button of document.querySelectorAll("[data-sign]")) {
  button.addEventListener("click", () => sign(button));
  button.disabled = false; // ready: an early click is never lost
}

const sealing = document.querySelector("[data-sealing]");
if (sealing) {
  sealing.textContent = texts.sealing;
  followSeal(api, sealing.dataset.changeApi, stillSealing).catch((error) => shown.fail(error.message));
}
