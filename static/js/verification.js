// Verification pages (§10.3): the upload shows its progress and the verification running,
// then opens the report; the report page follows the sealing of its PDF.
const messages = JSON.parse(document.getElementById("verification-messages")?.textContent || "{}");

function uploadForm(form) {
  const progress = document.getElementById("verification-progress");
  const bar = document.getElementById("upload-progress");
  const statusLine = document.getElementById("verification-status");
  const errorLine = document.getElementById("verification-error");
  const button = document.getElementById("verify-button");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.dataset.api);
    request.setRequestHeader("X-CSRFToken", form.dataset.csrfToken);
    request.setRequestHeader("Accept", "application/json");
    request.responseType = "json";
    progress.hidden = false;
    errorLine.hidden = true;
    button.disabled = true;
    statusLine.textContent = messages.uploading;
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    });
    request.upload.addEventListener("load", () => {
      bar.removeAttribute("value"); // indeterminate while the platform verifies
      statusLine.textContent = messages.verifying;
    });
    request.addEventListener("load", () => {
      const body = request.response || {};
      if (request.status === 201 && body.id) {
        window.location.assign(`${form.dataset.reportUrl}${body.id}/`);
        return;
      }
      fail(body.detail || messages.failed);
    });
    request.addEventListener("error", () => fail(messages.failed));
    request.send(new FormData(form));
  });

  function fail(text) {
    progress.hidden = true;
    button.disabled = false;
    errorLine.textContent = text;
    errorLine.hidden = false;
  }
}

function followReport(root) {
  const statusLine = document.getElementById("report-status");
  if (root.dataset.issued === "1") return;
  let delay = 500;
  const poll = async () => {
    try {
      const response = await fetch(root.dataset.api, { headers: { Accept: "application/json" } });
      if (response.ok && (await response.json()).report.issued) {
        statusLine.textContent = messages.sealed;
        root.dataset.issued = "1";
        return;
      }
    } catch (_) {
      // try again below
    }
    delay = Math.min(delay * 2, 5000);
    setTimeout(poll, delay);
  };
  setTimeout(poll, delay);
}

const form = document.getElementById("verification-form");
if (form) uploadForm(form);
const report = document.getElementById("verification-report");
if (report) followReport(report);
