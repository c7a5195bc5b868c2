/* A fake "Outlook on the web" around the pane: the parent page (https://outlook.office.com, through Playwright
 * routing) that speaks Outlook's cross-frame protocol (JSON over postMessage) to Microsoft's real office.js
 * inside the pane's iframe. Message shapes, dispatch ids and the start-up sequence are office.js's own
 * (outlook-web-16.01.js: Microsoft.Office.Common.ClientEndPoint, standardInvokeHostMethod, getMessageRead).
 *
 *   owa.open(paneUrl, {mail, settings, mailbox, lang, platform})  frame the pane with _host_Info/_xdm_Info
 *   owa.select(mail)      a pinned pane's selection changes: pushes the ItemChanged event with the new item
 *   owa.log               every request office.js sent: {action, dispatchId, params}
 *   owa.savedSettings()   the roaming settings office.js saved (ExecuteMethod 404)
 *
 * A mail: {id, subject, from, sender, to, cc, dateTimeCreated (ms), internetMessageId, conversationId,
 *          body: {text, html}, headers (raw text for getAllInternetHeadersAsync),
 *          attachments: [{id, name, contentType, size, attachmentType (0 file, 1 item, 2 cloud), isInline,
 *                         format, content} | {..., refuse: errorCode}]}
 */
(function () {
  "use strict";
  var ORIGIN = location.origin;
  var CONVERSATION = "conv" + Math.floor(Math.random() * 1e9);
  var APP_ID = "0d0a3b1e-1c44-4f1e-9f2a-6ac4b7e1c0de";
  var state = {mail: null, settings: {}, saved: null, mailbox: "1.11", lang: "en-US", frame: null, events: {}};
  var log = [];

  function itemData(mail) {
    if (!mail) { return null; }
    var data = {itemType: 1, permissionLevel: 1, hostVersion: "16.0.0.0", owaView: "TwoColumnsNarrow"};
    ["id", "subject", "normalizedSubject", "from", "sender", "to", "cc", "dateTimeCreated", "dateTimeModified",
     "internetMessageId", "conversationId", "itemClass"].forEach(function (k) {
      if (mail[k] !== undefined) { data[k] = mail[k]; }
    });
    data.attachments = (mail.attachments || []).map(function (a) {
      return {id: a.id, name: a.name, contentType: a.contentType, size: a.size, attachmentType: a.attachmentType || 0,
              isInline: !!a.isInline};
    });
    data.userDisplayName = state.user.name;
    data.userEmailAddress = state.user.address;
    data.userTimeZone = "W. Europe Standard Time";
    data.timeZoneOffsets = [];
    return data;
  }

  function appContext() {
    return {
      _id: APP_ID, _appName: 64, _appVersion: "16.01", _appMinorVersion: 1, _appUILocale: state.lang,
      _dataLocale: state.lang, _docUrl: "", _clientMode: 0, _settings: state.settings, _reason: 0,
      _osfControlType: 0, _eToken: "", _correlationId: "", _appInstanceId: APP_ID,
      _requirementMatrix: JSON.stringify({Mailbox: state.mailbox}), _hostFullVersion: "16.0.0.0",
      _addinName: "Mail Connector", _appDomains: [], _featureGates: ""
    };
  }

  function execute(dispatchId, params) {
    var mail = state.mail;
    switch (dispatchId) {
      case 37: // item.body.getAsync: coercionType 0 text, 3 html
        return {wasSuccessful: true, data: params && params.coercionType === 3 ? mail.body.html : mail.body.text};
      case 150: { // item.getAttachmentContentAsync
        var found = (mail.attachments || []).filter(function (a) { return a.id === params.id; })[0];
        if (!found) { return {error: true, errorCode: 9003}; } // InvalidAttachmentId
        if (found.refuse) { return {error: true, errorCode: found.refuse}; }
        return {wasSuccessful: true, data: {format: found.format, content: found.content}};
      }
      case 168: // item.getAllInternetHeadersAsync (Mailbox 1.8)
        return mail.headers === undefined ? {error: true, errorCode: 9020} : {wasSuccessful: true, data: mail.headers};
      case 404: // roamingSettings.saveAsync: [settings as {name: JSON text}]
        state.saved = params && params[0];
        state.settings = state.saved || {};
        return {wasSuccessful: true, data: null};
      default: // telemetry and calls the pane does not make: answered, counted in the log
        return {wasSuccessful: true, data: null};
    }
  }

  function reply(e, msg, data, responseType) {
    e.source.postMessage(JSON.stringify({
      _messageType: 1, _actionName: msg._actionName, _conversationId: msg._conversationId,
      _correlationId: msg._correlationId, _data: data, _errorCode: 0, _responseType: responseType || 0
    }), e.origin);
  }

  window.addEventListener("message", function (e) {
    if (state.asleep) { state.queue.push(e); return; } // Outlook busy: answers come later (owa.wake)
    handle(e);
  });

  function handle(e) {
    var msg;
    try { msg = JSON.parse(e.data); } catch (_) { return; }
    if (!msg || msg._messageType !== 0) { return; }
    var data = msg._data || {};
    var method = data.MethodData || {};
    var entry = {action: msg._actionName, type: msg._actionType, dispatchId: method.DispatchId,
                 params: data.ApiParams === undefined ? null : data.ApiParams};
    log.push(entry);
    if (msg._actionType === 1) { // register event: remember where to push it
      state.events[msg._actionName] = {source: e.source, origin: e.origin, msg: msg};
      reply(e, msg, {Error: 0});
      return;
    }
    if (msg._actionType === 2) { delete state.events[msg._actionName]; reply(e, msg, {Error: 0}); return; }
    switch (msg._actionName) {
      case "ContextActivationManager_getAppContextAsync": reply(e, msg, appContext()); return;
      case "ContextActivationManager_notifyHost": return;
      case "GetInitialData": reply(e, msg, itemData(state.mail)); return;
      case "ExecuteMethod": {
        var answer = execute(method.DispatchId, data.ApiParams);
        var delay = state.holdDispatch === method.DispatchId ? null : 0;
        if (delay === null) { state.held.push(function () { reply(e, msg, answer); }); return; }
        reply(e, msg, answer);
        return;
      }
      default: reply(e, msg, {wasSuccessful: true, data: null});
    }
  }

  window.owa = {
    log: log,
    origin: ORIGIN,
    open: function (paneUrl, options) {
      state.mail = options.mail || null;
      state.settings = options.settings || {};
      state.mailbox = options.mailbox || "1.11";
      state.lang = options.lang || "en-US";
      state.user = options.user || {name: "Anna Bianchi", address: "anna@example.com"};
      state.held = [];
      state.holdDispatch = null;
      state.asleep = !!options.asleep;
      state.queue = [];
      var platform = options.platform || "Web";
      var version = {Web: "16.01", Win32: "16.02", Mac: "16.00"}[platform];
      // office.js splits both fields raw on '$' (they must not be URL-encoded); disableLogging: no telemetry beacon.
      var hostInfo = ["Outlook", platform, version, state.lang, "", "", "disableLogging", "0"].join("$");
      var src = paneUrl + "?_host_Info=" + hostInfo + "#&_serializer_version=1&_xdm_Info=" +
        [CONVERSATION, APP_ID, ORIGIN].join("$");
      var frame = document.createElement("iframe");
      frame.id = "pane";
      frame.name = "pane";
      frame.setAttribute("allow", "local-network-access");
      frame.src = src;
      document.getElementById("pane-slot").appendChild(frame);
      state.frame = frame;
      return src;
    },
    select: function (mail) {
      state.mail = mail;
      var reg = state.events[Object.keys(state.events).filter(function (n) { return n === "olkItemSelectedChanged"; })[0]];
      if (!reg) { return false; }
      reg.source.postMessage(JSON.stringify({
        _messageType: 1, _actionName: reg.msg._actionName, _conversationId: reg.msg._conversationId,
        _correlationId: reg.msg._correlationId, _data: itemData(mail), _errorCode: 0, _responseType: 1
      }), reg.origin);
      return true;
    },
    wake: function () { state.asleep = false; var q = state.queue; state.queue = []; q.forEach(handle); },
    registered: function () { return Object.keys(state.events); },
    hold: function (dispatchId) { state.holdDispatch = dispatchId; },
    release: function () { state.holdDispatch = null; var h = state.held; state.held = []; h.forEach(function (f) { f(); }); },
    savedSettings: function () { return state.saved; },
    dispatchIds: function () { return log.filter(function (x) { return x.action === "ExecuteMethod"; }).map(function (x) { return x.dispatchId; }); }
  };
})();
