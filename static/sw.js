// The scanner's service worker, served at /sw.js (app/checkin/pwa_routes.py) and registered by
// scanner.js. It keeps the scanner page and its static files so the page reloads with no
// network; everything else (POSTs, the roster, htmx fragments, other pages) goes to the
// network untouched. Bump CACHE_VERSION whenever the list or the strategy changes.
"use strict";

var CACHE_VERSION = "v1";
var STATIC_CACHE = "static-" + CACHE_VERSION;
var PAGES_CACHE = "pages-" + CACHE_VERSION;

var STATIC_ASSETS = [
  "/static/app.css",
  "/static/app.js",
  "/static/scanner.js",
  "/static/vendor/htmx/htmx.min.js",
  "/static/vendor/jsqr/jsQR.js",
  "/static/manifest.webmanifest",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png"
];

var SCANNER_PAGE = /^\/events\/\d+\/checkin\/?$/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then(function (cache) { return cache.addAll(STATIC_ASSETS); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  var keep = [STATIC_CACHE, PAGES_CACHE];
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return keep.indexOf(name) === -1;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

// The scanner page: the network first (fresh counts, a fresh CSRF token), the last good copy
// when the network fails. Redirects (to the sign-in page) and errors are never stored.
function scannerPage(request) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { return cache.put(request.url, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.open(PAGES_CACHE)
      .then(function (cache) { return cache.match(request.url, { ignoreSearch: true }); })
      .then(function (cached) {
        if (cached) { return cached; }
        throw error;
      });
  });
}

// The static files: the cached copy first, the network (and the cache) when missing.
function staticAsset(request) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request, { ignoreSearch: true }).then(function (cached) {
      if (cached) { return cached; }
      return fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && SCANNER_PAGE.test(url.pathname)) {
    event.respondWith(scannerPage(request));
  } else if (STATIC_ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(staticAsset(request));
  }
});
