/* Behaviour of the console pages, bound by data attributes: the Content-Security-Policy allows no
   inline script, no inline event handlers (onclick=…, hx-on:…) and no eval (htmx trigger filters),
   so the templates say what they want and this file does it, for content swapped in by htmx too. */
(function () {
  "use strict";

  // <form data-enter-ignore> / <input data-enter-ignore>: Enter in a text field does not submit the form.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    const target = event.target;
    if (target.tagName === "INPUT" && target.closest("[data-enter-ignore]")) event.preventDefault();
  });

  // <input data-enter-event>: Enter fires "enterkey" on the field (hx-trigger="…, enterkey"),
  // instead of the trigger filter keyup[key=='Enter'], which htmx would evaluate as script.
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    if (event.target.matches && event.target.matches("[data-enter-event]")) {
      event.target.dispatchEvent(new CustomEvent("enterkey", {bubbles: true}));
    }
  });

  // <select data-autosubmit>: choosing submits its form.
  document.addEventListener("change", function (event) {
    const select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });

  // <button data-toggle-form-class="show-filters">: toggles that class on the button's form.
  // <button data-remove-parent>: removes its parent element (a chosen area's chip).
  // <button data-choose="communities" data-id="…" data-label="…">: adds a chip to #chosen (new outage).
  // <a data-status-tab="…">: filters the order list by that status through the filter form.
  document.addEventListener("click", function (event) {
    const toggle = event.target.closest("[data-toggle-form-class]");
    if (toggle) {
      const form = toggle.closest("form");
      if (form) form.classList.toggle(toggle.dataset.toggleFormClass);
      return;
    }
    const remove = event.target.closest("[data-remove-parent]");
    if (remove) {
      remove.parentNode.remove();
      return;
    }
    const choose = event.target.closest("[data-choose]");
    if (choose) {
      chooseArea(choose.dataset.choose, choose.dataset.id, choose.dataset.label);
      return;
    }
    const tab = event.target.closest("[data-status-tab]");
    if (tab) {
      const status = document.getElementById("order-status-filter");
      const filters = document.getElementById("order-filters");
      if (!status || !filters || !window.htmx) return;  // the link's href still works
      event.preventDefault();
      status.value = tab.dataset.statusTab;
      window.htmx.trigger(filters, "submit");
      return;
    }
    copyText(event);
  });

  function chooseArea(name, id, label) {
    const chosen = document.getElementById("chosen");
    if (!chosen || chosen.querySelector('input[name="' + name + '"][value="' + CSS.escape(id) + '"]')) return;
    const empty = document.getElementById("chosen-empty");
    if (empty) empty.remove();
    const chip = document.createElement("span");
    chip.className = "badge text-bg-primary chosen-area";
    chip.textContent = label + " ";
    const input = Object.assign(document.createElement("input"), {type: "hidden", name: name, value: id});
    const close = Object.assign(document.createElement("button"), {type: "button", className: "btn-close btn-close-white btn-sm"});
    close.setAttribute("aria-label", chosen.dataset.removeLabel || "×");
    close.setAttribute("data-remove-parent", "");
    chip.append(input, close);
    chosen.append(chip);
  }

  // Copy buttons of the knowledge base: <button data-copy="#element" data-copied="…"> puts the element's
  // text on the clipboard; without the Clipboard API (plain http) the text is selected and copied.
  function copyText(event) {
    const button = event.target.closest("[data-copy]");
    const source = button && document.querySelector(button.dataset.copy);
    if (!source) return;
    const text = source.innerText.trim();
    const copied = function () {
      if (!button.dataset.label) button.dataset.label = button.textContent;
      button.textContent = button.dataset.copied || "✓";
      button.classList.add("copied");
      setTimeout(function () { button.textContent = button.dataset.label; button.classList.remove("copied"); }, 2000);
    };
    const fallback = function () {
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { document.execCommand("copy"); } finally { selection.removeAllRanges(); }
      copied();
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(copied, fallback);
    } else {
      fallback();
    }
  }
})();
