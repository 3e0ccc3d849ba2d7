(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
  var kind = document.getElementById("filter-kind");
  var severity = document.getElementById("filter-severity");
  var search = document.getElementById("filter-text");
  var onlyNew = document.getElementById("filter-new");
  var shown = document.getElementById("shown-count");
  var noMatch = document.getElementById("no-match");

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  function apply() {
    var k = kind.value, s = severity.value;
    var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var newOnly = onlyNew ? onlyNew.checked : false;
    var count = 0;
    rows.forEach(function (row, i) {
      var ok = (!k || row.getAttribute("data-kind") === k) &&
        (!s || row.getAttribute("data-severity") === s) &&
        (!newOnly || row.classList.contains("introduced")) &&
        terms.every(function (term) { return texts[i].indexOf(term) !== -1; });
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = String(count);
    noMatch.hidden = count > 0;
  }

  function show(kindValue, severityValue) {
    kind.value = hasOption(kind, kindValue) ? kindValue : "";
    severity.value = hasOption(severity, severityValue) ? severityValue : "";
    apply();
    document.getElementById("findings").scrollIntoView();
  }

  [kind, severity].forEach(function (el) { el.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  if (onlyNew) { onlyNew.addEventListener("change", apply); }
  document.getElementById("filter-reset").addEventListener("click", function () {
    kind.value = ""; severity.value = ""; search.value = "";
    if (onlyNew) { onlyNew.checked = false; }
    apply();
  });
  function cards(attribute, choose) {
    var found = document.querySelectorAll("[" + attribute + "]");
    Array.prototype.forEach.call(found, function (card) {
      card.addEventListener("click", function () { choose(card.getAttribute(attribute)); });
    });
  }
  cards("data-filter-kind", function (value) { show(value, ""); });
  cards("data-filter-severity", function (value) { show("", value); });
  apply();
})();
