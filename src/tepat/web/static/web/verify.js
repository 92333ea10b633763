/* The verification forms: the phone's GPS into hidden inputs, one more member row, and a filter
   over a long <select> (the "data ganda dari" picker).
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
    button.addEventListener("click", function (event) {
      event.preventDefault();  // a submit button posts the form back only without this file
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

  /* A filter over a long <select> (the ~450 families of a desa in "data ganda dari"): the
     options not matching every typed word leave the list; the empty choice and the chosen one
     stay. Only what the page already holds is searched: nothing is asked of the server. */
  function setUpSelectFilter(input) {
    var select = document.getElementById(input.dataset.filterSelect);
    if (!select) { return; }
    var all = Array.prototype.slice.call(select.options);
    var count = input.parentNode.querySelector("[data-filter-count]");
    input.hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var chosen = select.value;
      var found = 0;
      var keep = all.filter(function (option) {
        if (!option.value) { return true; }
        var text = option.text.toLowerCase();
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        if (match) { found += 1; }
        return match || option.value === chosen;
      });
      while (select.firstChild) { select.removeChild(select.firstChild); }
      keep.forEach(function (option) { select.appendChild(option); });
      select.value = chosen;
      if (count) { count.textContent = words.length ? found + " " + input.dataset.found : ""; }
    });
  }

  document.querySelectorAll("[data-gps]").forEach(setUpGps);
  document.querySelectorAll("[data-filter-select]").forEach(setUpSelectFilter);
  document.querySelectorAll("[data-add-row]").forEach(setUpAddRow);
})();
