// Batch signing (templates/signing/batch.html, issue 16): the signer ticks the contracts waiting
// for it; the server prepares one signature per contract and sends ONE SMS code naming their
// number and list digest (POST /signing-batches/); once the code is confirmed every contract's
// to-be-signed bytes come back, the key in this browser signs them all (it never leaves the
// browser), and the signatures are sent in chunks, two requests at a time, while each contract
// shows whether it is signed.

import { b64decode, b64encode, loadKeyPair, signBytes } from "./keys.js";
import { confirmSmsCode, postCode } from "./sms-code.js";
import { jsonApi, messages } from "./two-step.js";

const CHUNK = 20; // signatures per complete request
const PARALLEL = 2; // requests at a time: the server has two workers' worth of cores

const texts = JSON.parse(document.getElementById("batch-signing-texts").textContent);
const panel = document.querySelector("[data-batch-signing]");
const shown = messages(
  document.getElementById("sign-status"),
  document.getElementById("sign-error"),
);
const api = jsonApi(panel.dataset.csrfToken);
const batchesApi = panel.dataset.batchesApi;
const progress = panel.querySelector("[data-progress]");
const choices = [...panel.querySelectorAll("[data-choice]")];
const selectAll = panel.querySelector("[data-select-all]");
const signButtons = [...panel.querySelectorAll("[data-batch-sign]")];

function fill(text, values) {
  return Object.entries(values).reduce(
    (result, [name, value]) => result.replaceAll(`%(${name})s`, String(value)),
    text,
  );
}

function rowOf(contractId) {
  return panel.querySelector(`[data-contract="${CSS.escape(contractId)}"]`);
}

// One contract's line: waiting, signed, or not signed with the server's reason.
function showItem(item) {
  const row = rowOf(item.contract_id);
  if (!row) return;
  const result = row.querySelector("[data-result]");
  result.hidden = false;
  if (item.state === "signed") {
    result.dataset.result = "signed";
    result.textContent = texts.signed;
    row.querySelector("[data-choice]").checked = false;
    row.querySelector("[data-choice]").disabled = true;
  } else if (item.code) {
    result.dataset.result = "failed";
    result.textContent = `${texts.not_signed} ${item.detail}`;
  } else {
    result.dataset.result = "waiting";
    result.textContent = texts.waiting;
  }
}

function chosen() {
  return choices.filter((box) => box.checked && !box.disabled).map((box) => box.value);
}

function batchRequest(button, contractIds) {
  const request = { contract_ids: contractIds, certificate_id: Number(button.dataset.batchSign) };
  const seal = panel.querySelector("[data-seal]");
  if (seal && seal.value) request.seal_id = Number(seal.value);
  return request;
}

async function confirmBatch(batch) {
  shown.say(texts.sms_sent);
  return confirmSmsCode({
    panel: panel.querySelector("[data-sms-code]"),
    shows: {
      "[data-sms-sent-to]": batch.sms_confirmation.sent_to,
      "[data-sms-count]": batch.count,
      "[data-sms-digest]": batch.digest.slice(0, 16),
    },
    send: (code) => postCode(`${batchesApi}${batch.id}/confirm/`, panel.dataset.csrfToken, code),
    shown,
  });
}

// Every to-be-signed value signed first (WebCrypto is fast), then sent in chunks.
async function signAll(privateKey, items) {
  const signatures = [];
  for (const item of items) {
    const value = await signBytes(privateKey, b64decode(item.to_be_signed));
    signatures.push([item.contract_id, b64encode(value)]);
  }
  return signatures;
}

async function completeAll(batch, signatures) {
  const chunks = [];
  for (let start = 0; start < signatures.length; start += CHUNK) {
    chunks.push(Object.fromEntries(signatures.slice(start, start + CHUNK)));
  }
  let done = 0;
  progress.max = signatures.length;
  progress.value = 0;
  progress.hidden = false;
  const results = [];
  async function worker() {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
      const answer = await api(`${batchesApi}${batch.id}/complete/`, {
        method: "POST",
        body: JSON.stringify({ signatures: chunk }),
      });
      for (const item of answer.results) showItem(item);
      results.push(...answer.results);
      done += answer.results.length;
      progress.value = done;
      shown.say(fill(texts.signing, { done, count: signatures.length }));
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return results;
}

async function signChosen(button) {
  shown.clear();
  const contractIds = chosen();
  if (!contractIds.length) return shown.fail(texts.choose);
  const keyPair = await loadKeyPair(button.dataset.spkiSha256);
  if (!keyPair) return shown.fail(texts.no_key);
  for (const each of signButtons) each.disabled = true;
  try {
    shown.say(fill(texts.preparing, { count: contractIds.length }));
    const started = await api(batchesApi, {
      method: "POST",
      body: JSON.stringify(batchRequest(button, contractIds)),
    });
    for (const item of started.items) showItem(item);
    if (!started.count) return shown.fail(texts.nothing);
    // No code could be sent with the batch (too many this hour): ask once more, or say why.
    const ready = started.sms_confirmation
      ? started
      : await api(`${batchesApi}${started.id}/sms-code/`, { method: "POST" });
    const confirmed = await confirmBatch(ready);
    const waiting = confirmed.items.filter((item) => item.to_be_signed);
    const signatures = await signAll(keyPair.privateKey, waiting);
    const results = await completeAll(confirmed, signatures);
    const signed = results.filter((item) => item.state === "signed").length;
    const failed = started.items.length - signed;
    shown.say(fill(texts.done, { signed, failed }));
  } catch (error) {
    shown.fail(`${texts.failed} ${readable(error)}`);
  } finally {
    for (const each of signButtons) each.disabled = false;
  }
}

// The server's own (translated) words; a bare HTTP status or a network error is not for
// people: the page's own words then (data-text-unexpected).
function readable(error) {
  const text = error && error.message ? error.message : "";
  if (!text || /^HTTP \d+$/.test(text) || error instanceof TypeError || error instanceof DOMException) {
    return panel.dataset.textUnexpected || "";
  }
  return text;
}

selectAll.addEventListener("change", () => {
  for (const box of choices) if (!box.disabled) box.checked = selectAll.checked;
});
selectAll.disabled = false; // ready, as the buttons below
for (const button of signButtons) {
  button.addEventListener("click", () => signChosen(button));
  button.disabled = false; // ready: an early click is never lost
}
