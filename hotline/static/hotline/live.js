/* The live screen pop: ask the server twice a second whether a call is ringing at this seat
   (/calls/live/, 204 while nothing changed). The banner shows the caller's pop on every page; on the
   call panel, when no call is being written up, the full screen pop fills in as well.
   Short polling keeps it working with any number of app processes behind one database, and with no
   long-held connections for the web workers (docs/cti.md). */
(function () {
  "use strict";
  var slot = document.getElementById("live-slot");
  if (!slot) return;
  var url = slot.dataset.url, interval = parseInt(slot.dataset.interval || "500", 10);
  var seen = "", dismissed = sessionStorage.getItem("hotline-live-dismissed") || "", busy = false;

  function panelIsIdle() {
    var number = document.getElementById("call-number"), summary = document.getElementById("id_summary");
    return number && !number.value.trim() && (!summary || !summary.value.trim());
  }

  function fillPanel(banner) {
    if (!panelIsIdle() || !window.htmx) return;
    document.getElementById("call-number").value = banner.dataset.number;
    document.getElementById("cti-call").value = banner.dataset.call;
    htmx.trigger(document.getElementById("pop-button"), "click");
  }

  function show(html) {
    slot.innerHTML = html;
    var banner = document.getElementById("live-call");
    if (!banner) return;
    if (banner.dataset.key === dismissed) { slot.innerHTML = ""; return; }
    document.getElementById("live-dismiss").addEventListener("click", function () {
      dismissed = banner.dataset.key;
      sessionStorage.setItem("hotline-live-dismissed", dismissed);
      slot.innerHTML = "";
    });
    if (banner.dataset.number) fillPanel(banner);
  }

  function poll() {
    if (busy) return;
    busy = true;
    fetch(url + "?seen=" + encodeURIComponent(seen), {credentials: "same-origin", headers: {"X-Requested-With": "live"}})
      .then(function (response) {
        if (response.status === 204) return null;
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        show(html);
        var banner = document.getElementById("live-call");
        seen = banner ? banner.dataset.key : "";
      })
      .catch(function () { /* the server restarts or the network blinks: the next poll tries again */ })
      .finally(function () { busy = false; });
  }

  poll();
  setInterval(poll, interval);
})();
