/* Test stand-in for https://ajax.aspnetcdn.com/ajax/3.5/MicrosoftAjax.js (not in the npm package of office.js,
 * and the CDN is unreachable here). Only what office.js for Outlook checks (isMsAjaxLoaded) and calls:
 * Type.registerNamespace/registerClass, Sys.StringBuilder, Sys.Serialization.JavaScriptSerializer,
 * Function._validateParams/_validateParameter (argument checks: none here), Error.argument/parameterCount,
 * Sys.Debug.trace and Sys.Browser. The tests record that office.js asked for this URL. */
(function () {
  "use strict";
  window.Type = Function;
  Type.registerNamespace = function (ns) {
    var o = window;
    ns.split(".").forEach(function (part) { o[part] = o[part] || {}; o = o[part]; });
  };
  Type.registerClass = function () {};
  Function.prototype.registerClass = function () { return this; };
  Function._validateParams = function () { return null; };
  Function._validateParameter = function () { return null; };
  var fail = function (kind) {
    return function (name, message) { var e = new Error(kind + ": " + (message || name || "")); e.name = kind; return e; };
  };
  Error.argument = fail("Sys.ArgumentException");
  Error.argumentNull = fail("Sys.ArgumentNullException");
  Error.argumentOutOfRange = fail("Sys.ArgumentOutOfRangeException");
  Error.argumentType = fail("Sys.ArgumentTypeException");
  Error.parameterCount = fail("Sys.ParameterCountException");
  Error.invalidOperation = fail("Sys.InvalidOperationException");
  window.Sys = window.Sys || {};
  Sys.StringBuilder = function (s) { this._parts = s ? [s] : []; };
  Sys.StringBuilder.prototype.append = function (s) { this._parts.push(s); };
  Sys.StringBuilder.prototype.toString = function () { return this._parts.join(""); };
  Sys.Serialization = {JavaScriptSerializer: {
    serialize: function (o) { return JSON.stringify(o); },
    deserialize: function (s) { return JSON.parse(s); }
  }};
  Sys.Debug = {trace: function () {}};
  Sys.Browser = {InternetExplorer: {}, Firefox: {}, Safari: {}, agent: null};
})();
