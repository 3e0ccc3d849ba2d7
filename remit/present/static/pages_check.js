/* /ui/check: the map of the streets (Leaflet, no tiles). The GeoJSON comes from
   /ui/check/streets.geojson; each street is coloured on the server (by load or by findings, as the reader picks), labelled with its name and
   findings, a link to its page (click, or Tab and Enter). Without script the heat map and its links remain. */
(function () {
  "use strict";
  var box = document.getElementById("check-map");
  if (!box || !window.L) {
    return;
  }
  var by = "load";
  function label(props) {
    var span = document.createElement("span");
    var name = document.createElement("strong");
    name.textContent = props.short;
    span.appendChild(name);
    span.appendChild(document.createElement("br"));
    span.appendChild(document.createTextNode(by === "load" ? props.load : String(props.findings)));
    return span;
  }
  function style(feature) {
    return {
      color: "#12324f",
      weight: 1.5,
      fillColor: by === "load" ? feature.properties.colour_load : feature.properties.colour_findings,
      fillOpacity: 0.9,
    };
  }
  fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
    .then(function (answer) {
      if (!answer.ok) {
        throw new Error("map data: " + answer.status);
      }
      return answer.json();
    })
    .then(function (data) {
      var map = L.map(box, {
        attributionControl: false,
        scrollWheelZoom: false,
        zoomSnap: 0.25,
      });
      var layer = L.geoJSON(data, {
        style: style,
        onEachFeature: function (feature, shape) {
          shape.bindTooltip(label(feature.properties), {
            permanent: true,
            direction: "center",
            className: "map-label",
          });
          shape.on("click", function () {
            window.location.href = feature.properties.href;
          });
          shape.on("add", function () {
            var element = shape.getElement();
            if (element) {
              // a street is a link, for the keyboard too
              element.setAttribute("role", "link");
              element.setAttribute("tabindex", "0");
              element.setAttribute("aria-label", feature.properties.label);
              element.addEventListener("keydown", function (event) {
                if (event.key === "Enter") {
                  window.location.href = feature.properties.href;
                }
              });
            }
          });
        },
      }).addTo(map);
      if (layer.getLayers().length) {
        map.fitBounds(layer.getBounds(), { padding: [12, 12] });
      } else {
        map.setView([31.22, 121.48], 13);
      }
      var choice = document.getElementById("map-by");
      if (choice) {
        choice.hidden = false;
        choice.addEventListener("change", function (event) {
          by = event.target.value;
          layer.setStyle(style);
          layer.eachLayer(function (shape) {
            shape.setTooltipContent(label(shape.feature.properties));
          });
          document.getElementById("map-legend-load").hidden = by !== "load";
          document.getElementById("map-legend-findings").hidden = by === "load";
          box.setAttribute("data-by", by);
        });
      }
      box.setAttribute("data-ready", String(layer.getLayers().length));
    })
    .catch(function (error) {
      box.setAttribute("data-error", String(error));
    });
})();
