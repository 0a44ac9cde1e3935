// Progressive enhancement of rich-text fields: a <textarea data-rich-text> works on its
// own; with scripts on, it becomes a Trix editor that writes the same field name. The
// server sanitizes whatever arrives, so the editor is a convenience, not a safeguard.
(function () {
  "use strict";
  if (!window.Trix || !window.customElements) { return; }
  // Paragraphs and second-level headings, as the site's allow-list keeps them.
  Trix.config.blockAttributes["default"].tagName = "p";
  Trix.config.blockAttributes["default"].breakOnReturn = true;
  Trix.config.blockAttributes.heading1.tagName = "h2";

  // The toolbar's words in the page's language (the page gives them as JSON).
  var words = document.getElementById("editor-words");
  if (words) {
    try { Object.assign(Trix.config.lang, JSON.parse(words.textContent)); } catch (error) { /* English stays */ }
  }

  // Files are attached through the attachments form, where they are checked; the
  // editor's own attach button is hidden (site.css) and a dropped file is refused.
  document.addEventListener("trix-file-accept", function (event) { event.preventDefault(); });

  // One editor per task: each is costly to lay out, and one long task for all of them
  // keeps the page from answering the first keystrokes.
  var queue = Array.prototype.slice.call(document.querySelectorAll("textarea[data-rich-text]"));
  function enhanceNext() {
    var textarea = queue.shift();
    if (!textarea) { return; }
    enhance(textarea);
    window.setTimeout(enhanceNext, 0);
  }
  window.setTimeout(enhanceNext, 0);

  function enhance(textarea) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = textarea.name;
    input.id = textarea.id + "-value";
    input.value = textarea.value;
    var editor = document.createElement("trix-editor");
    editor.setAttribute("input", input.id);
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    editor.id = textarea.id;
    var describedBy = textarea.getAttribute("aria-describedby");
    if (describedBy) { editor.setAttribute("aria-describedby", describedBy); }
    if (textarea.getAttribute("aria-invalid")) { editor.setAttribute("aria-invalid", "true"); }
    var label = document.querySelector("label[for='" + textarea.id + "']");
    if (label && !label.id) { label.id = textarea.id + "-label"; }
    if (label) { editor.setAttribute("aria-labelledby", label.id); }
    editor.className = "rich-text";
    textarea.replaceWith(input, editor);
  }

  // Practice details apply to practice reports and experiences only.
  var type = document.getElementById("field-doc_type");
  var practice = document.getElementById("practice-fields");
  if (type && practice) {
    var sync = function () { practice.hidden = type.value === "guidance"; };
    type.addEventListener("change", sync);
    sync();
  }
})();
