// The new-contract and edit-draft form (templates/signing/new.html): an incomplete contract is
// not sent. A required field left blank is marked (aria-invalid, its message under it) and the
// contract elements missing are listed above the form, as the server would say it (it checks
// again: signing/forms.py). An element a placed field supplies (its signer fills it in when
// signing, the field editor's "contract element it fills in") is not required here.

const form = document.querySelector("[data-contract-form]");

function labelOf(input) {
  const label = input.id ? form.querySelector(`label[for="${input.id}"]`) : null;
  return label ? label.textContent.trim() : input.name;
}

// The elements the placed fields supply, from the editor's hidden output (JSON).
function supplied() {
  const output = form.querySelector("[data-editor-output]");
  try {
    const fields = JSON.parse(output && output.value ? output.value : "[]");
    return new Set((Array.isArray(fields) ? fields : []).map((field) => field && field.element).filter(Boolean));
  } catch {
    return new Set();
  }
}

function updateRequired() {
  const given = supplied();
  for (const input of form.querySelectorAll("[data-element]")) {
    const byField = given.has(input.dataset.element);
    input.required = !byField;
    if (byField) clear(input);
  }
}

function clear(input) {
  input.removeAttribute("aria-invalid");
  const error = document.getElementById(`${input.id}_client_error`);
  if (error) error.remove();
  const box = input.closest(".field");
  if (box && !box.querySelector(".field__errors")) box.classList.remove("field--invalid");
}

function mark(input, text) {
  input.setAttribute("aria-invalid", "true");
  const box = input.closest(".field");
  if (box) box.classList.add("field--invalid");
  let error = document.getElementById(`${input.id}_client_error`);
  if (!error) {
    error = document.createElement("p");
    error.id = `${input.id}_client_error`;
    error.className = "field__errors";
    error.dataset.testid = "client-error";
    input.insertAdjacentElement("afterend", error);
  }
  error.textContent = text;
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(error.id)) input.setAttribute("aria-describedby", [...described, error.id].join(" "));
}

function blank(input) {
  if (input.type === "file") return !input.files || input.files.length === 0;
  return input.value.trim() === "";
}

function check(event) {
  updateRequired();
  const texts = form.dataset;
  const missing = [];
  const elements = [];
  for (const input of form.querySelectorAll("input[required], textarea[required], select[required]")) {
    if (!blank(input)) continue;
    missing.push(input);
    const name = labelOf(input);
    if (input.dataset.element) {
      elements.push(name);
      mark(input, texts.textElement.replace("{element}", name));
    } else {
      mark(input, texts.textRequired);
    }
  }
  const problems = form.querySelector("[data-form-problems]");
  if (!missing.length) return;
  event.preventDefault();
  if (problems && elements.length) {
    problems.textContent = `${texts.textMissing} ${elements.join("、")}`;
    problems.hidden = false;
  }
  missing[0].focus();
}

if (form) {
  form.addEventListener("submit", check);
  form.addEventListener("input", (event) => {
    const input = event.target;
    if (input.matches("input, textarea, select") && !blank(input)) clear(input);
  });
  const editor = form.querySelector("[data-field-editor]");
  if (editor) editor.addEventListener("fields-changed", updateRequired);
  updateRequired();
}
