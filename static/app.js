// Small, delegated behaviour that htmx does not cover. No inline scripts anywhere (CSP).
(function () {
  "use strict";

  var errorBox = function () { return document.getElementById("htmx-error"); };

  function showError(message) {
    var box = errorBox();
    if (!box) { return; }
    box.textContent = "";
    var text = document.createElement("span");
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "link-button";
    close.textContent = box.dataset.dismiss || "×";
    close.addEventListener("click", function () { box.hidden = true; });
    box.appendChild(text);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(close);
    box.hidden = false;
  }

  function hideError() {
    var box = errorBox();
    if (box) { box.hidden = true; }
  }

  // A 4xx/5xx answer that htmx will not swap: say so instead of doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var box = errorBox();
    var template = (box && box.dataset.server) || "Error {status}";
    var message = template.replace("{status}", String(xhr.status));
    // The server's own explanation (errors/_message.html) is more useful when there is one.
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var explained = doc.querySelector(".error-box p");
    if (explained && explained.textContent.trim()) {
      message = explained.textContent.trim();
    }
    showError(message);
  });

  // The request never reached the server (network down, server stopped).
  document.addEventListener("htmx:sendError", function () {
    var box = errorBox();
    showError((box && box.dataset.network) || "Network error");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) { hideError(); }
  });

  // <button type="reset" data-clear="#slot">: close an inline form without a round trip.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-clear]");
    if (!button) { return; }
    var slot = document.querySelector(button.dataset.clear);
    if (slot) {
      event.preventDefault();
      slot.innerHTML = "";
    }
  });
})();
