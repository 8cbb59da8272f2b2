// The menu folds behind its button on a phone. On a wide screen it is open: CSS shows it
// where the browser knows ::details-content; this opens it where it does not.
(function () {
  "use strict";
  var menu = document.getElementById("nav-menu");
  var wide = window.matchMedia("(min-width: 40rem)");
  if (menu && wide.matches) { menu.open = true; }
}());
