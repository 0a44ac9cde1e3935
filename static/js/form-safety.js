// Nothing typed in the document form is lost. Progressive enhancement: without scripts
// the form and the attachment form work as plain forms.
//  - While typing, the form's text is kept in this browser (localStorage) and sent to
//    the server (kept for the signed-in account, not saved into the document); when the
//    server cannot take it (the session ended) the browser's copy remains, and the form
//    puts it back when it is opened again, e.g. after signing in.
//  - Leaving the page with unsaved changes asks first.
//  - Files are attached from the same page (drag and drop, progress), checked for size
//    and type before sending; the server still decides.
(function () {
  "use strict";
  var form = document.getElementById("document-form");
  document.documentElement.classList.add("js");
  if (!form) { return; }
  var status = document.getElementById("autosave-status");
  var storageKey = "rcm-exchange:form:" + form.getAttribute("data-form-key");
  var skipped = { csrf_token: true, idempotency_key: true, save_and_submit: true };
  var dirty = false;
  var timer = null;

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }
  function say(attribute, when) {
    if (!status) { return; }
    var time = when.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
    status.textContent = form.getAttribute(attribute).replace("{time}", time);
  }
  function values() {
    var result = {};
    new FormData(form).forEach(function (value, name) {
      if (skipped[name] || typeof value !== "string") { return; }
      var field = form.elements[name];
      var many = field && (field.multiple || (field.length > 1 && field[0] && field[0].type === "checkbox"));
      if (many) { (result[name] = result[name] || []).push(value); } else { result[name] = value; }
    });
    ["tags", "countries"].forEach(function (name) { if (form.elements[name] && !result[name]) { result[name] = []; } });
    return result;
  }
  function fill(saved) {
    Object.keys(saved).forEach(function (name) {
      if (name === "version") { return; }
      var value = saved[name];
      var editor = document.querySelector("trix-editor[input='field-" + name + "-value']");
      if (editor && editor.editor) { editor.editor.loadHTML(value || ""); return; }
      var field = form.elements[name];
      if (!field) { return; }
      if (field.tagName === "SELECT" && field.multiple) {
        Array.prototype.forEach.call(field.options, function (option) { option.selected = value.indexOf(option.value) >= 0; });
        field.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (field.length && field[0] && field[0].type === "checkbox") {
        Array.prototype.forEach.call(field, function (box) { box.checked = value.indexOf(box.value) >= 0; });
      } else if ("value" in field) {
        field.value = value;
      }
    });
  }
  function keep() {
    var now = new Date();
    var store = storage();
    var record = { savedAt: now.toISOString(), values: values() };
    if (store) { try { store.setItem(storageKey, JSON.stringify(record)); } catch (error) { /* full */ } }
    var token = form.elements.csrf_token ? form.elements.csrf_token.value : "";
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ values: record.values })
    }).then(function (response) {
      say(response.ok ? "data-message-saved" : "data-message-local", now);
    }, function () { say("data-message-local", now); });
  }
  function changed() {
    dirty = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(keep, 1500);
  }

  // Put back what this browser kept and the server never got as a saved document.
  var store = storage();
  var kept = null;
  if (store) { try { kept = JSON.parse(store.getItem(storageKey) || "null"); } catch (error) { kept = null; } }
  var savedAt = form.getAttribute("data-saved-at");
  var hasErrors = document.getElementById("error-summary") || document.getElementById("conflict");
  if (kept && kept.values && !hasErrors && !/[?&]restore=/.test(location.search)
      && (!savedAt || new Date(kept.savedAt) > new Date(savedAt))
      && JSON.stringify(kept.values) !== JSON.stringify(values())) {
    var restore = function () {
      fill(kept.values);
      dirty = true;
      if (status) { status.textContent = form.getAttribute("data-message-restored"); }
    };
    if (document.querySelector("trix-editor") && !document.querySelector("trix-editor").editor) {
      document.addEventListener("trix-initialize", function once() {
        document.removeEventListener("trix-initialize", once); window.setTimeout(restore, 0);
      });
    } else { window.setTimeout(restore, 0); }
  } else if (kept && savedAt && new Date(kept.savedAt) <= new Date(savedAt) && store) {
    store.removeItem(storageKey);  // the document was saved after it: nothing is missing
  }
  if (!form.getAttribute("data-form-key").match(/^new$/) && store) {
    // A new document was created from what the new-document form kept.
    try {
      var fresh = JSON.parse(store.getItem("rcm-exchange:form:new") || "null");
      if (fresh && fresh.submitted && form.elements.title && fresh.values.title === form.elements.title.value) {
        store.removeItem("rcm-exchange:form:new");
      }
    } catch (error) { /* nothing kept */ }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  document.addEventListener("trix-change", changed);
  form.addEventListener("submit", function () {
    dirty = false;
    window.clearTimeout(timer);
    if (store) {
      try { store.setItem(storageKey, JSON.stringify({ savedAt: new Date().toISOString(), values: values(), submitted: true })); } catch (error) { /* full */ }
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) { return; }
    event.preventDefault();
    event.returnValue = form.getAttribute("data-message-leave");
    return event.returnValue;
  });

  // --- attachments from the same page --------------------------------------------
  var upload = document.getElementById("upload-form");
  if (!upload || !window.XMLHttpRequest || !window.FormData) { return; }
  var input = upload.querySelector("input[type=file]");
  var progress = document.getElementById("upload-progress");
  var list = document.getElementById("attachment-list");
  var maxBytes = parseInt(upload.getAttribute("data-max-bytes"), 10);
  var types = upload.getAttribute("data-types").split(",");

  function note(text, isError) {
    var line = document.createElement("p");
    line.className = isError ? "field-error" : "upload-note";
    line.setAttribute("role", isError ? "alert" : "status");
    line.textContent = text;
    progress.appendChild(line);
    return line;
  }
  function message(attribute, name) { return upload.getAttribute(attribute).replace("{name}", name); }
  function send(file) {
    var extension = (file.name.split(".").pop() || "").toLowerCase();
    if (types.indexOf(extension) < 0) { note(message("data-message-wrong-type", file.name), true); return; }
    if (file.size > maxBytes) { note(message("data-message-too-large", file.name), true); return; }
    var row = document.createElement("div");
    var label = document.createElement("label");
    var bar = document.createElement("progress");
    var id = "progress-" + Math.random().toString(36).slice(2);
    bar.id = id; bar.max = 100; bar.value = 0;
    label.setAttribute("for", id);
    label.textContent = message("data-message-sending", file.name);
    row.appendChild(label); row.appendChild(bar);
    progress.appendChild(row);
    var data = new FormData();
    data.append("csrf_token", upload.elements.csrf_token.value);
    data.append("file", file, file.name);
    var request = new XMLHttpRequest();
    request.open("POST", upload.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { bar.value = Math.round(100 * event.loaded / event.total); }
    });
    request.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (error) { answer = {}; }
      row.remove();
      if (request.status !== 201) {
        note(answer.message || message("data-message-failed", file.name), true);
        return;
      }
      // The document's version moved with the new file: the text form follows it.
      if (form.elements.version) { form.elements.version.value = answer.version; }
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = answer.url; link.textContent = answer.filename;
      item.appendChild(link);
      list.appendChild(item);
      note(answer.message, false);
    });
    request.addEventListener("error", function () { row.remove(); note(message("data-message-failed", file.name), true); });
    request.send(data);
  }
  function sendAll(files) { Array.prototype.forEach.call(files, send); }
  upload.addEventListener("submit", function (event) {
    event.preventDefault();
    sendAll(input.files);
    input.value = "";
  });
  input.addEventListener("change", function () { sendAll(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (name) {
    upload.addEventListener(name, function (event) { event.preventDefault(); upload.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    upload.addEventListener(name, function () { upload.classList.remove("dragging"); });
  });
  upload.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files) { sendAll(event.dataTransfer.files); }
  });
})();
