// A download the server takes seconds to make (the evidence package is put together when asked
// for). A link with data-busy-label says so while the file is made, then hands it to the
// browser; a refusal opens as the server's own page. Without this script the link downloads
// as before, with nothing to show in the meantime.

function fileName(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (encoded) return decodeURIComponent(encoded[1]);
  const plain = /filename="([^"]+)"/i.exec(header);
  return plain ? plain[1] : fallback;
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function download(link) {
  const label = link.textContent;
  link.textContent = link.dataset.busyLabel;
  link.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(link.href, { credentials: "same-origin" });
    if (!response.ok) {
      window.location.assign(link.href); // the refusal, explained by the server's page
      return;
    }
    save(await response.blob(), fileName(response, link.getAttribute("download") || "download"));
  } catch {
    window.location.assign(link.href);
  } finally {
    link.textContent = label;
    link.removeAttribute("aria-busy");
  }
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-busy-label]");
  const plain = event.button === 0 && !(event.metaKey || event.ctrlKey || event.shiftKey || event.altKey);
  if (!link || !plain) return;
  event.preventDefault();
  if (link.getAttribute("aria-busy") !== "true") download(link); // one package at a time
});
