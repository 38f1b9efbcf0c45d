// A <select data-auto-submit> submits its form when it changes (no inline handlers: CSP).
for (const control of document.querySelectorAll("[data-auto-submit]")) {
  control.addEventListener("change", () => control.form.submit());
}
