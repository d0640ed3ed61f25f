// The staff scanner (templates/checkin/scanner.html): the camera reads QR codes, each code is
// submitted through the scan form (htmx posts it, with the CSRF header from <body>), and
// every answer gives a sound and a vibration by its colour. No inline scripts anywhere (CSP).
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) { return; }

  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-code");
  var video = document.getElementById("scan-video");
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var statusLine = document.getElementById("camera-status");
  var slot = document.querySelector(".scan-result-slot");

  var SAME_CODE_MS = 3000; // the same code seen again within 3 s: the same person, still in view
  var FRAME_MS = 150; // about 6-7 decodes a second: enough, and kind to cheap phones
  var MAX_WIDTH = 640; // frames are scaled down before decoding

  var stream = null;
  var detector = null;
  var timer = null;
  var lastCode = "";
  var lastAt = 0;
  var refocus = false;
  var canvas = document.createElement("canvas");
  var context = null;

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

  // --- feedback: sound and vibration by the result's colour -----------------------------

  var audio = null;
  var TONES = {
    ok: { frequency: 880, duration: 0.12, type: "sine", vibrate: [80] },
    warn: { frequency: 520, duration: 0.25, type: "triangle", vibrate: [90, 60, 90] },
    error: { frequency: 220, duration: 0.4, type: "square", vibrate: [300] }
  };

  function unlockAudio() {
    // Browsers allow sound only after a gesture: create the context on the first one.
    if (audio || !(window.AudioContext || window.webkitAudioContext)) { return; }
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
  }

  function beep(tone) {
    if (!audio) { return; }
    try {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = tone.type;
      oscillator.frequency.value = tone.frequency;
      gain.gain.value = 0.2;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + tone.duration);
    } catch (e) { /* no sound: the colour still says it */ }
  }

  function feedback() {
    var result = document.getElementById("scan-result");
    if (!result) { return; }
    var tone = TONES[result.dataset.tone];
    if (!tone) { return; }
    beep(tone);
    if (navigator.vibrate) {
      try { navigator.vibrate(tone.vibrate); } catch (e) { /* not allowed here */ }
    }
  }

  // Each new result panel (whatever asked for it: scan, search, undo) gives its feedback.
  if (slot && window.MutationObserver) {
    new MutationObserver(function () {
      feedback();
      if (refocus && input) { input.focus(); }
      refocus = false;
    }).observe(slot, { childList: true });
  }

  // --- submitting a code --------------------------------------------------------------

  function submitCode(text) {
    var code = (text || "").trim();
    if (!code) { return; }
    var now = Date.now();
    if (code === lastCode && now - lastAt < SAME_CODE_MS) {
      lastAt = now; // still in view: ignored until it has been away for 3 s
      return;
    }
    lastCode = code;
    lastAt = now;
    input.value = code;
    if (form.requestSubmit) {
      form.requestSubmit();
    } else if (window.htmx) {
      window.htmx.trigger(form, "submit");
    }
  }

  // Typed or pasted codes (and keyboard scanners, which type and press Enter).
  form.addEventListener("submit", function () {
    unlockAudio();
    refocus = document.activeElement === input;
  });
  // Clear the box once the code is on its way, ready for the next person.
  form.addEventListener("htmx:beforeSend", function () {
    window.setTimeout(function () { input.value = ""; }, 0);
  });

  // --- the camera -----------------------------------------------------------------------

  function say(message) {
    if (statusLine) { statusLine.textContent = message || ""; }
  }

  function loadJsQR() {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(window.jsQR); return; }
      var script = document.createElement("script");
      script.src = root.dataset.jsqrSrc;
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function makeDecoder() {
    // The native detector where the browser has one with QR codes (Android Chrome), else jsQR.
    if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") === -1) { throw new Error("no qr_code"); }
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function () {
          return detector.detect(video).then(function (codes) {
            return codes.length ? codes[0].rawValue : null;
          });
        };
      }).catch(jsQRDecoder);
    }
    return jsQRDecoder();
  }

  function jsQRDecoder() {
    return loadJsQR().then(function (jsQR) {
      context = context || canvas.getContext("2d", { willReadFrequently: true });
      return function () {
        var width = video.videoWidth;
        var height = video.videoHeight;
        if (!width || !height) { return Promise.resolve(null); }
        var scale = Math.min(1, MAX_WIDTH / width);
        canvas.width = Math.round(width * scale);
        canvas.height = Math.round(height * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var frame = context.getImageData(0, 0, canvas.width, canvas.height);
        var code = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(code ? code.data : null);
      };
    });
  }

  function loop(decode) {
    if (!stream) { return; }
    var next = function () { timer = window.setTimeout(function () { loop(decode); }, FRAME_MS); };
    if (video.readyState < 2) { next(); return; }
    decode().then(function (text) {
      if (text) { submitCode(text); }
      next();
    }, next);
  }

  function stopCamera() {
    if (timer) { window.clearTimeout(timer); timer = null; }
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
    startButton.hidden = false;
    stopButton.hidden = true;
    say("");
  }

  function startCamera() {
    unlockAudio();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(root.dataset.msgNoCamera);
      return;
    }
    startButton.disabled = true;
    navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      return video.play();
    }).then(makeDecoder).then(function (decode) {
      startButton.hidden = true;
      stopButton.hidden = false;
      root.classList.add("is-scanning");
      say(root.dataset.msgReady);
      loop(decode);
    }).catch(function () {
      stopCamera();
      say(root.dataset.msgCameraError);
    }).then(function () {
      startButton.disabled = false;
    });
  }

  startButton.addEventListener("click", startCamera);
  stopButton.addEventListener("click", function () {
    root.classList.remove("is-scanning");
    stopCamera();
  });
  // A phone locked or switched to another app: let the camera go.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && stream) {
      root.classList.remove("is-scanning");
      stopCamera();
    }
  });
})();
