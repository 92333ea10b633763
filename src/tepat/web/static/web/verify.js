/* The verification forms: the phone's GPS into hidden inputs, and one more member row.
   Everything works without this file except taking the location (the form says so). */
(function () {
  "use strict";

  function setUpGps(box) {
    var form = box.closest("form");
    var button = box.querySelector("button");
    var status = box.querySelector("[data-gps-status]");
    var latitude = form.querySelector("input[name=latitude]");
    var longitude = form.querySelector("input[name=longitude]");
    if (!navigator.geolocation) {
      status.textContent = box.dataset.unsupported;
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = box.dataset.waiting;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        status.textContent = box.dataset.done + " " + latitude.value + ", " + longitude.value +
          " (± " + Math.round(position.coords.accuracy) + " m)";
        button.disabled = false;
      }, function () {
        status.textContent = box.dataset.failed;
        button.disabled = false;
      }, {enableHighAccuracy: true, timeout: 30000, maximumAge: 60000});
    });
  }

  function renumber(element, index) {
    ["name", "id", "for"].forEach(function (attribute) {
      var value = element.getAttribute(attribute);
      if (value) {
        element.setAttribute(attribute, value.replace(/a\d+-/, "a" + index + "-"));
      }
    });
  }

  function setUpAddRow(button) {
    var list = document.getElementById(button.dataset.addRow);
    if (!list) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = list.querySelectorAll("[data-row]");
      var last = rows[rows.length - 1];
      var index = parseInt(last.dataset.row, 10) + 1;
      var copy = last.cloneNode(true);
      copy.dataset.row = String(index);
      copy.querySelectorAll("[data-saved], .errorlist").forEach(function (element) {
        element.remove();
      });
      copy.querySelectorAll("input, select, label").forEach(function (element) {
        renumber(element, index);
        if (element.tagName === "INPUT") { element.value = ""; }
        if (element.tagName === "SELECT") { element.selectedIndex = 0; }
      });
      var number = copy.querySelector("[data-row-number]");
      if (number) { number.textContent = String(rows.length + 1); }
      list.appendChild(copy);
      copy.querySelector("input").focus();
    });
  }

  document.querySelectorAll("[data-gps]").forEach(setUpGps);
  document.querySelectorAll("[data-add-row]").forEach(setUpAddRow);
})();
