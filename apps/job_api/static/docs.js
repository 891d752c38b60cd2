// Interactive documentation of the job API, drawn by Swagger UI from the OpenAPI document at /spec.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/spec", dom_id: "#docs", deepLinking: true });
});
