// The staff shell's behaviour: the phone menu, copy buttons and confirmation of destructive
// actions. Loaded with `defer` from base.html; no inline scripts (Content-Security-Policy).
"use strict";

function setUpMenu() {
  var button = document.querySelector(".menu-button");
  var shell = document.querySelector(".shell");
  if (!button || !shell) return;
  button.addEventListener("click", function () {
    var open = shell.classList.toggle("nav-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && shell.classList.contains("nav-open")) {
      shell.classList.remove("nav-open");
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
}

function copyText(input) {
  input.select();
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(input.value).catch(function () {
      document.execCommand("copy");
    });
  }
  document.execCommand("copy");
  return Promise.resolve();
}

function setUpCopyButtons() {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var id = button.dataset.copy;
      var input = document.getElementById(id);
      var status = document.querySelector('[data-copy-status="' + id + '"]');
      copyText(input).then(function () {
        button.textContent = "Copied";
        if (status) status.textContent = "Copied";
        window.setTimeout(function () {
          button.textContent = "Copy";
          if (status) status.textContent = "";
        }, 4000);
      });
    });
  });
}

// <form data-confirm="The current link stops working." data-confirm-button="Regenerate">
// asks in the shared <dialog> before it is submitted.
function setUpConfirmations() {
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var message = document.getElementById("confirm-dialog-message");
  var title = document.getElementById("confirm-dialog-title");
  var ok = dialog.querySelector("[data-confirm-ok]");
  var pending = null;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.confirm) return;
    if (form.dataset.confirmed === "yes") {
      delete form.dataset.confirmed;
      return;
    }
    event.preventDefault();
    pending = { form: form, submitter: event.submitter || null };
    title.textContent = form.dataset.confirmTitle || "Are you sure?";
    message.textContent = form.dataset.confirm;
    ok.textContent = form.dataset.confirmButton || "Confirm";
    dialog.showModal();
  });
  ok.addEventListener("click", function () {
    var target = pending;
    pending = null;
    dialog.close();
    if (!target) return;
    target.form.dataset.confirmed = "yes";
    target.form.requestSubmit(target.submitter);
  });
  dialog.querySelector("[data-confirm-cancel]").addEventListener("click", function () {
    pending = null;
    dialog.close();
  });
}

// Fields keep what was typed past their limit (no maxlength); say so while typing, politely.
function setUpLengthHints() {
  document.querySelectorAll("[data-maxlength]").forEach(function (input) {
    var limit = parseInt(input.dataset.maxlength, 10);
    var hint = document.createElement("p");
    hint.className = "length-hint";
    hint.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", hint);
    function update() {
      var over = input.value.length - limit;
      hint.textContent = over > 0
        ? over + (over === 1 ? " character" : " characters") + " too long (at most " + limit + ")"
        : "";
    }
    input.addEventListener("input", update);
    update();
  });
}

setUpMenu();
setUpCopyButtons();
setUpConfirmations();
setUpLengthHints();
