/* Boot guard: the first script of the pane, written for any webview (ES5, no modules).
 * Outlook hosts that cannot run WebAssembly (Internet Explorer 11, EdgeHTML) get a readable
 * explanation instead of a blank pane; others start PyScript's core, whose URL the page gives us. */
(function () {
  "use strict";
  var root = document.documentElement;
  var me = document.currentScript;
  if (window.performance && performance.mark) { performance.mark("mc:boot-guard"); }
  var supported =
    typeof WebAssembly === "object" &&
    typeof WebAssembly.instantiate === "function" &&
    typeof Promise === "function" &&
    typeof fetch === "function" &&
    "noModule" in document.createElement("script");

  if (supported) {
    root.className += " wasm";
    var core = me.getAttribute("data-pyscript");
    var interpreter = me.getAttribute("data-interpreter");
    if (interpreter) {
      // PyScript's `interpreter` module (the snapshot loader), evaluated now: it starts reading the
      // snapshot and compiling the wasm while the page parses and PyScript's core sets itself up.
      // PyScript later imports the same URL and gets this same module instance.
      var loader = document.createElement("script");
      loader.type = "module";
      loader.src = interpreter;
      document.head.appendChild(loader);
    }
    // PyScript's core looks for the <script type="py"> and its config once, when it is evaluated: a
    // module inserted from here runs as soon as it arrives (warm: before the body is parsed), so it is
    // inserted once the document is parsed and IndexedDB has been probed. The head's modulepreload
    // has it downloaded already.
    var waiting = 2;
    var startPyScript = function () {
      waiting -= 1;
      if (waiting > 0) { return; }
      var s = document.createElement("script");
      s.type = "module";
      s.src = core;
      document.head.appendChild(s);
    };
    probeIndexedDB(function (works) {
      if (!works) { useMemoryIndexedDB(); }
      startPyScript();
    });
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", startPyScript, false);
    } else {
      startPyScript();
    }
    return;
  }

  // PyScript's core opens an IndexedDB store before it starts the interpreter (its package cache,
  // "Loading Storage") and stops for good when opening fails. It fails where the browser blocks
  // storage in a third-party frame, which is what Outlook on the web's add-in frame is (Chromium
  // with third-party cookies blocked, the default in a private window: the open request errors).
  // There the pane gets an IndexedDB that lives in memory for the pane's lifetime: PyScript's cache
  // is empty on every start anyway (packages come with the snapshot, packages_cache "passthrough").
  function probeIndexedDB(done) {
    var answered = false;
    var answer = function (works) { if (!answered) { answered = true; done(works); } };
    try {
      var request = window.indexedDB.open("mailconnector");
      request.onsuccess = function () {
        try { request.result.close(); } catch (e) { /* closed already */ }
        answer(true);
      };
      request.onerror = function (event) {
        if (event && event.preventDefault) { event.preventDefault(); }
        answer(false);
      };
    } catch (e) {
      answer(false);  // no indexedDB at all, or a SecurityError thrown at once
    }
  }

  // What PyScript's IDBMap (@webreflection/idb-map) calls: open (upgrade, success), createObjectStore,
  // transaction().objectStore() with get, getKey, getAllKeys, put(value, key), delete, clear, count.
  // Answers come asynchronously, as IndexedDB's do.
  function useMemoryIndexedDB() {
    var databases = {};
    var later = function (fn) { setTimeout(fn, 0); };
    var answer = function (run) {
      var request = { result: undefined, error: null };
      later(function () {
        try {
          request.result = run();
        } catch (e) {
          request.error = e;
          if (request.onerror) { request.onerror({ type: "error", target: request }); }
          return;
        }
        if (request.onsuccess) { request.onsuccess({ type: "success", target: request }); }
      });
      return request;
    };
    var store = function (map) {
      return {
        get: function (key) { return answer(function () { return map.get(key); }); },
        getKey: function (key) { return answer(function () { return map.has(key) ? key : undefined; }); },
        getAllKeys: function () { return answer(function () { return Array.from(map.keys()); }); },
        put: function (value, key) { return answer(function () { map.set(key, value); return key; }); },
        "delete": function (key) { return answer(function () { map["delete"](key); }); },
        clear: function () { return answer(function () { map.clear(); }); },
        count: function () { return answer(function () { return map.size; }); }
      };
    };
    var database = function () {
      var stores = {};
      var db = {
        objectStoreNames: [],
        createObjectStore: function (name) {
          stores[name] = new Map();
          db.objectStoreNames.push(name);
          return store(stores[name]);
        },
        transaction: function () {
          return { objectStore: function (name) { return store(stores[name]); } };
        },
        close: function () {}
      };
      return db;
    };
    var memory = {
      open: function (name) {
        var request = { result: undefined, error: null };
        later(function () {
          var fresh = !databases.hasOwnProperty(name);
          if (fresh) { databases[name] = database(); }
          request.result = databases[name];
          var upgrade = {};
          if (fresh && request.onupgradeneeded) {
            request.onupgradeneeded({ type: "upgradeneeded", target: { result: request.result, transaction: upgrade } });
          }
          later(function () {
            if (upgrade.oncomplete) { upgrade.oncomplete({ type: "complete" }); }
            if (request.onsuccess) { request.onsuccess({ type: "success", target: request }); }
          });
        });
        return request;
      }
    };
    Object.defineProperty(window, "indexedDB", { value: memory, configurable: true });
    root.setAttribute("data-storage", "memory");
    if (window.performance && performance.mark) { performance.mark("mc:storage-memory"); }
  }

  root.className += " no-wasm";
  var lang = (navigator.language || navigator.userLanguage || "en").toLowerCase();
  var it = lang.indexOf("it") === 0;
  var title = it ? "Questa versione di Outlook non può eseguire Mail Connector"
                 : "This version of Outlook cannot run Mail Connector";
  var body = it
    ? "Mail Connector ha bisogno di un browser moderno con WebAssembly. Questa finestra di Outlook usa " +
      "un motore web vecchio (Internet Explorer o EdgeHTML). Usa Outlook sul web, il nuovo Outlook, " +
      "oppure Outlook per Windows con Microsoft Edge WebView2 (Microsoft 365, versione 2102 o successiva)."
    : "Mail Connector needs a modern browser engine with WebAssembly. This Outlook window uses an old " +
      "one (Internet Explorer or EdgeHTML). Use Outlook on the web, the new Outlook, or Outlook for " +
      "Windows with Microsoft Edge WebView2 (Microsoft 365, version 2102 or later).";
  function show() {
    var box = document.getElementById("unsupported");
    if (!box) { return; }
    box.getElementsByTagName("h1")[0].appendChild(document.createTextNode(title));
    box.getElementsByTagName("p")[0].appendChild(document.createTextNode(body));
    box.removeAttribute("hidden");
    var app = document.getElementById("app");
    if (app) { app.setAttribute("hidden", "hidden"); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show, false);
  } else {
    show();
  }
})();
