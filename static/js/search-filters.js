// On a phone the results come first and the filters wait behind a "Filters" button
// (without scripts they simply follow the results, see site.css).
(function () {
  "use strict";
  var filters = document.getElementById("search-filters");
  var results = document.querySelector(".search-layout .results");
  if (!filters || !results) { return; }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "secondary outline filters-button";
  button.textContent = filters.getAttribute("data-label-show");
  button.setAttribute("aria-controls", filters.id);
  button.setAttribute("aria-expanded", "false");
  filters.classList.add("collapsible");
  button.addEventListener("click", function () {
    var open = filters.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { filters.querySelector("summary, a").focus(); }
  });
  results.parentNode.insertBefore(button, results);
})();
