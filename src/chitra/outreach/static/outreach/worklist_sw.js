// The ward team's worklist and contact forms without a network. Served from /outreach/sw.js
// (its scope is /outreach/) with ?k=<key of the signed-in user>: the pages are kept in a
// cache of that user only, and a worker started for another user deletes the others' caches.
// Only the worklist, the contact forms and static assets are kept; every other request and
// every POST (the entries) goes to the network. Network first: a kept page is shown only
// when the network fails. Logging out clears it all (the server sends Clear-Site-Data).
"use strict";
var PREFIX = "chitra-outreach-";
var KEY = (new URL(self.location.href).searchParams.get("k") || "").replace(/[^0-9a-f]/g, "");
var CACHE = PREFIX + KEY;
var SCOPE = new URL(self.registration.scope).pathname;  // "/outreach/"
var FORM = /^contact\/\d+\/$/;

function kept(url) {
  if (url.origin !== self.location.origin) { return false; }
  if (url.pathname.indexOf("/static/") === 0) { return true; }
  if (url.pathname.indexOf(SCOPE) !== 0) { return false; }
  var rest = url.pathname.slice(SCOPE.length);
  return rest === "" || FORM.test(rest);
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf(PREFIX) === 0 && n !== CACHE;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET" || !KEY) { return; }
  var url = new URL(req.url);
  if (!kept(url)) { return; }
  event.respondWith(fetch(req).then(function (resp) {
    var noStore = /no-store/.test(resp.headers.get("Cache-Control") || "");
    if (resp.ok && resp.type === "basic" && !resp.redirected && !noStore) {
      var copy = resp.clone();
      caches.open(CACHE).then(function (c) { return c.put(req, copy); });
    }
    return resp;
  }).catch(function () {
    return caches.open(CACHE).then(function (c) {
      return c.match(req, { ignoreVary: true });
    }).then(function (hit) { return hit || Response.error(); });
  }));
});
