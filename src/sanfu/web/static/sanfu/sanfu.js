/* Small behaviours the templates ask for with data attributes. The Content-Security-Policy has no
   'unsafe-inline' for scripts, so no template may carry onclick= / onchange= / onsubmit= or an inline
   <script>; they say what they want here instead:
     data-print              a button that prints the page
     data-confirm="…"        on a form (asked on submit) or a button (asked on click): go on only if confirmed
     data-autosubmit         a <select> that submits its form when changed
     data-form-query="k=v"   a link whose query is its form's current fields plus k=v (export what is filtered)
     data-autopost           a form posted once, in the background, as soon as the page is seen (已阅)
     data-close="selector"   a button that removes its closest element matching the selector (a card shown in place) */
(function () {
  "use strict";

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const ask = target.closest("button[data-confirm], input[data-confirm]");
    if (ask && !window.confirm(ask.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    const close = target.closest("[data-close]");
    if (close) {
      event.preventDefault();
      close.closest(close.dataset.close)?.remove();
      return;
    }
    if (target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
      return;
    }
    const link = target.closest("a[data-form-query]");
    if (link) {
      const form = link.closest("form");
      const query = new URLSearchParams(form ? new FormData(form) : undefined);
      new URLSearchParams(link.dataset.formQuery).forEach((value, key) => query.set(key, value));
      link.href = `${new URL(link.href, window.location.href).pathname}?${query}`;
    }
  });

  // Capture: asked before htmx or any other listener sees the submission.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) field.form.submit();
  });

  // A read receipt is a POST with the CSRF token, sent only once the page is really shown: a link opened by a
  // mail scanner, a prefetch or a background tab records nothing until someone looks at it.
  function autopost(form) {
    if (form.dataset.posted) return;
    form.dataset.posted = "1";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        form.classList.add("is-done");
        const done = form.querySelector("[data-autopost-done]");
        if (done) done.hidden = false;
        form.querySelectorAll("[data-autopost-pending]").forEach((el) => { el.hidden = true; });
      })
      .catch(() => { delete form.dataset.posted; }); // the button stays: the person can still press it
  }

  function autopostAll(scope) {
    if (document.visibilityState !== "visible") return;
    scope.querySelectorAll("form[data-autopost]").forEach(autopost);
  }

  function ready() {
    autopostAll(document);
    document.addEventListener("visibilitychange", () => autopostAll(document));
    document.addEventListener("htmx:load", (event) => autopostAll(event.detail.elt));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
