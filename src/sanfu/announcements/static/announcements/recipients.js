/* The compose form's recipient picker is the house person picker (sanfu/people_picker.js). A draft being
   edited already has recipients: the server renders them as chips in a <template> beside the picker; this
   moves them into the picker's chosen box and lets their remove buttons work as the picker's own do. */
(function () {
  "use strict";

  function adopt() {
    document.querySelectorAll("template[data-picker-initial]").forEach((template) => {
      const input = document.getElementById(template.dataset.pickerInitial);
      const chosen = input?.closest("[data-people-picker]")?.querySelector("[data-chosen]");
      if (!chosen) return;
      chosen.append(template.content.cloneNode(true));
      template.remove();
      chosen.addEventListener("click", (event) => {
        const close = event.target.closest(".people-chip[data-initial] .btn-close");
        if (!close) return;
        close.closest(".people-chip").remove();
        input.focus();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", adopt);
  } else {
    adopt();
  }
})();
