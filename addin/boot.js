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
    // inserted once the document is parsed. The head's modulepreload has it downloaded already.
    var startPyScript = function () {
      var s = document.createElement("script");
      s.type = "module";
      s.src = core;
      document.head.appendChild(s);
    };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", startPyScript, false);
    } else {
      startPyScript();
    }
    return;
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
