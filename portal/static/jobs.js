// Polls a background job's status and fetches the result when it is ready.
(function () {
  "use strict";
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
