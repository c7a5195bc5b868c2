/*
 * Mini Outlook (demo): lists the sample mails, shows the selected one, and drives the task pane's
 * simulated Office host (window.OfficeSim inside the pane's frame, same origin):
 *   - the pane starts with the first mail selected (URL preset of the frame);
 *   - selecting another mail loads it into the host, which fires ItemChanged like a pinned pane;
 *   - an .eml dropped on the page is parsed by the host, added on top of the list and selected;
 *   - language reloads the page (Outlook's display language is fixed per session); theme switches live.
 * Mail text is always inserted with textContent: a hostile subject shows as written.
 * Page parameters: ?lang=en-US|it-IT &theme=light|dark &mail=<fixture file name>
 *   &crm=<CRM URL>: pre-fills the pane's CRM address for a first visit (as if remembered before).
 */
(function () {
  "use strict";

  var FIXTURES = [
    "plain-text.eml",
    "several-attachments.eml",
    "cloud-attachment.json",
    "html-inline-image.eml",
    "non-ascii-names.eml",
    "sent-by-user.eml",
    "attached-message.eml",
    "hostile-text.eml",
    "missing-message-id.eml",
    "folded-lf-only.eml",
  ];
  var BASE = "./fixtures/";
  var params = new URLSearchParams(location.search);
  var lang = params.get("lang") || ((navigator.language || "").toLowerCase().indexOf("it") === 0 ? "it-IT" : "en-US");
  var theme = params.get("theme") === "dark" ? "dark" : "light";
  var first = FIXTURES.indexOf(params.get("mail")) >= 0 ? params.get("mail") : FIXTURES[0];

  var pane = document.getElementById("ol-pane");
  var list = document.getElementById("ol-messages");
  var reading = document.getElementById("ol-reading");
  var drop = document.getElementById("ol-drop");
  var mails = []; // {id, source: {eml: Uint8Array} | {json: object}, parsed}
  var selectedId = null;
  var nextId = 1;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function sim() {
    try {
      return pane.contentWindow && pane.contentWindow.OfficeSim;
    } catch (e) {
      return null;
    }
  }

  function person(a) {
    if (!a) return "";
    return a.name ? a.name + " <" + a.address + ">" : a.address;
  }

  function when(date) {
    if (!date) return "";
    try {
      return date.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
    } catch (e) {
      return date.toISOString();
    }
  }

  function sizeText(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  // ---------------------------------------------------------------- the list

  function parse(source) {
    var s = sim();
    var bytes = source.eml || s.buildEmlFromJson(source.json);
    var parsed = s.parseEml(bytes);
    if (source.json) {
      (source.json.attachments || []).forEach(function (a) {
        if (a.attachmentType === "cloud") parsed.attachments.push({ name: a.name, size: a.size || 0, kind: "cloud" });
      });
    }
    return parsed;
  }

  function addMail(source, label, atTop) {
    var mail = { id: "demo-" + nextId++, source: source, label: label, parsed: parse(source) };
    if (atTop) mails.unshift(mail);
    else mails.push(mail);
    return mail;
  }

  function renderList() {
    while (list.firstChild) list.removeChild(list.firstChild);
    mails.forEach(function (mail) {
      var p = mail.parsed;
      var item = el("li");
      var button = el("button", "ol-message");
      button.type = "button";
      button.setAttribute("data-mail", mail.label);
      if (mail.id === selectedId) button.setAttribute("aria-current", "true");
      button.appendChild(el("span", "ol-from", p.from ? p.from.name || p.from.address : "(unknown sender)"));
      button.appendChild(el("span", "ol-subject", p.subject || "(no subject)"));
      var count = p.attachments.filter(function (a) { return !a.isInline; }).length;
      var attached = count ? " · " + count + (count === 1 ? " attachment" : " attachments") : "";
      button.appendChild(el("span", "ol-meta", when(p.date) + attached));
      button.addEventListener("click", function () { select(mail); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  // ---------------------------------------------------------------- the reading pane

  function renderReading(mail, bodyText) {
    while (reading.firstChild) reading.removeChild(reading.firstChild);
    var p = mail.parsed;
    reading.appendChild(el("h2", null, p.subject || "(no subject)"));
    reading.appendChild(el("p", "ol-people", "From: " + person(p.from)));
    reading.appendChild(el("p", "ol-people", "To: " + p.to.map(person).join(", ")));
    if (p.cc.length) reading.appendChild(el("p", "ol-people", "Cc: " + p.cc.map(person).join(", ")));
    reading.appendChild(el("p", "ol-people", when(p.date)));
    var shown = p.attachments.filter(function (a) { return !a.isInline; });
    if (shown.length) {
      var chips = el("ul", "ol-chips");
      shown.forEach(function (a) {
        var where = a.kind === "cloud" ? "cloud, " : "";
        chips.appendChild(el("li", "ol-chip", a.name + " (" + where + sizeText(a.size || 0) + ")"));
      });
      reading.appendChild(chips);
    }
    reading.appendChild(el("div", "ol-body", bodyText));
  }

  function showBody(mail) {
    var item = sim().currentItem();
    if (!item) return;
    item.body.getAsync("text", function (result) {
      if (selectedId !== mail.id) return; // another mail was selected meanwhile
      renderReading(mail, result.status === "succeeded" ? result.value : "");
    });
  }

  // ---------------------------------------------------------------- selecting (= ItemChanged in the pane)

  function select(mail, alreadyLoaded) {
    selectedId = mail.id;
    var s = sim();
    if (!alreadyLoaded) {
      if (mail.source.eml) s.loadEml(mail.source.eml, { itemId: mail.id });
      else s.loadJson(mail.source.json, { itemId: mail.id });
    }
    renderList();
    renderReading(mail, "");
    showBody(mail);
  }

  // ---------------------------------------------------------------- dropping an .eml

  var dragDepth = 0;
  document.addEventListener("dragenter", function (e) {
    e.preventDefault();
    dragDepth++;
    drop.hidden = false;
  });
  document.addEventListener("dragleave", function () {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) drop.hidden = true;
  });
  document.addEventListener("dragover", function (e) { e.preventDefault(); });
  document.addEventListener("drop", function (e) {
    e.preventDefault();
    dragDepth = 0;
    drop.hidden = true;
    var file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (!file) return;
    openFile(file);
  });

  function openFile(file) {
    return file.arrayBuffer().then(function (buffer) {
      var mail = addMail({ eml: new Uint8Array(buffer) }, file.name, true);
      select(mail);
      return mail.id;
    }).catch(function (error) {
      document.getElementById("ol-hint").textContent = "Could not open " + file.name + ": " + error;
    });
  }

  // ---------------------------------------------------------------- toolbar

  function applyTheme() {
    document.documentElement.setAttribute("data-theme", theme);
  }

  function setUp() {
    var langSelect = document.getElementById("ol-lang");
    var themeSelect = document.getElementById("ol-theme");
    langSelect.value = lang;
    themeSelect.value = theme;
    applyTheme();
    langSelect.addEventListener("change", function () {
      params.set("lang", langSelect.value);
      location.search = params.toString();
    });
    themeSelect.addEventListener("change", function () {
      theme = themeSelect.value;
      applyTheme();
      params.set("theme", theme);
      history.replaceState(null, "", "?" + params.toString());
      var s = sim();
      if (s) s.configure({ theme: theme });
    });
  }

  // ---------------------------------------------------------------- start

  function fetchSource(name) {
    return fetch(BASE + name, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error(name + ": " + r.status);
      return name.slice(-5) === ".json"
        ? r.json().then(function (json) { return { json: json }; })
        : r.arrayBuffer().then(function (b) { return { eml: new Uint8Array(b) }; });
    });
  }

  // The simulated host keeps the add-in's roaming settings in this origin's localStorage (its own key):
  // a first visit gets the CRM address the demo command started, so a newcomer only types a login.
  function prefillCrm() {
    var crm = params.get("crm");
    if (!crm) return;
    var key = "OfficeSim.roamingSettings";
    try {
      var settings = JSON.parse(localStorage.getItem(key) || "{}");
      if (settings.mailconnector) return;
      settings.mailconnector = JSON.stringify({ url: crm, username: "", module: "" });
      localStorage.setItem(key, JSON.stringify(settings));
    } catch (e) {
      /* storage disabled: the user types the address */
    }
  }

  function start() {
    setUp();
    prefillCrm();
    var preset = first.slice(-5) === ".json" ? "json" : "eml";
    var query = new URLSearchParams({ lang: lang, theme: theme });
    query.set(preset, "/dev/fixtures/" + first);
    pane.addEventListener("load", function onLoad() {
      pane.removeEventListener("load", onLoad);
      Promise.all(FIXTURES.map(function (name) {
        return fetchSource(name).then(function (source) { return { name: name, source: source }; }, function () { return null; });
      })).then(function (loaded) {
        loaded.forEach(function (entry) { if (entry) addMail(entry.source, entry.name, false); });
        var initial = mails.filter(function (m) { return m.label === first; })[0] || mails[0];
        // The frame's host selected `first` from its URL preset; wait until it has, then show it.
        return sim().ready.then(function () {
          selectedId = initial.id;
          renderList();
          renderReading(initial, "");
          showBody(initial);
          document.body.setAttribute("data-ready", "true");
        });
      });
    });
    pane.src = "../index.html?" + query.toString();
  }

  // For tests and curious developers: open an .eml given as bytes or text, as if dropped.
  window.MiniOutlook = {
    open: function (name, bytesOrText) {
      var data = typeof bytesOrText === "string" ? new TextEncoder().encode(bytesOrText) : bytesOrText;
      return openFile(new File([data], name, { type: "message/rfc822" }));
    },
    mails: function () { return mails.map(function (m) { return { id: m.id, label: m.label, subject: m.parsed.subject }; }); },
  };

  start();
})();
