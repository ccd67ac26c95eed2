/* The person picker (org/partials/_people_picker.html). htmx fetches the options as one types; this file
   lets one choose among them with the arrow keys and Enter (or the mouse) and keeps each chosen person as a
   hidden input named like the form field it replaces, so the form posts what a <select> would. */
(function () {
  "use strict";

  function setup(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    const input = root.querySelector("[role=combobox]");
    const list = root.querySelector("[role=listbox]");
    const chosenBox = root.querySelector("[data-chosen]");
    const multiple = root.hasAttribute("data-multiple");
    let active = -1;

    const options = () => Array.from(list.querySelectorAll("[role=option]:not([hidden])"));
    const chosenIds = () => Array.from(chosenBox.querySelectorAll("input[type=hidden]"), (i) => i.value);

    function highlight(index) {
      const opts = options();
      active = index >= 0 && index < opts.length ? index : -1;
      opts.forEach((o, i) => {
        o.classList.toggle("active", i === active);
        o.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      if (active >= 0) {
        input.setAttribute("aria-activedescendant", opts[active].id);
        opts[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(open) {
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) highlight(-1);
    }

    function choose(option) {
      if (!multiple) chosenBox.replaceChildren();
      if (!chosenIds().includes(option.dataset.id)) {
        const chip = document.createElement("span");
        chip.className = "badge rounded-pill text-bg-light border people-chip";
        const label = document.createElement("span");
        label.textContent = option.dataset.label;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn-close ms-1 align-middle";
        remove.setAttribute("aria-label", `${root.dataset.remove} ${option.dataset.label}`);
        remove.addEventListener("click", () => {
          chip.remove();
          input.focus();
        });
        const hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = root.dataset.name;
        hidden.value = option.dataset.id;
        chip.append(label, remove, hidden);
        chosenBox.append(chip);
      }
      input.value = "";
      input.setCustomValidity("");
      list.replaceChildren();
      show(false);
      input.focus();
    }

    list.addEventListener("htmx:afterSwap", () => {
      const taken = new Set(chosenIds());
      list.querySelectorAll("[role=option]").forEach((o) => {
        o.id = `${input.id}-opt-${o.dataset.id}`;
        o.hidden = taken.has(o.dataset.id); // already chosen (加签 of several)
      });
      show(input.value.trim() !== "" && list.querySelector("[role=option]:not([hidden]), .people-none") !== null);
      highlight(0); // Enter takes the best match
    });

    input.addEventListener("keydown", (event) => {
      const opts = options();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!opts.length) return;
        event.preventDefault();
        if (list.hidden) show(true);
        const step = event.key === "ArrowDown" ? 1 : -1;
        highlight(active < 0 ? (step > 0 ? 0 : opts.length - 1) : (active + step + opts.length) % opts.length);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(opts[active]);
        } else if (input.value.trim()) {
          event.preventDefault(); // a half-typed name never submits the form
        }
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        show(false);
      } else if (event.key === "Backspace" && multiple && !input.value) {
        chosenBox.lastElementChild?.remove();
      }
    });
    input.addEventListener("input", () => input.setCustomValidity(""));

    // mousedown, not click: the input keeps the focus, so the list does not close first.
    list.addEventListener("mousedown", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) {
        event.preventDefault();
        choose(option);
      }
    });
    list.addEventListener("mousemove", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) highlight(options().indexOf(option));
    });
    root.addEventListener("focusout", (event) => {
      if (!root.contains(event.relatedTarget)) show(false);
    });
    input.addEventListener("focus", () => {
      if (input.value.trim() && options().length) show(true);
    });

    const form = root.closest("form");
    if (form && root.dataset.required) {
      form.addEventListener("submit", (event) => {
        if (chosenIds().length) return;
        event.preventDefault();
        input.setCustomValidity(root.dataset.required);
        input.reportValidity();
      });
    }
  }

  function setupAll(scope) {
    if (scope.matches && scope.matches("[data-people-picker]")) setup(scope);
    scope.querySelectorAll("[data-people-picker]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => setupAll(document));
  } else {
    setupAll(document);
  }
  document.addEventListener("htmx:load", (event) => setupAll(event.detail.elt));
})();
