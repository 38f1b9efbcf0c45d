// The SMS-code box of the signing pages (§9.1): one document's code on a contract, amendment or
// termination page (templates/signing/_auxiliary_signatures.html), one code for a whole batch
// on the batch signing page (templates/signing/batch.html). The box says where the code went
// and what it confirms; the code is asked for again until the server accepts it (the server
// counts the wrong tries and locks them).

// `panel`: the [data-sms-code] box; `shows`: {selector inside it: text to show there};
// `send(code)`: asks the server, resolves with its answer or throws its refusal; `shown`:
// two-step.js messages(), for the refusals.
export async function confirmSmsCode({ panel, shows, send, shown }) {
  for (const [selector, text] of Object.entries(shows)) {
    panel.querySelector(selector).textContent = text;
  }
  panel.hidden = false;
  const input = panel.querySelector("input");
  const button = panel.querySelector("button");
  input.value = "";
  input.focus();
  try {
    for (;;) {
      const code = await new Promise((resolve) => {
        button.onclick = () => resolve(input.value.trim());
      });
      try {
        const answer = await send(code);
        shown.clear();
        return answer;
      } catch (error) {
        shown.fail(error.message);
      }
    }
  } finally {
    panel.hidden = true;
    button.onclick = null;
  }
}
