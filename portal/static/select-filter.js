// A search box above each <select data-filter>: typing keeps only the options (and their
// groups) whose text contains what was typed, so a long list of bodies is quick to use.
(function () {
  "use strict";
  function attach(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = select.getAttribute("data-filter");
    box.setAttribute("aria-label", select.getAttribute("data-filter"));
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var needle = box.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
        var text = (option.text + " " + group).toLowerCase();
        var shown = !needle || option.value === "0" || option.value === "" ||
          text.indexOf(needle) !== -1;
        option.hidden = !shown;
        if (shown && needle && first === null && option.value !== "0" && option.value !== "") {
          first = option;
        }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (o) {
          return !o.hidden;
        });
      });
      var current = select.selectedOptions[0];
      if (first !== null && (!current || current.hidden || current.value === "0" ||
                             current.value === "")) {
        first.selected = true;
      }
    });
  }
  document.querySelectorAll("select[data-filter]").forEach(attach);
})();
