// The scenario player's one job for htmx: after a choice or "Continue" swaps
// new content into #player, move keyboard focus to its heading, so keyboard
// and screen-reader users carry on from the new content rather than from a
// button that no longer exists. Without JavaScript the same journey is plain
// page loads.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "player") {
      return;
    }
    var heading = target.querySelector("[data-focus]");
    if (heading) {
      heading.focus();
    }
  });
})();
