// The scanner's service worker, served at /sw.js (app/checkin/pwa_routes.py) and registered by
// scanner.js. It keeps the scanner page and its static files so the page reloads with no
// network; everything else (other POSTs, the roster, htmx fragments, other pages) goes to
// the network untouched. Bump CACHE_VERSION whenever the list or the strategy changes.
//
// The kept scanner pages show names (the last check-ins) and are kept per address, not per
// person: signing out forgets them, and the rosters kept for offline checks, so the next
// person on a shared phone finds nothing offline. The static files stay, and so do scans
// still waiting in the offline queue (IndexedDB "queue"): they are sent by the next sync.
"use strict";

var CACHE_VERSION = "v4";
var STATIC_CACHE = "static-" + CACHE_VERSION;
var PAGES_CACHE = "pages-" + CACHE_VERSION;

var STATIC_ASSETS = [
  "/static/app.css",
  "/static/app.js",
  "/static/camera.js",
  "/static/scanner.js",
  "/static/vendor/htmx/htmx.min.js",
  "/static/vendor/jsqr/jsQR.js",
  "/static/manifest.webmanifest",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png"
];

var SCANNER_PAGE = /^\/events\/\d+\/checkin\/?$/;
var SIGN_OUT = "/logout"; // url_for("auth.logout")
var SCANNER_DB = "llw-scanner"; // scanner.js: stores "roster" and "queue"

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then(function (cache) {
        // Past the browser's HTTP cache: a new worker must not keep an older file.
        return cache.addAll(STATIC_ASSETS.map(function (path) {
          return new Request(path, { cache: "reload" });
        }));
      })
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
// when the network fails. Redirects (to the sign-in page) and errors are never stored; a
// redirect or a refusal also removes the copy: whoever uses this phone now may not see it. A
// refusal (the event archived, the user's rights gone) removes the event's roster too.
var REFUSED = [401, 403, 404];

function scannerPage(request) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { return cache.put(request.url, copy); });
    } else if (response.type === "opaqueredirect" || response.redirected ||
               REFUSED.indexOf(response.status) !== -1) {
      caches.open(PAGES_CACHE).then(function (cache) {
        return cache.delete(request.url, { ignoreSearch: true });
      });
      if (REFUSED.indexOf(response.status) !== -1) {
        forgetRosters(Number(new URL(request.url).pathname.split("/")[2]));
      }
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

// The rosters (names and groups of an event's invitees) kept by scanner.js for offline checks:
// all of them, or the one of the event `eventId`. The database is only opened if it exists:
// opening creates it, without scanner.js's stores.
function forgetRosters(eventId) {
  if (!self.indexedDB || !self.indexedDB.databases) { return Promise.resolve(); }
  return self.indexedDB.databases().then(function (found) {
    var exists = found.some(function (database) { return database.name === SCANNER_DB; });
    if (!exists) { return null; }
    return new Promise(function (resolve) {
      var request = self.indexedDB.open(SCANNER_DB);
      request.onupgradeneeded = function () { request.transaction.abort(); };
      request.onerror = function () { resolve(); };
      request.onsuccess = function () {
        var database = request.result;
        if (!database.objectStoreNames.contains("roster")) { database.close(); resolve(); return; }
        var transaction = database.transaction("roster", "readwrite");
        if (eventId) {
          transaction.objectStore("roster").delete(eventId);
        } else {
          transaction.objectStore("roster").clear();
        }
        transaction.oncomplete = transaction.onerror = transaction.onabort = function () {
          database.close();
          resolve();
        };
      };
    });
  }).catch(function () { /* nothing to forget */ });
}

// Signing out: the kept pages and rosters go; the static files and the offline queue stay.
function forgetPages() {
  return Promise.all([caches.delete(PAGES_CACHE), forgetRosters(null)]);
}

// The sign-out form (from any page): once the server has answered, the copies are gone
// before the next page shows. With no network nobody is signed out, and nothing is forgotten.
function signOut(request) {
  return fetch(request).then(function (response) {
    return forgetPages().then(function () { return response; }, function () { return response; });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === SIGN_OUT) {
    event.respondWith(signOut(request));
    return;
  }
  if (request.method !== "GET") { return; }
  if (request.mode === "navigate" && SCANNER_PAGE.test(url.pathname)) {
    event.respondWith(scannerPage(request));
  } else if (STATIC_ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(staticAsset(request));
  }
});
