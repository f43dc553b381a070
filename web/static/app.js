// Rowhouse pages: confirmation before destructive forms, and copy buttons.
// No inline scripts: the pages' Content-Security-Policy forbids them.
"use strict";
document.addEventListener("submit", function (ev) {
  var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) ev.preventDefault();
});
document.addEventListener("click", function (ev) {
  var id = ev.target.getAttribute && ev.target.getAttribute("data-copy");
  if (!id) return;
  var field = document.getElementById(id);
  var done = function () {
    ev.target.textContent = "Copied";
    setTimeout(function () { ev.target.textContent = "Copy"; }, 2000);
  };
  // The clipboard API exists only in secure contexts (https or localhost);
  // elsewhere fall back to selecting the text and the copy command.
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
  } else {
    field.select();
    if (document.execCommand("copy")) done();
  }
});
