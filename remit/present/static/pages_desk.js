/* The dispatch desk (/ui/desk): the matter field's suggestions (an ARIA combobox: type, arrow
   keys, Enter, Escape) and the map that picks the area of a clicked point. Without script the
   form still works: the matter field takes a code or a name, the area is chosen in its list. */
(function () {
  "use strict";

  function combobox(input, list) {
    var options = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      options = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function mark(index) {
      options.forEach(function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function pick(index) {
      var li = options[index];
      if (!li) return;
      input.value = li.getAttribute("data-label");
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(items) {
      list.innerHTML = "";
      options = items.map(function (item, i) {
        var li = document.createElement("li");
        li.id = "matter-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-label", item.label);
        li.appendChild(document.createTextNode(item.label));
        var why = document.createElement("span");
        why.className = "why-match";
        why.textContent = (item.group ? item.group + " · " : "") + item.spelling;
        li.appendChild(why);
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          pick(i);
        });
        list.appendChild(li);
        return li;
      });
      active = -1;
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
    }

    function ask() {
      var q = input.value.trim();
      if (!q) {
        close();
        return;
      }
      var ticket = ++asked;
      fetch("/ui/desk/matters?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) {
          if (ticket === asked && document.activeElement === input) show(items);
        })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 120);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && options.length > 0;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (!open) { ask(); return; }
        mark(active < options.length - 1 ? active + 1 : 0);
      } else if (e.key === "ArrowUp") {
        if (!open) return;
        e.preventDefault();
        mark(active > 0 ? active - 1 : options.length - 1);
      } else if (e.key === "Enter") {
        if (open && active >= 0) {
          e.preventDefault();
          pick(active);
        } else if (open) {
          close();
        }
      } else if (e.key === "Escape") {
        if (open) {
          e.preventDefault();
          close();
        }
      } else if (e.key === "Tab") {
        if (open && active >= 0) pick(active);
        else close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
  }

  function map(box) {
    if (typeof L === "undefined") return;
    var area = document.getElementById("area");
    var lat = document.getElementById("lat");
    var lng = document.getElementById("long");
    var picked = document.getElementById("picked");
    var shown = L.map(box, { attributionControl: false, zoomSnap: 0.25 });
    var marker = null;
    var colours = { district: "#12324f", street: "#0b5cad", community: "#1f6b36", grid: "#8a5a00" };
    fetch("/ui/desk/shapes", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          interactive: false,
          style: function (f) {
            var level = f.properties.level;
            return {
              color: colours[level] || "#55606a",
              weight: level === "district" ? 3 : level === "street" ? 2 : 1,
              fillOpacity: level === "grid" ? 0.12 : 0.04,
              dashArray: level === "grid" || level === "community" ? "4 3" : null
            };
          }
        }).addTo(shown);
        shown.fitBounds(layer.getBounds(), { padding: [10, 10] });
        data.features.forEach(function (f) {
          if (f.properties.level !== "street") return;
          var centre = L.geoJSON(f).getBounds().getCenter();
          var name = document.createElement("span");
          name.textContent = f.properties.name;
          L.marker(centre, {
            interactive: false,
            keyboard: false,
            icon: L.divIcon({ className: "area-label", html: name, iconSize: [0, 0] })
          }).addTo(shown);
        });
        if (lat.value && lng.value) place(parseFloat(lat.value), parseFloat(lng.value));
      });

    function place(y, x) {
      if (marker) marker.setLatLng([y, x]);
      else marker = L.circleMarker([y, x], { radius: 7, color: "#a1170f", fillOpacity: 0.8, interactive: false }).addTo(shown);
    }

    area.addEventListener("change", function () {
      // chosen in the list: the point picked before no longer says where
      lat.value = "";
      lng.value = "";
      picked.textContent = "";
      if (marker) {
        marker.remove();
        marker = null;
      }
    });

    shown.on("click", function (e) {
      var y = e.latlng.lat.toFixed(6);
      var x = e.latlng.lng.toFixed(6);
      place(e.latlng.lat, e.latlng.lng);
      fetch("/ui/desk/locate?lat=" + y + "&long=" + x, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (found) {
          if (!found.area) {
            picked.textContent = box.getAttribute("data-none");
            return;
          }
          lat.value = y;
          lng.value = x;
          area.value = found.area;
          picked.textContent = box.getAttribute("data-picked") + found.path.slice(1).join(" › ");
        });
    });
  }

  function attributes(input) {
    // the attributes shown are the matter's the page was routed with: another matter, other
    // attributes (they are asked for again when it is routed)
    var set = document.getElementById("desk-attributes");
    if (!set) return;
    function follow() {
      var same = input.value.trim() === input.defaultValue.trim();
      set.disabled = !same;
      set.hidden = !same;
    }
    input.addEventListener("input", follow);
    input.addEventListener("change", follow);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("matter");
    var list = document.getElementById("matter-list");
    if (input && list) {
      combobox(input, list);
      attributes(input);
    }
    var box = document.getElementById("desk-map");
    if (box) map(box);
    tree(document.getElementById("area-tree"), document.getElementById("area"));
  });

  function tree(shown, area) {
    // the area tree (district → street → community → grid): a button chooses its area in the
    // list, which stays the form's field (and the way without script: the tree is hidden then)
    if (!shown || !area) return;
    shown.hidden = false;
    shown.querySelectorAll("button[data-area]").forEach(function (button) {
      button.addEventListener("click", function () {
        area.value = button.dataset.area;
        area.dispatchEvent(new Event("change"));
        area.focus();
      });
    });
  }
})();
