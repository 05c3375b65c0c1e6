// Progressive enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // A form marked data-autosubmit submits when one of its selects changes; its button stays for no-JS use.
  document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
    form.querySelectorAll("[data-autosubmit-button]").forEach((button) => button.classList.add("visually-hidden"));
    form.querySelectorAll("select").forEach((select) => select.addEventListener("change", () => form.submit()));
  });
  // A submit button marked data-once is disabled after the first click (the server also refuses a repeat).
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const button = event.submitter;
      if (button && button.hasAttribute("data-once")) {
        if (button.name) {
          const copy = document.createElement("input");
          copy.type = "hidden";
          copy.name = button.name;
          copy.value = button.value;
          form.appendChild(copy);
        }
        window.setTimeout(() => { button.disabled = true; }, 0);
      }
    });
  });
  document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
});
