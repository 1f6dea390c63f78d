// The card page: Stripe.js takes the card in its own frame and confirms the PaymentIntent
// whose client secret the page holds. The invoice is paid when Stripe's signed event reaches
// the server, so success here only leads back to the invoice, where the payment shows.
"use strict";

(() => {
  const section = document.querySelector(".card-pay");
  if (!section || typeof Stripe !== "function") return;
  const stripe = Stripe(section.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const form = document.getElementById("card-form");
  const submit = document.getElementById("card-submit");
  const error = document.getElementById("card-error");
  const show = (message) => {
    error.textContent = message;
    error.hidden = !message;
  };
  card.on("ready", () => { submit.disabled = false; });
  card.on("change", (event) => show(event.error ? event.error.message : ""));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    const result = await stripe.confirmCardPayment(section.dataset.secret, {
      payment_method: { card },
    });
    if (result.error) {
      show(result.error.message);
      submit.disabled = false;
    } else {
      window.location.assign(section.dataset.return);
    }
  });
})();
