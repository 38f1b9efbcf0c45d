// The header (templates/base.html): on a phone the menu button opens and closes the nav and the
// account's controls; the "My account" dropdown closes on Escape, on a click elsewhere, and when
// another opens. No inline handlers (CSP).
const toggle = document.querySelector("[data-nav-toggle]");
const menu = document.querySelector("[data-nav-menu]");

function setOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("is-open", open);
}

if (toggle && menu) {
  toggle.addEventListener("click", () => {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
}

const dropdowns = [...document.querySelectorAll("[data-nav-dropdown]")];
for (const dropdown of dropdowns) {
  dropdown.addEventListener("toggle", () => {
    if (!dropdown.open) return;
    for (const other of dropdowns) {
      if (other !== dropdown) other.open = false;
    }
  });
}
document.addEventListener("click", (event) => {
  for (const dropdown of dropdowns) {
    if (dropdown.open && !dropdown.contains(event.target)) dropdown.open = false;
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const dropdown of dropdowns) {
    if (dropdown.open) {
      dropdown.open = false;
      dropdown.querySelector("summary")?.focus();
    }
  }
});
