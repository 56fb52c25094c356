// Upstand's page script. Everything works without it; it only adds the
// quick exit on Escape pressed twice, and makes the quick-exit link replace
// this page in the history so "Back" does not return here.
(function () {
  "use strict";
  var exit = document.querySelector("[data-quick-exit]");
  if (!exit) {
    return;
  }
  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    window.location.replace(exit.href);
  }
  exit.addEventListener("click", leave);
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var now = Date.now();
    if (now - last < 800) {
      leave();
    }
    last = now;
  });
})();
