/* Office.onReady at load. Microsoft's "Initialize your Office Add-in" page asks add-ins to call
 * Office.onReady() (or set Office.initialize) as their script loads: some hosts do not show the pane until
 * then. This classic script runs right after office.js, before any module script of the page exists, and
 * keeps the answer in a promise that the pane's Python awaits (office/bridge.py, OfficeBridge.ready):
 *
 *   window.mcOffice = {ready: Promise<{host, platform}>, late: Promise<"late">, registered: {...}}
 *
 * `ready` resolves with Office's answer ({host: null} outside Office; {host: null, missing: true} when
 * office.js did not load at all); `late` resolves after a bounded wait, so that the pane can say that Outlook
 * has not answered instead of showing a skeleton forever (it keeps waiting for `ready` meanwhile).
 * ES5 on purpose, like boot.js. */
(function () {
  "use strict";
  var limit = typeof window.mcOfficeReadyLimitMs === "number" ? window.mcOfficeReadyLimitMs : 20000;
  var office = window.Office;
  var ready;
  if (office && typeof office.onReady === "function") {
    ready = Promise.resolve(office.onReady()).then(function (info) {
      return {host: info && info.host ? String(info.host) : null,
              platform: info && info.platform ? String(info.platform) : null, missing: false};
    });
  } else {
    ready = Promise.resolve({host: null, platform: null, missing: true});
  }
  var late = new Promise(function (resolve) { setTimeout(function () { resolve("late"); }, limit); });
  window.mcOffice = {
    ready: ready,
    late: late,
    // What the tests check: called while the page was still being parsed, before any module script existed.
    registered: {
      readyState: document.readyState,
      moduleScripts: document.querySelectorAll("script[type=module]").length,
      officeLoaded: !!office
    }
  };
  if (window.performance && performance.mark) { performance.mark("mc:office-onready"); }
})();
