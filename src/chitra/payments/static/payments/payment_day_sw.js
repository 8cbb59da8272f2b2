// The payment-day pages without a network: each page and the assets it loads are fetched
// from the network when there is one (and kept), and from what was kept when there is not.
// Served from /payments/payment-day/sw.js, so it sees only the payment-day pages; POSTs (the
// sync) always go to the network.
"use strict";
var CACHE = "chitra-payment-day-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.slice(-6) === "/sync") { return; }
  event.respondWith(fetch(req).then(function (resp) {
    if (resp.ok && resp.type === "basic" && !resp.redirected) {
      var copy = resp.clone();
      caches.open(CACHE).then(function (c) { return c.put(req, copy); });
    }
    return resp;
  }).catch(function () {
    return caches.match(req, { ignoreVary: true }).then(function (hit) {
      return hit || Response.error();
    });
  }));
});
