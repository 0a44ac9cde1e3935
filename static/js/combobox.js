// A <select data-combobox> (multiple or single) becomes an ARIA combobox with type-ahead:
// the options whose name (in either language, accents ignored) contains what is typed,
// arrow keys to move, Enter to choose, Escape to close; chosen options show as chips
// with a remove button. The select itself stays in the form, hidden, and is what is
// sent, so without scripts it is the plain select it always was.
// Written here rather than taken from a library: the site loads no framework, and the
// few maintained stand-alone comboboxes either need one or do not keep the native select.
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var counter = 0;
  document.querySelectorAll("select[data-combobox]").forEach(function (select) {
    counter += 1;
    var base = select.id || ("combobox-" + counter);
    var multiple = select.multiple;
    var options = Array.prototype.filter.call(select.options, function (option) { return option.value !== ""; });
    var label = document.querySelector("label[for='" + select.id + "']");
    var wrapper = document.createElement("div");
    wrapper.className = "combobox";
    var chips = document.createElement("ul");
    chips.className = "chips chosen";
    chips.setAttribute("aria-label", select.getAttribute("data-label-chosen"));
    var input = document.createElement("input");
    input.type = "text";
    input.id = base + "-search";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", base + "-listbox");
    input.setAttribute("autocomplete", "off");
    if (select.getAttribute("aria-describedby")) { input.setAttribute("aria-describedby", select.getAttribute("aria-describedby")); }
    if (select.getAttribute("aria-invalid")) { input.setAttribute("aria-invalid", "true"); }
    var list = document.createElement("ul");
    list.id = base + "-listbox";
    list.setAttribute("role", "listbox");
    list.className = "combobox-list";
    list.hidden = true;
    if (label) {
      if (!label.id) { label.id = base + "-label"; }
      list.setAttribute("aria-labelledby", label.id);
      label.setAttribute("for", input.id);
    }
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    wrapper.appendChild(chips);
    wrapper.appendChild(input);
    wrapper.appendChild(list);
    wrapper.appendChild(live);
    select.hidden = true;
    select.parentNode.insertBefore(wrapper, select.nextSibling);

    var shown = [];
    var active = -1;

    function renderChips() {
      chips.textContent = "";
      options.forEach(function (option) {
        if (!option.selected) { return; }
        var item = document.createElement("li");
        var text = document.createElement("span");
        text.textContent = option.textContent;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove secondary outline small";
        remove.textContent = "×";
        remove.setAttribute("aria-label", select.getAttribute("data-label-remove").replace("{name}", option.textContent));
        remove.addEventListener("click", function () {
          option.selected = false;
          if (!multiple) { select.value = ""; }
          select.dispatchEvent(new Event("change", { bubbles: true }));
          renderChips();
          input.focus();
        });
        item.appendChild(text);
        item.appendChild(remove);
        chips.appendChild(item);
      });
      chips.hidden = !chips.children.length;
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      items.forEach(function (item) { item.classList.remove("active"); });
      active = index;
      if (index < 0 || !items[index]) { input.removeAttribute("aria-activedescendant"); return; }
      items[index].classList.add("active");
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    }
    function choose(option) {
      if (multiple) { option.selected = !option.selected; } else { select.value = option.value; }
      select.dispatchEvent(new Event("change", { bubbles: true }));
      renderChips();
      input.value = "";
      if (multiple) { open(); } else { close(); }
    }
    function open() {
      var query = fold(input.value.trim());
      list.textContent = "";
      shown = options.filter(function (option) {
        if (!query) { return true; }
        return fold(option.textContent).indexOf(query) >= 0 || fold(option.getAttribute("data-other") || "").indexOf(query) >= 0
          || option.value.toLowerCase() === query;
      });
      var group = null;
      shown.forEach(function (option, index) {
        var parent = option.parentNode;
        if (parent.tagName === "OPTGROUP" && parent !== group) {
          group = parent;
          var heading = document.createElement("li");
          heading.setAttribute("role", "presentation");
          heading.className = "combobox-group";
          heading.textContent = parent.label;
          list.appendChild(heading);
        }
        var item = document.createElement("li");
        item.id = base + "-option-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", option.selected ? "true" : "false");
        item.textContent = option.textContent;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { choose(option); });
        list.appendChild(item);
      });
      if (!shown.length) {
        var none = document.createElement("li");
        none.setAttribute("role", "presentation");
        none.textContent = select.getAttribute("data-label-none");
        list.appendChild(none);
      }
      live.textContent = select.getAttribute("data-label-count").replace("{num}", String(shown.length));
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(query && shown.length ? 0 : -1);
    }
    input.addEventListener("input", open);
    input.addEventListener("focus", function () { if (input.value) { open(); } });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { open(); }
        highlight(Math.min(active + 1, shown.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0 && shown[active]) {
          event.preventDefault();
          choose(shown[active]);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      } else if (event.key === "Backspace" && !input.value && multiple) {
        var chosen = options.filter(function (option) { return option.selected; });
        if (chosen.length) { chosen[chosen.length - 1].selected = false; renderChips(); }
      }
    });
    select.addEventListener("change", renderChips);
    renderChips();
  });
})();
