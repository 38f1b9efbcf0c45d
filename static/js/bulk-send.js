// A bulk send's page while its contracts are created: the counts follow the batch's API
// object; when it is no longer creating, the page reloads to show the result.
const root = document.getElementById("bulk-send");
const POLL_MS = 2000;

function show(batch) {
  for (const element of root.querySelectorAll("[data-count]")) {
    const value = batch[element.dataset.count];
    if (value !== undefined) element.textContent = String(value);
  }
  const bar = root.querySelector("[data-progress]");
  if (bar && batch.total) {
    bar.value = Math.round((100 * (batch.total - batch.pending)) / batch.total);
  }
}

async function poll() {
  try {
    const response = await fetch(root.dataset.api, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.ok) {
      const batch = await response.json();
      show(batch);
      if (batch.state !== root.dataset.state) {
        window.location.reload();
        return;
      }
    }
  } catch (_) {
    // the next poll tries again
  }
  setTimeout(poll, POLL_MS);
}

if (root && root.dataset.state === "creating") setTimeout(poll, POLL_MS);
