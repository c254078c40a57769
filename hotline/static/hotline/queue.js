/* The unit's live queue (/orders/queue/): every few seconds the page asks whether anything it shows
   changed (/orders/queue/live/?stamp=…, 204 while nothing did: one small query); when it did, the lists
   are swapped in place. A new emergency (特急) order plays a sound and raises a browser notification
   where the user allowed it. Short polling works with any number of app servers behind one database.
   A form being filled in (an open progress, arrival or resolve form) holds the swap until it is closed. */
(function () {
  "use strict";
  var live = document.getElementById("queue-live");
  if (!live) return;
  var url = live.dataset.url, interval = parseInt(live.dataset.interval || "5000", 10), busy = false;
  var sound = document.getElementById("emergency-sound");
  var seen = emergencies();
  var notifyButton = document.getElementById("notify-enable");

  function emergencies() {
    var numbers = {};
    document.querySelectorAll("#queue-live [data-emergency='1']").forEach(function (card) {
      numbers[card.dataset.number] = card.dataset.title || card.dataset.number;
    });
    return numbers;
  }

  function editing() {
    var open = document.querySelector("#queue-live form.collapse.show, #queue-live form.collapsing");
    var active = document.activeElement;
    return !!open || (active && live.contains(active) && /INPUT|TEXTAREA|SELECT/.test(active.tagName));
  }

  function announce(fresh) {
    if (!fresh.length) return;
    if (sound) { try { sound.currentTime = 0; var p = sound.play(); if (p && p.catch) p.catch(function () {}); } catch (e) {} }
    live.dataset.lastAlarm = fresh.join(",");
    if (window.Notification && Notification.permission === "granted") {
      fresh.forEach(function (number) {
        try { new Notification(live.dataset.notifyTitle || "特急工单", {body: number + " " + (seen[number] || ""), tag: number}); }
        catch (e) {}
      });
    }
  }

  function poll() {
    if (busy || editing()) return;
    busy = true;
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "stamp=" + encodeURIComponent(live.dataset.stamp),
          {credentials: "same-origin", headers: {"X-Requested-With": "queue"}})
      .then(function (response) {
        if (response.status === 204) return null;
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        if (html === null || editing()) return;
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#queue-live");
        if (!fresh) return;
        live.innerHTML = fresh.innerHTML;
        live.dataset.stamp = fresh.dataset.stamp;
        if (window.htmx) htmx.process(live);
        var now = emergencies(), added = Object.keys(now).filter(function (n) { return !(n in seen); });
        seen = now;
        announce(added);
        var count = document.getElementById("queue-count");
        if (count && fresh.dataset.count !== undefined) count.textContent = fresh.dataset.count;
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }

  if (notifyButton) {
    if (!window.Notification || Notification.permission !== "default") notifyButton.classList.add("d-none");
    notifyButton.addEventListener("click", function () {
      // The first click also unlocks the sound (browsers play audio only after a gesture).
      if (sound) { sound.muted = true; var p = sound.play(); if (p && p.then) p.then(function () { sound.pause(); sound.muted = false; }).catch(function () { sound.muted = false; }); }
      if (window.Notification) Notification.requestPermission().then(function () { notifyButton.classList.add("d-none"); });
    });
  }
  setInterval(poll, interval);
})();

/* A card's button fetches its form into the card (htmx); "Close" takes it away again. */
document.addEventListener("click", function (event) {
  var close = event.target.closest && event.target.closest("[data-queue-form-close]");
  if (!close) return;
  var slot = close.closest(".queue-form");
  if (slot) slot.innerHTML = "";
});

/* 到场: the phone's position, where the worker allows it, goes with the arrival form (once it is in the card). */
document.addEventListener("htmx:afterSwap", function (event) {
  var form = event.target.querySelector && event.target.querySelector("form[data-locate-form]");
  if (!form || !navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition(function (pos) {
    form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
    form.querySelector("input[name=lng]").value = pos.coords.longitude.toFixed(6);
    var shown = form.querySelector(".position-shown");
    if (shown) shown.textContent = pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
  }, function () {}, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
});
