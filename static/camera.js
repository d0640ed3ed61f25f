// Reading QR codes with the phone's camera, for every scanner page: the staff scanner
// (scanner.js drives it) and a volunteer's link page (wired below from data- attributes).
//
// - LLWScan.camera({video, jsqrSrc, onCode}): the camera on a <video>, a decode loop (the
//   browser's BarcodeDetector where it reads QR codes, else the vendored jsQR, loaded on first
//   use), and each code given to onCode once, not again while it stays in view.
// - LLWScan.attach(section, {onCode, onState}): the same, bound to the section's start and stop
//   buttons and status line ([data-camera-video], [data-camera-start], [data-camera-stop],
//   [data-camera-status]; messages in its data-msg-* attributes).
// - LLWScan.feedback(tone) and LLWScan.watchResults(slot, after): a sound and a vibration by
//   the answer's colour (ok, warn, error), for each new answer put in the slot.
//
// No inline scripts anywhere (CSP): pages pass addresses and messages in data- attributes.
(function () {
  "use strict";

  var SAME_CODE_MS = 3000; // the same code seen again within 3 s: the same person, still in view
  var FRAME_MS = 150; // about 6-7 decodes a second: enough, and kind to cheap phones
  var MAX_WIDTH = 640; // frames are scaled down before decoding

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

  function feedback(name) {
    var tone = TONES[name];
    if (!tone) { return; }
    beep(tone);
    if (navigator.vibrate) {
      try { navigator.vibrate(tone.vibrate); } catch (e) { /* not allowed here */ }
    }
  }

  // Each new answer put in `slot` (whatever asked for it: a scan, a search, an undo) gives
  // the feedback of its data-tone; `after` runs next, if given.
  function watchResults(slot, after) {
    if (!slot || !window.MutationObserver) { return; }
    new MutationObserver(function () {
      var result = slot.querySelector("[data-tone]");
      if (result) { feedback(result.dataset.tone); }
      if (after) { after(result); }
    }).observe(slot, { childList: true });
  }

  // --- decoding ---------------------------------------------------------------------------

  var jsQRLoading = null;

  function loadJsQR(src) {
    if (window.jsQR) { return Promise.resolve(window.jsQR); }
    if (!jsQRLoading) {
      jsQRLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { resolve(window.jsQR); };
        script.onerror = function (error) { jsQRLoading = null; reject(error); };
        document.head.appendChild(script);
      });
    }
    return jsQRLoading;
  }

  function jsQRDecoder(video, jsqrSrc) {
    return loadJsQR(jsqrSrc).then(function (jsQR) {
      var canvas = document.createElement("canvas");
      var context = canvas.getContext("2d", { willReadFrequently: true });
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

  function makeDecoder(video, jsqrSrc) {
    // The native detector where the browser has one with QR codes (Android Chrome), else jsQR.
    var fallback = function () { return jsQRDecoder(video, jsqrSrc); };
    if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") === -1) { throw new Error("no qr_code"); }
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function () {
          return detector.detect(video).then(function (codes) {
            return codes.length ? codes[0].rawValue : null;
          });
        };
      }).catch(fallback);
    }
    return fallback();
  }

  // --- the camera -------------------------------------------------------------------------

  function camera(options) {
    var video = options.video;
    var stream = null;
    var timer = null;
    var lastCode = "";
    var lastAt = 0;

    function seen(text) {
      var code = (text || "").trim();
      if (!code) { return; }
      var now = Date.now();
      if (code === lastCode && now - lastAt < SAME_CODE_MS) {
        lastAt = now; // still in view: ignored until it has been away for 3 s
        return;
      }
      lastCode = code;
      lastAt = now;
      options.onCode(code);
    }

    function loop(decode) {
      if (!stream) { return; }
      var next = function () { timer = window.setTimeout(function () { loop(decode); }, FRAME_MS); };
      if (video.readyState < 2) { next(); return; }
      decode().then(function (text) {
        if (text && stream) { seen(text); }
        next();
      }, next);
    }

    function stop() {
      if (timer) { window.clearTimeout(timer); timer = null; }
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
      video.srcObject = null;
    }

    // Resolves once codes are being read; rejects with error.reason "unsupported" (no camera
    // in this browser) or "failed" (refused, busy, or no decoder).
    function start() {
      unlockAudio();
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        var unsupported = new Error("no camera");
        unsupported.reason = "unsupported";
        return Promise.reject(unsupported);
      }
      return navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
      }).then(function (media) {
        stream = media;
        video.srcObject = media;
        return video.play();
      }).then(function () {
        return makeDecoder(video, options.jsqrSrc);
      }).then(function (decode) {
        loop(decode);
      }).catch(function (error) {
        stop();
        var failed = new Error("camera failed: " + (error && error.name));
        failed.reason = "failed";
        throw failed;
      });
    }

    return { start: start, stop: stop, running: function () { return stream !== null; } };
  }

  // --- a camera section with its buttons and status line ------------------------------------

  function attach(section, options) {
    var video = section.querySelector("[data-camera-video]");
    var startButton = section.querySelector("[data-camera-start]");
    var stopButton = section.querySelector("[data-camera-stop]");
    var statusLine = section.querySelector("[data-camera-status]");
    var onState = options.onState || function () {};
    var cam = camera({ video: video, jsqrSrc: section.dataset.jsqrSrc, onCode: options.onCode });

    function say(message) {
      if (statusLine) { statusLine.textContent = message || ""; }
    }

    function stopped() {
      cam.stop();
      startButton.hidden = false;
      stopButton.hidden = true;
      onState(false);
    }

    startButton.addEventListener("click", function () {
      startButton.disabled = true;
      cam.start().then(function () {
        startButton.hidden = true;
        stopButton.hidden = false;
        onState(true);
        say(section.dataset.msgReady);
      }, function (error) {
        stopped();
        say(error.reason === "unsupported" ? section.dataset.msgNoCamera : section.dataset.msgCameraError);
      }).then(function () {
        startButton.disabled = false;
      });
    });
    stopButton.addEventListener("click", function () { stopped(); say(""); });
    // A phone locked or switched to another app: let the camera go.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden && cam.running()) { stopped(); say(""); }
    });
    return cam;
  }

  window.LLWScan = {
    camera: camera,
    attach: attach,
    unlockAudio: unlockAudio,
    feedback: feedback,
    watchResults: watchResults
  };

  // --- pages that only send a code through a form: the volunteer's link page -----------------
  //
  // <section data-camera-form="FORM-ID" data-camera-slot="SLOT-ID" data-jsqr-src=… data-msg-…>
  // A code read by the camera is put in the form's "code" box and the form is submitted, as if
  // typed (htmx posts it and puts the answer in the slot); each answer beeps and vibrates.

  function wireForm(section) {
    var form = document.getElementById(section.dataset.cameraForm);
    if (!form) { return; }
    var input = form.elements.namedItem("code");
    var slot = document.getElementById(section.dataset.cameraSlot);

    attach(section, {
      onCode: function (code) {
        input.value = code;
        if (form.requestSubmit) {
          form.requestSubmit();
        } else if (window.htmx) {
          window.htmx.trigger(form, "submit");
        }
      }
    });
    watchResults(slot);
    // Typed codes get their sound too (the submit is a gesture: sound may start now).
    form.addEventListener("submit", unlockAudio);
    // Clear the box once the code is on its way, ready for the next person.
    form.addEventListener("htmx:beforeSend", function () {
      window.setTimeout(function () { input.value = ""; }, 0);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-camera-form]"), wireForm);
})();
