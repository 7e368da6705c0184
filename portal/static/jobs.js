// The portal's own small script, loaded by every page (the CSP allows no inline script):
// forms of long actions show that they are working, and the waiting page polls its job.
(function () {
  "use strict";
  if (window.portalScript) { return; }
  window.portalScript = true;

  // A form with data-busy="<text>" disables its buttons once it is sent and shows the text
  // on the one pressed, so a slow action is neither sent twice nor left looking idle. The
  // buttons are disabled after the browser has collected the form's values: a disabled
  // button's own name and value would not be sent.
  function buttons(form) {
    return form.querySelectorAll("button, input[type=submit]");
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute("data-busy")) { return; }
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    form.setAttribute("aria-busy", "true");
    var pressed = event.submitter || buttons(form)[0];
    var text = form.getAttribute("data-busy");
    window.setTimeout(function () {
      buttons(form).forEach(function (button) { button.disabled = true; });
      if (pressed && text && pressed.tagName === "BUTTON") {
        pressed.setAttribute("data-label", pressed.textContent);
        var spinner = document.createElement("span");
        spinner.className = "spinner-border spinner-border-sm me-1";
        spinner.setAttribute("aria-hidden", "true");
        pressed.textContent = text;
        pressed.prepend(spinner);
      }
    }, 0);
  });
  // Coming back to a page the browser kept: its forms can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[aria-busy=true]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      buttons(form).forEach(function (button) {
        button.disabled = false;
        if (button.hasAttribute("data-label")) {
          button.textContent = button.getAttribute("data-label");
          button.removeAttribute("data-label");
        }
      });
    });
  });

  // Polls a background job's status and fetches the result when it is ready.
  var box = document.querySelector("[data-job-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-job-status");
  var part = function (name) { return box.querySelector("[data-job-" + name + "]"); };
  var delay = 700;
  function show(status) {
    part("label").textContent = status.label;
    part("step").textContent = status.step || "";
    part("bar").style.width = Math.max(status.progress, 5) + "%";
    part("failed").hidden = !status.failed;
    part("wait").hidden = status.state === "failed" || status.state === "done";
    if (status.error && part("error")) { part("error").textContent = status.error; }
    if (status.state === "done") {
      part("done").hidden = false;
      window.location.assign(status.next);
      return true;
    }
    return status.state === "failed";
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && show(status)) { return; }
        delay = Math.min(delay * 1.3, 4000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }
  window.setTimeout(poll, delay);
})();
