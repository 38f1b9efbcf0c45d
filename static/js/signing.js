// Signing in this browser, on the pages of a contract, an amendment and a termination agreement
// (templates/signing/_panel.html): two steps (DESIGN.md §3, see two-step.js) and, once every
// party has signed, follow the platform seal until the document is done. Optional auxiliary
// signatures (§9.1): a handwritten signature drawn on the page becomes the picture in the
// party's box; an SMS code bound to the document's hash is confirmed before the key signs. The
// button, the progress, the SMS code and the errors are in the action bar at the bottom of the
// screen (templates/signing/_panel.html).

import { collectFieldValues } from "./field-fill.js";
import { loadKeyPair } from "./keys.js";
import { signaturePad } from "./signature-pad.js";
import { confirmSmsCode, postCode } from "./sms-code.js";
import { followSeal, jsonApi, messages, signTwoStep } from "./two-step.js";

const texts = JSON.parse(document.getElementById("signing-texts").textContent);
const panel = document.querySelector("[data-signing]");
const status = document.getElementById("sign-status");
const shown = messages(status, document.getElementById("sign-error"));
const api = jsonApi(panel ? panel.dataset.csrfToken : "");
const padCanvas = document.querySelector("[data-signature-pad]");
const pad = padCanvas ? signaturePad(padCanvas) : null;
const smsChoice = document.querySelector("[data-sms-confirmation]");
const smsPanel = document.querySelector("[data-sms-code]");
// Every party signed and the seal task has not finished: the document is in the state the
// page names (a contract stays "signing", a change request is "sealing").
function sealingOf(element) {
  const state = element.dataset.sealingState;
  return (document_) =>
    document_.state === state &&
    (document_.signatories || document_.participants || []).every((party) => party.signed_at);
}

// The code bound to the document's hash (sms-code.js), before the key signs.
async function confirmSms(session) {
  shown.say(texts.sms_sent);
  await confirmSmsCode({
    panel: smsPanel,
    shows: {
      "[data-sms-sent-to]": session.sms_confirmation.sent_to,
      "[data-sms-document]": session.document_sha256.slice(0, 16),
    },
    send: (code) =>
      postCode(
        `${panel.dataset.sessionsApi}${session.id}/sms-confirmation/`,
        panel.dataset.csrfToken,
        code,
      ),
    shown,
  });
}

// The signer's own placed fields, filled on the document (field-fill.js): written into the
// revision it signs. Null when a required one is empty (the first is focused).
function fieldValues() {
  const root = document.querySelector("[data-field-fill]");
  if (!root) return {};
  const collected = collectFieldValues(root);
  if (!collected.ok) {
    if (collected.firstInvalid) collected.firstInvalid.focus();
    return null;
  }
  return collected.values;
}

function sessionRequest(button, values) {
  const request = { certificate_id: Number(button.dataset.sign) };
  if (Object.keys(values).length) request.field_values = values;
  const seal = document.querySelector("[data-seal]");
  if (seal && seal.value) request.seal_id = Number(seal.value);
  const representative = document.querySelector("[data-representative-seal]");
  if (representative && representative.value) request.representative_seal_id = Number(representative.value);
  const paging = document.querySelector("[data-paging-seal]");
  if (paging && paging.checked) request.paging_seal = true;
  if (smsChoice && smsChoice.checked) request.sms_confirmation = true;
  const drawn = pad ? pad.toDataURL() : null;
  if (drawn) request.handwritten_signature = drawn;
  return request;
}

async function sign(button) {
  shown.clear();
  const values = fieldValues();
  if (values === null) return shown.fail(texts.fields_incomplete);
  const keyPair = await loadKeyPair(button.dataset.spkiSha256);
  if (!keyPair) return shown.fail(texts.no_key);
  button.disabled = true;
  try {
    shown.say(texts.preparing);
    const signed = await signTwoStep({
      api,
      sessionsApi: panel.dataset.sessionsApi,
      request: sessionRequest(button, values),
      privateKey: keyPair.privateKey,
      beforeSigning: async (session) => {
        if (session.sms_confirmation) await confirmSms(session);
        shown.say(texts.signing);
      },
    });
    shown.say(texts.signed);
    const beingSealed = sealingOf(panel);
    if (beingSealed(signed)) {
      shown.say(texts.sealing);
      return followSeal(api, panel.dataset.followApi, beingSealed);
    }
    window.location.reload();
  } catch (error) {
    shown.fail(`${texts.failed} ${readable(error)}`);
    button.disabled = false;
  }
}

// The server's own (translated) words; a bare HTTP status or a network error is not for
// people: the page's own words then (data-text-unexpected on the action bar).
function readable(error) {
  const text = error && error.message ? error.message : "";
  if (!text || /^HTTP \d+$/.test(text) || error instanceof TypeError || error instanceof DOMException) {
    return (panel && panel.dataset.textUnexpected) || "";
  }
  return text;
}

const clearPad = document.querySelector("[data-clear-signature-pad]");
if (clearPad && pad) clearPad.addEventListener("click", () => pad.clear());

for (const button of document.querySelectorAll("[data-sign]")) {
  button.addEventListener("click", () => sign(button));
  button.disabled = false; // ready: an early click is never lost
}

const sealing = document.querySelector("[data-sealing]");
if (sealing) {
  sealing.textContent = texts.sealing;
  followSeal(api, sealing.dataset.followApi, sealingOf(sealing)).catch((error) =>
    shown.fail(error.message),
  );
}
