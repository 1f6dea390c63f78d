// Progressive enhancement only: every page works without this file.
"use strict";

// Copy buttons next to payee details (hidden until there is a clipboard to copy to).
document.querySelectorAll("button.copy").forEach((button) => {
  if (!navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const text = document.getElementById(button.dataset.copy).textContent.trim();
    navigator.clipboard.writeText(text).then(() => {
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = "Copy"; }, 1500);
    });
  });
});

// "I have paid" opens the confirmation form in a dialog; without JavaScript the link leads to
// the same form further down the page. A form that came back with errors stays on the page.
const opener = document.getElementById("open-confirm");
const section = document.getElementById("confirm");
if (opener && section && window.HTMLDialogElement && !section.querySelector(".field-error")) {
  const dialog = document.createElement("dialog");
  dialog.setAttribute("aria-labelledby", "confirm-title");
  const close = document.createElement("button");
  close.type = "button";
  close.className = "dialog-close linklike";
  close.textContent = "Close";
  close.addEventListener("click", () => dialog.close());
  section.parentNode.insertBefore(dialog, section);
  dialog.appendChild(close);
  dialog.appendChild(section);
  opener.addEventListener("click", (event) => {
    event.preventDefault();
    dialog.showModal();
  });
}

// Sign-up: choosing a country shows the payment methods offered there, without a reload.
const country = document.querySelector("select[name=billing_country]");
const methods = document.getElementById("methods");
if (country && methods) {
  const refresh = document.querySelector("button[name=refresh]");
  if (refresh) refresh.hidden = true;
  country.addEventListener("change", () => {
    const url = "/signup/methods/?country=" + encodeURIComponent(country.value);
    fetch(url, { headers: { Accept: "text/html" } })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => { methods.innerHTML = html; })
      .catch(() => { if (refresh) refresh.hidden = false; });
  });
}
