// The REST console: Swagger UI (vendored) over the document's OpenAPI
// document. Requests go to this origin with the session cookie, plus the
// session's CSRF token, which the server requires for cookie-authenticated
// writes. validatorUrl is off so that nothing is sent to an outside host.
"use strict";
(function () {
  var el = document.getElementById("swagger");
  var csrf = el.getAttribute("data-csrf");
  window.ui = SwaggerUIBundle({
    url: el.getAttribute("data-spec-url"),
    domNode: el,
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: true,
    withCredentials: true,
    requestInterceptor: function (req) {
      var u = new URL(req.url, window.location.href);
      if (u.origin === window.location.origin) {
        req.headers["X-CSRF-Token"] = csrf;
        req.credentials = "same-origin";
      }
      return req;
    },
  });
})();
