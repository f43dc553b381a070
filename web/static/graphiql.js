// GraphiQL (vendored, with React's UMD builds) over the document's GraphQL
// endpoint. The fetcher sends the session cookie (same origin) and the
// session's CSRF token.
"use strict";
(function () {
  var el = document.getElementById("graphiql");
  var fetcher = GraphiQL.createFetcher({
    url: el.getAttribute("data-endpoint"),
    headers: { "X-CSRF-Token": el.getAttribute("data-csrf") },
  });
  var defaultQuery = "# Type a query; Ctrl-Space completes, Ctrl-Enter runs.\n{\n  __schema {\n    queryType { name }\n  }\n}\n";
  ReactDOM.createRoot(el).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery, defaultEditorToolsVisibility: false })
  );
})();
