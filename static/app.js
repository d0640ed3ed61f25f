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

// Run-sheet rows: drag and drop to reorder (the ↑ ↓ buttons do the same from the keyboard).
(function () {
  "use strict";
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-item]");
    if (!row) { return; }
    dragged = row;
    row.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.item);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    var row = event.target.closest && event.target.closest("tr[data-item]");
    if (!row || row === dragged || row.parentNode !== dragged.parentNode) { return; }
    event.preventDefault();
    var box = row.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
  });

  document.addEventListener("drop", function (event) {
    if (dragged) { event.preventDefault(); }
  });

  document.addEventListener("dragend", function () {
    if (!dragged) { return; }
    var body = dragged.parentNode;
    dragged.classList.remove("is-dragging");
    dragged = null;
    var form = document.querySelector(body.dataset.sortable || "");
    if (!form || !window.htmx) { return; }
    form.textContent = "";
    body.querySelectorAll("tr[data-item]").forEach(function (row) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "item";
      input.value = row.dataset.item;
      form.appendChild(input);
    });
    window.htmx.trigger(form, "reorder");
  });

  // "Cancel" on an inserted form row: remove the row, nothing to ask the server.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (button) {
      event.preventDefault();
      var row = button.closest("tr");
      if (row) { row.remove(); }
    }
  });
})();

// "Cancel" on an inline form that is not in a table row: remove the form.
document.addEventListener("click", function (event) {
  "use strict";
  var button = event.target.closest("[data-remove-closest]");
  if (!button) { return; }
  var target = button.closest(button.dataset.removeClosest);
  if (target) { event.preventDefault(); target.remove(); }
});
