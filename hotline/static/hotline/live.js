/* The live screen pop: ask the server twice a second whether a call is ringing at this seat
   (/calls/live/, 204 while nothing changed). The banner shows the caller's pop on every page.
   On the call panel the calls come as a stream: a new call fills the panel by itself unless the
   operator is writing up the previous caller (a draft: summary, subject or title typed, an order
   chosen, or a number typed by hand); then the new caller waits in the banner and one click on
   "take this call" (or F2) keeps the draft (per call, in sessionStorage: it comes back when that
   call is opened again) and switches the panel. The server refuses a form whose number is not its
   call's (calls.views._pbx_call): a call is never logged against the wrong customer.
   Short polling keeps it working with any number of app processes behind one database, and with no
   long-held connections for the web workers (docs/cti.md). */
(function () {
  "use strict";
  var slot = document.getElementById("live-slot");
  if (!slot) return;
  var url = slot.dataset.url, interval = parseInt(slot.dataset.interval || "500", 10);
  var seen = "", dismissed = sessionStorage.getItem("hotline-live-dismissed") || "", busy = false;
  var DRAFT_FIELDS = ["id_summary", "id_title"];

  function byId(id) { return document.getElementById(id); }
  function onPanel() { return !!byId("call-form") && !!byId("call-number"); }
  function currentCall() { var el = byId("cti-call"); return el ? el.value : ""; }

  function hasDraft() {
    if (!onPanel()) return false;
    for (var i = 0; i < DRAFT_FIELDS.length; i++) {
      var el = byId(DRAFT_FIELDS[i]);
      if (el && el.value.trim()) return true;
    }
    var subject = byId("id_subject");
    if (subject && subject.value) return true;
    if (document.querySelector("#call-form input[name=work_order]:checked")) return true;
    // A number typed by hand for a call the PBX did not report.
    return !currentCall() && !!byId("call-number").value.trim();
  }

  function draftKey(call) { return "hotline-draft-" + call; }

  function saveDraft() {
    var call = currentCall();
    if (!call || !hasDraft()) return;
    var data = {};
    DRAFT_FIELDS.concat(["id_subject"]).forEach(function (id) { var el = byId(id); if (el) data[id] = el.value; });
    sessionStorage.setItem(draftKey(call), JSON.stringify(data));
  }

  function restoreDraft() {
    var call = currentCall(), raw = call && sessionStorage.getItem(draftKey(call));
    if (!raw) return;
    var data = JSON.parse(raw);
    DRAFT_FIELDS.forEach(function (id) { var el = byId(id); if (el && data[id] && !el.value) el.value = data[id]; });
    var subject = byId("id_subject");
    if (subject && data.id_subject && !subject.value) {
      subject.value = data.id_subject;
      if (window.htmx) htmx.trigger(subject, "change");
    }
  }

  function setSubmitting(disabled) {
    ["log-call", "create-order"].forEach(function (id) { var b = byId(id); if (b) b.disabled = disabled; });
  }

  function switchTo(banner) {
    if (!window.htmx) { window.location = byId("live-open").href; return; }
    saveDraft();
    var form = byId("call-form");
    // The new call's own draft, if the operator left it for another call before: it comes back (the
    // pop's request carries the form, so the details are drawn with it).
    var raw = sessionStorage.getItem(draftKey(banner.dataset.call)), draft = raw ? JSON.parse(raw) : {};
    DRAFT_FIELDS.forEach(function (id) { var el = byId(id); if (el) el.value = draft[id] || ""; });
    var subject = byId("id_subject");
    if (subject) subject.value = draft.id_subject || "";
    form.querySelectorAll("input[name=work_order]:checked, input[name=account]:checked").forEach(function (r) {
      r.checked = false;
    });
    byId("call-number").value = banner.dataset.number;
    byId("cti-call").value = banner.dataset.call;
    setSubmitting(true);  // until the new caller's pop has replaced the previous one
    htmx.trigger(byId("pop-button"), "click");
    markBanner(banner);
    document.body.dispatchEvent(new Event("refresh-calls"));
  }

  function markBanner(banner) {
    var mine = banner.dataset.call === currentCall();
    var waiting = onPanel() && !mine;
    byId("live-waiting").classList.toggle("d-none", !waiting);
    byId("live-switch").classList.toggle("d-none", !waiting);
    byId("live-open").classList.toggle("d-none", onPanel());
    banner.classList.toggle("live-waiting", waiting);
  }

  function show(html) {
    slot.innerHTML = html;
    var banner = byId("live-call");
    if (onPanel()) document.body.dispatchEvent(new Event("refresh-calls"));
    if (!banner) return;
    if (banner.dataset.key === dismissed) { slot.innerHTML = ""; return; }
    byId("live-dismiss").addEventListener("click", function () {
      dismissed = banner.dataset.key;
      sessionStorage.setItem("hotline-live-dismissed", dismissed);
      slot.innerHTML = "";
    });
    byId("live-switch").addEventListener("click", function () { switchTo(banner); });
    if (onPanel() && banner.dataset.number && banner.dataset.call !== currentCall() && !hasDraft()) {
      switchTo(banner);
    } else {
      markBanner(banner);
    }
  }

  document.addEventListener("keydown", function (event) {
    var button = byId("live-switch");
    if (event.key === "F2" && button && !button.classList.contains("d-none")) {
      event.preventDefault();
      button.click();
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "screen-pop") {
      setSubmitting(false);
      var banner = byId("live-call");
      if (banner) markBanner(banner);
    }
  });

  if (onPanel()) {
    restoreDraft();
    byId("call-form").addEventListener("submit", function () {
      var call = currentCall();
      if (call) sessionStorage.removeItem(draftKey(call));
    });
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
        var banner = byId("live-call");
        seen = banner ? banner.dataset.key : "";
      })
      .catch(function () { /* the server restarts or the network blinks: the next poll tries again */ })
      .finally(function () { busy = false; });
  }

  poll();
  setInterval(poll, interval);
})();
