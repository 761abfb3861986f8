// Starts Swagger UI on /openapi.json; a file of its own so the page's Content-Security-Policy needs no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the default validator badge would call an outside server
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    displayOperationId: true,
  });
});
