// Progressive enhancement only: every page works without this file.
// Moves focus to the error summary after a failed submit, so screen-reader and keyboard
// users hear and reach the errors first (the autofocus attribute does the same where
// browsers honour it on a non-form element).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
