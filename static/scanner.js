// The staff scanner (templates/checkin/scanner.html): the camera (static/camera.js) reads QR
// codes, each code is submitted through the scan form (htmx posts it, with the CSRF header
// from <body>), and every answer gives a sound and a vibration by its colour. No inline
// scripts anywhere (CSP).
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) { return; }

  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-code");
  var slot = document.querySelector(".scan-result-slot");
  var scan = window.LLWScan;
  var refocus = false;

  // --- this device's id, kept in the browser, sent with every check-in -----------------

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  (function deviceId() {
    var key = "llw-scanner-device";
    var id = null;
    try { id = window.localStorage.getItem(key); } catch (e) { id = null; }
    if (!id) {
      id = randomId();
      try { window.localStorage.setItem(key, id); } catch (e) { /* private mode: per page */ }
    }
    var field = document.getElementById("device-id");
    var label = document.getElementById("device-id-label");
    if (field) { field.value = id; }
    if (label) { label.textContent = id.slice(0, 8); }
  })();

  // --- feedback: sound and vibration by the result's colour (camera.js) -------------------

  // Each new result panel (whatever asked for it: scan, search, undo) gives its feedback.
  scan.watchResults(slot, function () {
    if (refocus && input) { input.focus(); }
    refocus = false;
  });

  // --- submitting a code --------------------------------------------------------------

  // A code the camera read (once: camera.js ignores it while it stays in view).
  function submitCode(code) {
    input.value = code;
    if (form.requestSubmit) {
      form.requestSubmit();
    } else if (window.htmx) {
      window.htmx.trigger(form, "submit");
    }
  }

  // --- the recent check-ins ------------------------------------------------------------
  //
  // An answer adds the lines the list lacks on top of it (hx-swap-oob="afterbegin"); here the
  // list is kept in order, each check-in once, the newest `data-keep` of them, and the scan
  // form's `recent_after` names the newest one shown, so the next answer sends only what
  // came after it (checkin/_scan_recent.html, app/checkin/routes.py).

  function tidyRecent() {
    var list = document.getElementById("scan-recent-list");
    if (!list) { return; }
    var keep = Number(list.dataset.keep) || 20;
    var seen = {};
    var kept = 0;
    var newest = 0;
    var rows = Array.prototype.slice.call(list.children).sort(function (a, b) {
      return Number(b.dataset.checkin) - Number(a.dataset.checkin);
    });
    rows.forEach(function (row) {
      var id = Number(row.dataset.checkin) || 0;
      if (seen[id] || kept >= keep) { row.remove(); return; }
      seen[id] = true;
      kept += 1;
      newest = Math.max(newest, id);
      list.appendChild(row);
    });
    var empty = document.getElementById("scan-recent-empty");
    if (empty) { empty.hidden = kept > 0; }
    var after = document.getElementById("recent-after");
    if (after && newest > (Number(after.value) || 0)) { after.value = String(newest); }
  }

  tidyRecent();
  root.addEventListener("htmx:afterSettle", tidyRecent);

  // Typed or pasted codes (and keyboard scanners, which type and press Enter).
  form.addEventListener("submit", function () {
    scan.unlockAudio();
    refocus = document.activeElement === input;
  });
  // Clear the box once the code is on its way, ready for the next person.
  form.addEventListener("htmx:beforeSend", function () {
    window.setTimeout(function () { input.value = ""; }, 0);
  });

  // --- offline mode: the roster on the phone, scans queued in IndexedDB, synced later ----
  //
  // The roster (the start of each token's SHA-256, names, groups: app/checkin/offline_routes.py
  // roster_data) is fetched when the page opens and every 2 minutes while online; a refusal
  // (the event archived, the user's rights gone) forgets the copy kept on the phone. When the
  // network is down (navigator.onLine false, or the POST fails), a code is checked against it
  // here, shown in colour, and queued; the queue is sent to the sync endpoint on the `online`
  // event and every 15 s while it is not empty. Scans queued for other events (a scanner
  // opened on this phone earlier, an event archived since, whose scanner no longer opens) are
  // sent when the page opens and when the network comes back, each to its own event.

  var ROSTER_MS = 120000;
  var SYNC_MS = 15000;
  var eventId = Number(root.dataset.eventId);
  var pendingBox = document.getElementById("scan-pending");
  var HASH_CHARS = 16; // offline_routes.HASH_CHARS
  var REFUSED = [401, 403, 404];
  var roster = null; // { byHash: {h: {name, group}}, checked: {h: true}, opens, closes }
  var dbPromise = null;
  var syncing = null; // the sync under way, if any

  function openDb() {
    if (dbPromise) { return dbPromise; }
    dbPromise = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = window.indexedDB.open("llw-scanner", 1);
      request.onupgradeneeded = function () {
        var database = request.result;
        if (!database.objectStoreNames.contains("roster")) {
          database.createObjectStore("roster", { keyPath: "event_id" });
        }
        if (!database.objectStoreNames.contains("queue")) {
          database.createObjectStore("queue", { keyPath: "client_uuid" })
            .createIndex("event_id", "event_id");
        }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return dbPromise;
  }

  function store(name, mode, work) {
    return openDb().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(name, mode);
        var result = work(transaction.objectStore(name));
        transaction.oncomplete = function () { resolve(result && result.result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }

  function queued(id) {
    return store("queue", "readonly", function (queue) {
      return queue.index("event_id").getAll(id === undefined ? eventId : id);
    }).then(function (items) { return items || []; });
  }

  // Format 2: groups by index, [hash, name, group index] per person, checked-in people by
  // index. A copy kept by an earlier version ({h, name, group} per person, whole hashes) is
  // read too.
  function useRoster(data) {
    var byHash = {};
    var checked = {};
    var people = data.invitees || [];
    var groups = data.groups || [];
    if (data.format === 2) {
      people = people.map(function (person) {
        var group = person.length > 2 ? groups[person[2]] : "";
        return { h: person[0], name: person[1], group: group || "" };
      });
      (data.checked_in || []).forEach(function (n) {
        if (people[n]) { checked[people[n].h] = true; }
      });
    } else {
      people = people.map(function (person) {
        return { h: String(person.h).slice(0, HASH_CHARS), name: person.name, group: person.group };
      });
      (data.checked_in || []).forEach(function (h) { checked[String(h).slice(0, HASH_CHARS)] = true; });
    }
    people.forEach(function (person) { byHash[person.h] = person; });
    // Scans still waiting here count as checked in, whatever the server's list says yet.
    if (roster) {
      Object.keys(roster.localChecked).forEach(function (h) { checked[h] = true; });
    }
    roster = {
      byHash: byHash,
      checked: checked,
      localChecked: roster ? roster.localChecked : {},
      opens: data.opens ? Date.parse(data.opens) : null,
      closes: data.closes ? Date.parse(data.closes) : null
    };
    document.body.dataset.rosterSize = String(people.length);
  }

  function forgetRoster() {
    roster = null;
    delete document.body.dataset.rosterSize;
    return store("roster", "readwrite", function (saved) { saved.delete(eventId); })
      .catch(function () { /* nothing kept */ });
  }

  function loadRoster() {
    if (!root.dataset.rosterUrl) { return Promise.resolve(); }
    return window.fetch(root.dataset.rosterUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store"
    }).then(function (response) {
      if (REFUSED.indexOf(response.status) !== -1) {
        // Nobody may check people in here any more: no list of names stays on the phone.
        return forgetRoster().then(function () { return null; });
      }
      if (!response.ok) { throw new Error("roster " + response.status); }
      return response.json();
    }).then(function (data) {
      if (!data) { return; }
      useRoster(data);
      data.event_id = eventId;
      return store("roster", "readwrite", function (saved) { saved.put(data); })
        .catch(function () { /* memory is enough for this page */ });
    }).catch(function () {
      // No network (or no IndexedDB): fall back to the copy kept on this phone.
      if (roster) { return; }
      return store("roster", "readonly", function (saved) { return saved.get(eventId); })
        .then(function (data) { if (data) { useRoster(data); } })
        .catch(function () { /* nothing kept: codes cannot be checked offline */ });
    });
  }

  function extractToken(scanned) {
    // As app.checkin.services.extract_token: a URL carries the token after "/i/".
    var text = (scanned || "").trim();
    var at = text.lastIndexOf("/i/");
    if (at !== -1) { text = text.slice(at + 3); }
    text = text.split("?")[0].split("#")[0].replace(/^\/+|\/+$/g, "");
    return text.slice(0, 64);
  }

  // As offline_routes.short_hash: the start of the hex SHA-256 of the token.
  function shortHash(text) {
    var bytes = new TextEncoder().encode(text);
    return window.crypto.subtle.digest("SHA-256", bytes).then(function (digest) {
      return Array.prototype.map.call(new Uint8Array(digest), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("").slice(0, HASH_CHARS);
    });
  }

  function showLocal(outcome, tone, headline, detail) {
    var old = document.getElementById("scan-result");
    var panel = document.createElement("div");
    panel.id = "scan-result";
    panel.className = "scan-result scan-result--" + tone;
    panel.dataset.outcome = outcome;
    panel.dataset.tone = tone;
    panel.dataset.offline = "true";
    [[headline, "scan-result__headline"], [detail, "scan-result__detail"]].forEach(function (line) {
      if (!line[0]) { return; }
      var p = document.createElement("p");
      p.className = line[1];
      p.textContent = line[0];
      panel.appendChild(p);
    });
    if (old) { old.replaceWith(panel); } else if (slot) { slot.appendChild(panel); }
  }

  function showPending(count, conflicts) {
    if (!pendingBox) { return; }
    pendingBox.dataset.pending = String(count);
    pendingBox.textContent = count ? (root.dataset.msgPending || "{n}").replace("{n}", count) : "";
    if (conflicts && conflicts.length) {
      var note = document.createElement("span");
      note.className = "scan-pending__conflicts";
      note.textContent = (root.dataset.msgConflicts || "{names}")
        .replace("{names}", conflicts.join(", "));
      if (count) { pendingBox.appendChild(document.createTextNode(" · ")); }
      pendingBox.appendChild(note);
    }
  }

  function refreshPending() {
    return queued().then(function (items) { showPending(items.length); return items; })
      .catch(function () { return []; });
  }

  function checkOffline(code) {
    var override = document.querySelector("#scan-form input[name='override']");
    var now = Date.now();
    input.value = "";
    if (refocus) { input.focus(); }
    return shortHash(extractToken(code)).then(function (h) {
      var person = roster.byHash[h];
      if (!person) {
        showLocal("unknown", "error", "✖", root.dataset.msgOfflineUnknown);
        return;
      }
      var who = person.name + (person.group ? " · " + person.group : "");
      if (roster.checked[h]) {
        showLocal("already", "warn", "⚠ " + who, root.dataset.msgOfflineAlready);
        return;
      }
      if (!(override && override.checked)) {
        if (roster.opens !== null && now < roster.opens) {
          showLocal("too_early", "error", "✖ " + who, root.dataset.msgOfflineEarly);
          return;
        }
        if (roster.closes !== null && now >= roster.closes) {
          showLocal("closed", "error", "✖ " + who, root.dataset.msgOfflineClosed);
          return;
        }
      }
      roster.checked[h] = true;
      roster.localChecked[h] = true;
      var item = {
        client_uuid: window.crypto.randomUUID(),
        code: code,
        scanned_at: new Date(now).toISOString(),
        event_id: eventId,
        sync_url: root.dataset.syncUrl
      };
      return store("queue", "readwrite", function (queue) { queue.put(item); }).then(function () {
        showLocal("ok", "ok", "✔ " + who, root.dataset.msgOfflineOk);
        return refreshPending();
      });
    });
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  // Where an item goes: the sync address of its own event.
  function syncUrlOf(item) {
    if (item.sync_url) { return item.sync_url; }
    // Queued by an earlier version of this page: the same address, with the item's event.
    return root.dataset.syncUrl.replace("/events/" + eventId + "/", "/events/" + item.event_id + "/");
  }

  // Send up to 1,000 queued scans of one event; resolves with the names already checked in
  // by another phone, or null when nothing was waiting. Rejects when it could not be sent.
  function sendQueue(id) {
    var deviceField = document.getElementById("device-id");
    return queued(id).then(function (items) {
      if (!items.length) { return null; }
      items = items.slice(0, 1000);
      return window.fetch(syncUrlOf(items[0]), {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken()
        },
        body: JSON.stringify({
          device_id: deviceField ? deviceField.value : "",
          items: items.map(function (item) {
            return { client_uuid: item.client_uuid, code: item.code, scanned_at: item.scanned_at };
          })
        })
      }).then(function (response) {
        if (response.status === 422) {
          // Items the server cannot read would block the queue for ever: drop those.
          return response.json().then(function (answer) {
            var bad = {};
            Object.keys((answer.error && answer.error.details) || {}).forEach(function (key) {
              var match = /^items\.(\d+)/.exec(key);
              if (match) { bad[items[Number(match[1])].client_uuid] = true; }
            });
            return { drop: Object.keys(bad), conflicts: [] };
          });
        }
        if (!response.ok) { throw new Error("sync " + response.status); }
        return response.json().then(function (answer) {
          // Every item was seen by the server, whatever its outcome: none is sent again.
          var conflicts = (answer.results || []).filter(function (result) {
            return result.outcome === "already";
          }).map(function (result) { return result.name; });
          return { drop: items.map(function (item) { return item.client_uuid; }), conflicts: conflicts };
        });
      }).then(function (done) {
        return store("queue", "readwrite", function (queue) {
          done.drop.forEach(function (uuid) { queue.delete(uuid); });
        }).then(function () { return done.conflicts; });
      });
    });
  }

  // This event's queue.
  function sync() {
    if (syncing) { return syncing; }
    if (!root.dataset.syncUrl || navigator.onLine === false) {
      return Promise.resolve();
    }
    syncing = sendQueue(eventId).then(function (conflicts) {
      if (conflicts === null) { return; }
      return queued().then(function (left) { showPending(left.length, conflicts); });
    }).catch(function () { /* still offline, or the server is away: try again later */ })
      .then(function () { syncing = null; });
    return syncing;
  }

  // This event's queue, then the other events' ones, one event after the other. An event
  // whose sync is refused (another user's, on a shared phone) keeps its scans for later.
  function syncAll() {
    if (!root.dataset.syncUrl || navigator.onLine === false) {
      return Promise.resolve();
    }
    return sync().then(function () {
      return store("queue", "readonly", function (queue) { return queue.getAll(); });
    }).then(function (items) {
      var others = {};
      (items || []).forEach(function (item) {
        if (item.event_id !== eventId) { others[item.event_id] = true; }
      });
      return Object.keys(others).reduce(function (chain, id) {
        return chain.then(function () {
          return sendQueue(Number(id)).catch(function () { /* later */ });
        });
      }, Promise.resolve());
    }).catch(function () { /* no IndexedDB: nothing queued */ });
  }

  function codeOf(detail) {
    var config = detail && detail.requestConfig;
    if (!config) { return ""; }
    if (config.formData && config.formData.get) { return config.formData.get("code") || ""; }
    return (config.parameters && config.parameters.code) || "";
  }

  if (root.dataset.rosterUrl) {
    // Offline before sending: check the code here instead (htmx does not send it).
    form.addEventListener("htmx:beforeRequest", function (event) {
      if (navigator.onLine !== false || !roster) { return; }
      var code = codeOf(event.detail) || input.value;
      if (!code.trim()) { return; }
      event.preventDefault();
      checkOffline(code.trim());
    });
    // The network went away while sending: the server never saw it, so check it here.
    form.addEventListener("htmx:sendError", function (event) {
      var code = codeOf(event.detail);
      if (!roster || !code.trim()) { return; }
      event.stopPropagation(); // handled: no "network error" banner (app.js)
      checkOffline(code.trim());
    });
    // The server answered but cannot record (database down, 503): keep the scan on the phone
    // like an offline one; it is sent once the server is back.
    form.addEventListener("htmx:responseError", function (event) {
      var code = codeOf(event.detail);
      var status = event.detail.xhr ? event.detail.xhr.status : 0;
      if (!roster || !code.trim() || status < 500) { return; }
      event.stopPropagation(); // handled: no error banner (app.js)
      checkOffline(code.trim());
    });
    // Online scans keep the local list of who is in up to date.
    form.addEventListener("htmx:afterRequest", function (event) {
      var code = codeOf(event.detail);
      if (!roster || !event.detail.successful || !code) { return; }
      var result = document.getElementById("scan-result");
      var outcome = result && result.dataset.outcome;
      if (outcome === "ok" || outcome === "already") {
        shortHash(extractToken(code)).then(function (h) { roster.checked[h] = true; });
      }
    });

    loadRoster().then(refreshPending).then(syncAll);
    window.setInterval(function () {
      if (navigator.onLine !== false) { loadRoster(); }
    }, ROSTER_MS);
    window.setInterval(function () {
      queued().then(function (items) { if (items.length) { sync(); } }).catch(function () {});
    }, SYNC_MS);
    window.addEventListener("online", function () { syncAll(); });
  }

  // --- signing out on a shared phone --------------------------------------------------
  //
  // The service worker forgets its copies of pages at sign-out (static/sw.js); the scans still
  // waiting in the queue are never thrown away. This page sends them first; those it cannot
  // send now (no network, a server error) are counted and the user decides: stay and send them
  // later, or sign out and leave them on this phone for the next sync of their event's
  // scanner, whoever is signed in then.

  var signOutForm = document.querySelector("form[data-sign-out]");
  var checking = false;
  var leaving = false;

  function waitingOnPhone() {
    return store("queue", "readonly", function (queue) { return queue.count(); })
      .then(function (count) { return count || 0; });
  }

  if (signOutForm && root.dataset.syncUrl) {
    signOutForm.addEventListener("submit", function (event) {
      if (leaving) { return; }
      event.preventDefault();
      if (checking) { return; } // a second tap while the scans are being sent
      checking = true;
      waitingOnPhone().then(function (count) {
        return count ? syncAll().then(waitingOnPhone) : 0;
      }).catch(function () { return 0; }).then(function (left) {
        checking = false;
        if (left) {
          refreshPending();
          var question = (root.dataset.msgUnsent || "{n}").replace("{n}", left);
          if (!window.confirm(question)) { return; }
        }
        leaving = true;
        if (signOutForm.requestSubmit) { signOutForm.requestSubmit(); } else { signOutForm.submit(); }
      });
    });
  }

  // --- the camera (static/camera.js) ---------------------------------------------------

  var cameraSection = root.querySelector("[data-camera]");
  if (cameraSection) {
    scan.attach(cameraSection, {
      onCode: submitCode,
      onState: function (on) { root.classList.toggle("is-scanning", on); }
    });
  }

  // --- installable, and reloadable with no network (static/sw.js) ----------------------

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {
      // No worker (private mode, an old browser): the page still works online.
    });
  }
})();
