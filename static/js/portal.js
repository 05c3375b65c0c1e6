// Progressive enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // A form marked data-autosubmit submits when one of its selects changes; its button stays for no-JS use.
  document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
    form.querySelectorAll("[data-autosubmit-button]").forEach((button) => button.classList.add("visually-hidden"));
    form.querySelectorAll("select").forEach((select) => select.addEventListener("change", () => form.submit()));
  });
});
