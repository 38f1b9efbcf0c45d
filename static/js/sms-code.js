// The SMS-code box of the signing pages (§9.1): one document's code on a contract, amendment or
// termination page (templates/signing/_panel.html), one code for a whole batch on the batch
// signing page (templates/signing/batch.html). The box says where the code went and what it
// confirms; the code is asked for again until the server accepts it (the server counts the
// wrong tries and locks them).
//
// A refused code is shown in the box, under the input, in the page's language: the box's
// data-text-<code> attributes (rendered translated by the template) for the refusals it knows,
// else the server's own (translated) message, else data-text-failed. It is cleared as soon as
// the code is typed again, and when the code is accepted or a new attempt starts.

// `url`'s answer to the code, or an Error carrying the refusal's `code` and `detail`.
export async function postCode(url, csrfToken, code) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify({ code }),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const refusal = new Error(data.detail || "");
    refusal.code = data.code || "";
    refusal.detail = data.detail || "";
    throw refusal;
  }
  return data;
}

const FINAL = new Set(["code_expired", "code_locked"]);

// The words for a refusal, never an English fallback of this script.
function refusalText(panel, error) {
  const known = error && error.code ? panel.dataset[textKey(error.code)] : "";
  return known || (error && error.detail) || panel.dataset.textFailed || "";
}

// "code_invalid" -> "textCodeInvalid" (data-text-code-invalid).
function textKey(code) {
  return `text-${code.replaceAll("_", "-")}`.replace(/-([a-z])/g, (_, letter) => letter.toUpperCase());
}

function errorOf(panel) {
  const box = panel.querySelector("[data-sms-error]");
  const input = panel.querySelector("input");
  return {
    show(text) {
      if (box) {
        box.textContent = text;
        box.hidden = false;
      }
      input.setAttribute("aria-invalid", "true");
    },
    clear() {
      if (box) {
        box.textContent = "";
        box.hidden = true;
      }
      input.removeAttribute("aria-invalid");
    },
  };
}

// `panel`: the [data-sms-code] box; `shows`: {selector inside it: text to show there};
// `send(code)`: asks the server, resolves with its answer or throws its refusal (postCode);
// `shown`: two-step.js messages(), cleared when the code is accepted. Throws, with the words
// to show, when the code expired or was locked.
export async function confirmSmsCode({ panel, shows, send, shown }) {
  for (const [selector, text] of Object.entries(shows)) {
    panel.querySelector(selector).textContent = text;
  }
  const input = panel.querySelector("input");
  const button = panel.querySelector("button");
  const error = errorOf(panel);
  error.clear();
  panel.hidden = false;
  input.value = "";
  input.focus();
  const typed = () => error.clear();
  input.addEventListener("input", typed);
  try {
    for (;;) {
      const code = await new Promise((resolve) => {
        button.onclick = () => resolve(input.value.trim());
      });
      button.disabled = true;
      try {
        const answer = await send(code);
        error.clear();
        shown.clear();
        return answer;
      } catch (refusal) {
        const text = refusalText(panel, refusal);
        // Expired or locked: this code is done for; the signer starts again for a new one.
        if (FINAL.has(refusal.code)) throw new Error(text);
        error.show(text);
        input.select();
      } finally {
        button.disabled = false;
      }
    }
  } finally {
    input.removeEventListener("input", typed);
    error.clear();
    panel.hidden = true;
    button.onclick = null;
  }
}
