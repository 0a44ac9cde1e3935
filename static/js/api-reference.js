// Starts Swagger UI on the API reference page. Kept out of the page because the
// Content-Security-Policy allows no inline script.
(function () {
  var element = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: element.getAttribute("data-spec-url"),
    domNode: element,
    deepLinking: true,
    persistAuthorization: false,
    validatorUrl: null,
  });
})();
