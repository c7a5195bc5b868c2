/*
 * office-sim.js: a simulated Outlook host (read-mode message) for the demo and the tests.
 *
 * A classic script that defines the global `Office` synchronously, like
 * https://appsforoffice.microsoft.com/lib/1/hosted/office.js does, with the subset of Office.js the
 * Mail Connector pane uses. It is never loaded inside real Outlook. Behaviour follows the real host:
 *   - `Office.context` exists only once the host has initialised (as with office.js); then
 *     `Office.onReady()` resolves with {host: "Outlook", platform: "OfficeOnline"} and a function
 *     assigned to `Office.initialize` is called with the reason "documentOpened".
 *   - every `...Async` callback runs asynchronously (never inside the call) and receives an
 *     AsyncResult {status, value, error: {code, name, message}, asyncContext}; the error codes and
 *     names are Outlook's own (9003 InvalidAttachmentId, 9030 APICallFailedDueToItemChange,
 *     9043 AttachmentTypeNotSupported, 9054 AttachmentDownloadFailed, ...).
 *   - methods of a requirement set above the configured maximum Mailbox version are absent
 *     (undefined), as on old hosts: getAttachmentContentAsync needs 1.8, getAsFileAsync 1.14.
 *   - switching mail REPLACES `Office.context.mailbox.item` with a new object and fires the
 *     ItemChanged handlers; code holding the old object keeps the old property values. Like the real
 *     host, the item's methods are not bound to the object: by default (staleItemCalls: "host") a
 *     call on a replaced item runs against the item selected NOW (so an old attachment id is
 *     InvalidAttachmentId, and body.getAsync returns the new mail's body), and a call that is in
 *     flight when the selection changes fails with 9030 APICallFailedDueToItemChange.
 *   - an address without a display name gets its address as displayName, as Outlook shows it.
 *
 * Control API (window.OfficeSim), usable before and after Office is ready:
 *   OfficeSim.configure(options)        merge options, returns the effective configuration:
 *       maxMailbox: "1.5" | "1.8" | "1.14" | ... (default "1.14")
 *       displayLanguage: "en-US" | "it-IT" | ...           theme: "light" | "dark" | {colours}
 *       userProfile: {displayName, emailAddress, timeZone, accountType}
 *       failures: {<attachment id or name>: true | code | {code, name, message}}
 *       getAsFileFails: false | true | code | {...}        bodyFails: {html?: spec, text?: spec}
 *       headersFail: false | true | code | {...}  (getAllInternetHeadersAsync, Mailbox 1.8)
 *       delays: {default, body, attachment, file, headers, settings}   (milliseconds, default 0; "hold":
 *           the call waits until OfficeSim.release(), which answers every held call)
 *       staleItemCalls: "host" (default, see above) | "serve" (old item answers with its own
 *           data) | "fail" (any call on a replaced item, in flight or new, fails with 9030)
 *       roamingSettings: {...} (replaces the stored settings)   persistRoamingSettings: bool
 *       hostVersion: string
 *       recipientLimit: 20 (item.to/cc as Outlook on the web truncates them; headers keep all)
 *       deliveryDelayMs: dateTimeCreated = newest Received date, else Date + this (never the Date header)
 *       readyAnswers: false | true (a measuring aid, not Outlook behaviour: the selected mail's attachment
 *           contents and .eml are built once and every later call answers with the very same strings, so
 *           that the bench measures the pane's own time and memory without the simulator building them
 *           in the pane's renderer; only the last mail's answers are kept, false drops them)
 *   OfficeSim.loadEml(textOrBytes, {itemId?})    select a message parsed from .eml (string =
 *                                                UTF-8 text; Uint8Array / ArrayBuffer = bytes)
 *   OfficeSim.loadEmlUrl(url, opts) -> Promise   fetch then loadEml
 *   OfficeSim.loadJson(description, opts)        select a message described in JSON (see
 *                                                buildEmlFromJson below; supports cloud attachments)
 *   OfficeSim.loadJsonUrl(url, opts) -> Promise
 *   OfficeSim.reselect(itemId)                   select again a message loaded before
 *   OfficeSim.selectNone()                       no item selected (item becomes null)
 *   OfficeSim.initialize()                       finish start-up when manualReady was set
 *   OfficeSim.ready                              Promise resolved when Office is initialised
 *   OfficeSim.currentItem()                      the current Office item object (or null)
 *   OfficeSim.calls                              log of API calls [{method, itemId, args, at}]
 *   OfficeSim.savedRoamingSettings()             what saveAsync stored
 *   OfficeSim.parseEml(bytes)                    the parsed message (debugging)
 * Each load/select fires ItemChanged once Office is ready, and returns a summary
 * {itemId, subject, attachments: [{id, name, contentType, size, attachmentType, isInline}]}.
 *
 * Start-up presets: either `window.OfficeSimConfig = {...configure options, eml: url,
 * json: url-or-object, manualReady: bool}` set before this script, or URL parameters of the page:
 *   ?eml=/dev/fixtures/plain-text.eml   load that .eml as the open mail
 *   &json=/dev/fixtures/x.json          load a JSON description instead
 *   &lang=it-IT  &theme=dark  &mailbox=1.8  &delay=300 (ms, every async call)
 *   &failAttachment=name1,name2 (fail those with 9054)  &failEml=1  &stale=host|serve|fail
 * Without either, a built-in sample mail from Mario Rossi is open.
 */
(function (global) {
  "use strict";
  if (global.OfficeSim) return; // loaded twice: keep the first

  // ------------------------------------------------------------------ enums and error table

  var AsyncResultStatus = { Succeeded: "succeeded", Failed: "failed" };
  var CoercionType = { Text: "text", Html: "html" };
  var EventType = { ItemChanged: "olkItemSelectedChanged", OfficeThemeChanged: "officeThemeChanged" };
  var HostType = { Outlook: "Outlook" };
  var PlatformType = { OfficeOnline: "OfficeOnline" };
  var InitializationReason = { Inserted: "inserted", DocumentOpened: "documentOpened" };
  var MailboxEnums = {
    AttachmentContentFormat: { Base64: "base64", Url: "url", Eml: "eml", ICalendar: "iCalendar" },
    AttachmentType: { File: "file", Item: "item", Cloud: "cloud" },
    ItemType: { Message: "message", Appointment: "appointment" },
    RecipientType: { Other: "other", DistributionList: "distributionList", User: "user", ExternalUser: "externalUser" },
  };

  // Outlook's own codes and names (outlook-web's error table and the Office Common API docs).
  var ERRORS = {
    5000: ["Not Supported", "The operation is not supported."],
    5001: ["Internal Error", "An internal error has occurred."],
    5003: ["Event Registration Error", "The specified event type is not supported by the current object."],
    9002: ["InternalFormatError", "There was an internal format error."],
    9003: ["InvalidAttachmentId", "The attachment ID was invalid."],
    9019: ["GenericSettingsError", "The settings could not be saved."],
    9020: ["GenericResponseError", "An internal error has occurred."],
    9030: ["APICallFailedDueToItemChange", "The selected item has been changed."],
    9041: ["NetworkError", "The user is no longer connected to the network. Please check your network connection and try again."],
    9042: ["InternalServerError", "The Exchange server returned an error. Please look at the diagnostics object for more information."],
    9043: ["AttachmentTypeNotSupported", "The attachment type is not supported."],
    9049: ["ItemNotFound", "The item does not exist or has not been created."],
    9052: ["AttachmentResourceNotFound", "The attachment was not found."],
    9053: ["AttachmentResourceUnAuthorizedAccess", "Unauthorized access to the attachment."],
    9054: ["AttachmentDownloadFailed", "Downloading the attachment failed."],
    9057: ["Size Limit Exceeded", "A maximum of 32KB is available for the settings of each add-in."],
  };
  var DEFAULT_ATTACHMENT_FAILURE = 9054;
  var DEFAULT_FILE_FAILURE = 9020;

  function errorFromSpec(spec, fallbackCode) {
    if (spec === true || spec === undefined || spec === null) spec = fallbackCode;
    if (typeof spec === "number") spec = { code: spec };
    if (typeof spec === "string") spec = { name: spec, code: fallbackCode };
    var code = spec.code !== undefined ? Number(spec.code) : fallbackCode;
    var known = ERRORS[code] || ["Internal Error", "An internal error has occurred."];
    return { code: code, name: spec.name || known[0], message: spec.message || known[1] };
  }

  // ------------------------------------------------------------------ bytes, base64, text

  var utf8Encoder = new TextEncoder();

  function toBytes(input) {
    if (input instanceof Uint8Array) return input;
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    if (typeof input === "string") return utf8Encoder.encode(input);
    throw new TypeError("OfficeSim: expected an .eml as string, Uint8Array or ArrayBuffer");
  }

  // Byte-exact "binary string" (one char per byte); TextDecoder("latin1") would be windows-1252.
  function binaryString(bytes, start, end) {
    start = start || 0;
    end = end === undefined ? bytes.length : end;
    var out = [];
    for (var i = start; i < end; i += 0x8000) {
      out.push(String.fromCharCode.apply(null, bytes.subarray(i, Math.min(i + 0x8000, end))));
    }
    return out.join("");
  }

  function bytesFromBinaryString(s) {
    var bytes = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i) & 0xff;
    return bytes;
  }

  function base64Encode(bytes) {
    var out = [];
    var step = 3 * 0x4000;
    for (var i = 0; i < bytes.length; i += step) {
      out.push(btoa(binaryString(bytes, i, Math.min(i + step, bytes.length))));
    }
    return out.join("");
  }

  // Outlook builds a large attachment's or .eml's base64 in its own process and posts the finished string to
  // the add-in's frame: the add-in's renderer then holds that one string (structured clone), nothing more.
  // The simulated host, which lives in the pane's page, builds the string in place with as little else as
  // it can: one string, made once (the bench measures the host's time and memory apart from the pane's).
  var SLICE = 3 * 0x10000; // 192 KiB of bytes per task

  // The next slice as a new task. Not setTimeout(0): browsers hold a chain of nested timeouts for at least
  // 4 ms each (HTML's timer nesting clamp), which made a 20 MB answer wait ~1 s doing nothing.
  var nextTask = (function () {
    if (typeof MessageChannel !== "function") return function (fn) { setTimeout(fn, 0); };
    var queue = [];
    var channel = new MessageChannel();
    channel.port1.onmessage = function () { var fn = queue.shift(); if (fn) fn(); };
    return function (fn) { queue.push(fn); channel.port2.postMessage(0); };
  })();
  var asciiDecoder = new TextDecoder("latin1");

  // The ASCII bytes as a string; the buffer is let go at once (detached), not at the next garbage collection.
  function readOnce(buffer, length) {
    var text = asciiDecoder.decode(buffer.subarray(0, length));
    if (typeof buffer.buffer.transfer === "function") buffer.buffer.transfer(0);
    return text;
  }

  // Base64 of bytes [start, end): its ASCII bytes written a slice per task into one buffer, then read as one
  // string at once (as the posted string arrives at once); no pieces to join.
  function encodeSliced(bytes, start, end) {
    if (typeof Uint8Array.prototype.toBase64 !== "function") return encodeSlicedPortable(bytes, start, end);
    var out = new Uint8Array(Math.ceil((end - start) / 3) * 4);
    var position = start;
    var written = 0;
    return new Promise(function (resolve) {
      (function step() {
        var stop = Math.min(position + SLICE, end); // SLICE is a multiple of 3: no padding inside
        written += utf8Encoder.encodeInto(bytes.subarray(position, stop).toBase64(), out.subarray(written)).written;
        position = stop;
        if (position >= end) resolve(readOnce(out, written));
        else nextTask(step);
      })();
    });
  }

  function encodeSlicedPortable(bytes, start, end) {
    var out = [];
    var position = start;
    return new Promise(function (resolve) {
      (function step() {
        var stop = Math.min(position + SLICE, end);
        out.push(btoa(binaryString(bytes, position, stop)));
        position = stop;
        if (position >= end) resolve(out.join(""));
        else nextTask(step);
      })();
    });
  }

  function isBase64Char(c) {
    return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61;
  }

  // Base64 already on the wire (an attachment's body): its characters without the line breaks, gathered a
  // slice per task into one buffer, then read as one string.
  function base64TextSliced(bytes, start, end) {
    var out = new Uint8Array(end - start);
    var position = start;
    var written = 0;
    return new Promise(function (resolve) {
      (function step() {
        var stop = Math.min(position + SLICE, end);
        for (var i = position; i < stop; i++) {
          var c = bytes[i];
          if (isBase64Char(c)) out[written++] = c;
        }
        position = stop;
        if (position >= end) resolve(readOnce(out, written));
        else nextTask(step);
      })();
    });
  }

  function base64Decode(text) {
    var clean = String(text).replace(/[^A-Za-z0-9+/]/g, "");
    var rest = clean.length % 4;
    if (rest === 1) clean = clean.slice(0, -1);
    else if (rest) clean += rest === 2 ? "==" : "=";
    return bytesFromBinaryString(atob(clean));
  }

  // Quoted-printable, decoded as binascii.a2b_qp does (line ends kept as they are).
  function qpDecode(bytes, header) {
    var out = new Uint8Array(bytes.length);
    var n = 0;
    var i = 0;
    var len = bytes.length;
    while (i < len) {
      var c = bytes[i];
      if (c === 0x3d) {
        i++;
        if (i >= len) break;
        var d = bytes[i];
        if (d === 0x0a || d === 0x0d) {
          if (d !== 0x0a) while (i < len && bytes[i] !== 0x0a) i++;
          if (i < len) i++;
        } else if (d === 0x3d) {
          out[n++] = 0x3d;
          i++;
        } else if (i + 1 < len && isHex(d) && isHex(bytes[i + 1])) {
          out[n++] = (hexVal(d) << 4) | hexVal(bytes[i + 1]);
          i += 2;
        } else {
          out[n++] = 0x3d;
        }
      } else if (header && c === 0x5f) {
        out[n++] = 0x20;
        i++;
      } else {
        out[n++] = c;
        i++;
      }
    }
    return out.slice(0, n);
  }

  function isHex(c) {
    return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
  }

  function hexVal(c) {
    return c <= 57 ? c - 48 : (c | 0x20) - 87;
  }

  function decodeText(bytes, charset) {
    var label = String(charset || "utf-8").trim().toLowerCase().replace(/\*.*$/, "");
    if (label === "iso-8859-1" || label === "latin1" || label === "latin-1" || label === "l1" || label === "iso8859-1") {
      return binaryString(bytes);
    }
    if (label === "us-ascii" || label === "ascii") {
      var s = binaryString(bytes);
      return s.replace(/[\x80-\xff]/g, "\ufffd");
    }
    try {
      return new TextDecoder(label).decode(bytes);
    } catch (e) {
      return new TextDecoder("utf-8").decode(bytes);
    }
  }

  function decodeTextStrictUtf8(bytes) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (e) {
      return null;
    }
  }

  function indexOfBytes(haystack, needle, from) {
    var first = needle[0];
    var last = haystack.length - needle.length;
    var i = from || 0;
    while (i <= last) {
      i = haystack.indexOf(first, i);
      if (i < 0 || i > last) return -1;
      var j = 1;
      while (j < needle.length && haystack[i + j] === needle[j]) j++;
      if (j === needle.length) return i;
      i++;
    }
    return -1;
  }

  // FNV-1a, for stable simulated ids (same mail, same ids).
  function hash32(text, seed) {
    var h = seed === undefined ? 0x811c9dc5 : seed;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  function hashHex(text) {
    return ("0000000" + hash32(text).toString(16)).slice(-8) + ("0000000" + hash32(text, 0x12345678).toString(16)).slice(-8);
  }

  // Exchange ids are base64 and contain "+", "/" and "=": keep that, so the pane copes with them.
  function exchangeId(prefix, key) {
    var raw = prefix + "\u00fb\u00ff" + key + "\u00fe";
    return "AAMkAGSim" + btoa(raw);
  }

  // ------------------------------------------------------------------ headers

  function parseHeaderBlock(text) {
    var lines = text.split(/\r?\n/);
    var headers = [];
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (!line) continue;
      if ((line[0] === " " || line[0] === "\t") && headers.length) {
        headers[headers.length - 1].value += line;
        continue;
      }
      var colon = line.indexOf(":");
      if (colon <= 0) continue;
      headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).replace(/^[ \t]+/, "") });
    }
    return headers;
  }

  function headerValue(headers, name) {
    var lower = name.toLowerCase();
    for (var i = 0; i < headers.length; i++) {
      if (headers[i].name.toLowerCase() === lower) return headers[i].value;
    }
    return null;
  }

  var ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

  function decodeEncodedWordBytes(encoding, text) {
    if (encoding === "b" || encoding === "B") return base64Decode(text);
    return qpDecode(bytesFromBinaryString(text), true);
  }

  // RFC 2047: decode encoded words; whitespace between two encoded words disappears, and
  // adjacent words in the same charset are joined as bytes (clients split multi-byte characters).
  function decodeWords(text) {
    if (text.indexOf("=?") < 0) return text;
    var pieces = [];
    var last = 0;
    var match;
    ENCODED_WORD.lastIndex = 0;
    while ((match = ENCODED_WORD.exec(text))) {
      var between = text.slice(last, match.index);
      var prev = pieces.length ? pieces[pieces.length - 1] : null;
      if (!(prev && prev.word && /^[ \t\r\n]*$/.test(between))) {
        if (between) pieces.push({ word: false, text: between });
      }
      pieces.push({ word: true, charset: match[1].replace(/\*.*$/, "").toLowerCase(), bytes: decodeEncodedWordBytes(match[2], match[3]) });
      last = ENCODED_WORD.lastIndex;
    }
    if (last < text.length) pieces.push({ word: false, text: text.slice(last) });
    var out = "";
    for (var i = 0; i < pieces.length; i++) {
      var p = pieces[i];
      if (!p.word) {
        out += p.text;
        continue;
      }
      var chunks = [p.bytes];
      while (i + 1 < pieces.length && pieces[i + 1].word && pieces[i + 1].charset === p.charset) {
        chunks.push(pieces[++i].bytes);
      }
      out += decodeText(concatBytes(chunks), p.charset);
    }
    return out;
  }

  function concatBytes(chunks) {
    if (chunks.length === 1) return chunks[0];
    var total = 0;
    chunks.forEach(function (c) { total += c.length; });
    var out = new Uint8Array(total);
    var at = 0;
    chunks.forEach(function (c) { out.set(c, at); at += c.length; });
    return out;
  }

  // "type/subtype; a=b; c*=utf-8''x" -> {value, params}; RFC 2231 continuations and charsets.
  function parseParamHeader(text) {
    var result = { value: "", params: {} };
    if (!text) return result;
    var parts = splitOutsideQuotes(text, ";");
    result.value = parts[0].trim().toLowerCase();
    var pieces = {};
    for (var i = 1; i < parts.length; i++) {
      var part = parts[i];
      var eq = part.indexOf("=");
      if (eq < 0) continue;
      var key = part.slice(0, eq).trim().toLowerCase();
      var raw = part.slice(eq + 1).trim();
      var quoted = raw[0] === '"';
      var val = quoted ? unquote(raw) : raw;
      var m = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(key);
      if (!m) continue;
      var name = m[1];
      (pieces[name] = pieces[name] || []).push({
        index: m[2] === undefined ? -1 : Number(m[2]),
        extended: !!m[3],
        value: val,
        quoted: quoted,
      });
    }
    Object.keys(pieces).forEach(function (name) {
      var list = pieces[name].sort(function (a, b) { return a.index - b.index; });
      var charset = null;
      var chunks = [];
      var plain = "";
      if (!list.some(function (p) { return p.extended; })) {
        // Encoded words inside a quoted name are not standard but common (and Python reads them).
        result.params[name] = decodeWords(list.map(function (p) { return p.value; }).join(""));
        return;
      }
      list.forEach(function (piece, n) {
        var value = piece.value;
        if (piece.extended) {
          if (n === 0) {
            var firstQuote = value.indexOf("'");
            var secondQuote = firstQuote >= 0 ? value.indexOf("'", firstQuote + 1) : -1;
            if (secondQuote >= 0) {
              charset = value.slice(0, firstQuote) || "us-ascii";
              value = value.slice(secondQuote + 1);
            }
          }
          chunks.push(percentDecode(value));
        } else {
          chunks.push(utf8Encoder.encode(value));
        }
      });
      plain = decodeText(concatBytes(chunks), charset || "us-ascii");
      result.params[name] = plain;
    });
    return result;
  }

  function percentDecode(text) {
    var out = [];
    for (var i = 0; i < text.length; i++) {
      if (text[i] === "%" && i + 2 < text.length && /^[0-9a-fA-F]{2}$/.test(text.substr(i + 1, 2))) {
        out.push(parseInt(text.substr(i + 1, 2), 16));
        i += 2;
      } else {
        out.push(text.charCodeAt(i) & 0xff);
      }
    }
    return new Uint8Array(out);
  }

  function unquote(raw) {
    var s = raw.trim();
    if (s[0] !== '"') return s;
    var out = "";
    for (var i = 1; i < s.length; i++) {
      if (s[i] === "\\" && i + 1 < s.length) out += s[++i];
      else if (s[i] === '"') break;
      else out += s[i];
    }
    return out;
  }

  function splitOutsideQuotes(text, sep) {
    var parts = [];
    var current = "";
    var inQuote = false;
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (inQuote && ch === "\\" && i + 1 < text.length) {
        current += ch + text[++i];
        continue;
      }
      if (ch === '"') inQuote = !inQuote;
      if (ch === sep && !inQuote) {
        parts.push(current);
        current = "";
      } else {
        current += ch;
      }
    }
    parts.push(current);
    return parts;
  }

  // ------------------------------------------------------------------ addresses

  // RFC 5322 address lists: quoted names, comments, groups (flattened), encoded words in names.
  function parseAddressList(text) {
    if (!text) return [];
    var result = [];
    var tokens = tokenizeAddresses(text);
    var current = [];
    function flush() {
      var mailbox = mailboxFromTokens(current);
      if (mailbox) result.push(mailbox);
      current = [];
    }
    tokens.forEach(function (tok) {
      if (tok.type === "special" && (tok.value === "," || tok.value === ";")) flush();
      else if (tok.type === "special" && tok.value === ":") current = []; // group name
      else current.push(tok);
    });
    flush();
    return result;
  }

  function tokenizeAddresses(text) {
    var tokens = [];
    var i = 0;
    var word = "";
    function pushWord() {
      if (word) tokens.push({ type: "atom", value: word });
      word = "";
    }
    while (i < text.length) {
      var ch = text[i];
      if (ch === '"') {
        pushWord();
        var q = "";
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\" && i + 1 < text.length) i++;
          q += text[i++];
        }
        i++;
        tokens.push({ type: "quoted", value: q });
      } else if (ch === "(") {
        pushWord();
        var depth = 1;
        var comment = "";
        i++;
        while (i < text.length && depth) {
          if (text[i] === "\\") { comment += text[i + 1] || ""; i += 2; continue; }
          if (text[i] === "(") depth++;
          if (text[i] === ")") depth--;
          if (depth) comment += text[i];
          i++;
        }
        tokens.push({ type: "comment", value: comment });
      } else if (ch === "<") {
        pushWord();
        var end = text.indexOf(">", i);
        if (end < 0) end = text.length;
        tokens.push({ type: "angle", value: text.slice(i + 1, end).trim() });
        i = end + 1;
      } else if (ch === "," || ch === ";" || ch === ":") {
        pushWord();
        tokens.push({ type: "special", value: ch });
        i++;
      } else if (/\s/.test(ch)) {
        pushWord();
        tokens.push({ type: "space" });
        i++;
      } else {
        word += ch;
        i++;
      }
    }
    pushWord();
    return tokens;
  }

  function mailboxFromTokens(tokens) {
    var angle = null;
    var phrase = [];
    tokens.forEach(function (tok) {
      if (tok.type === "angle") angle = tok.value;
      else if (tok.type === "atom" || tok.type === "quoted") phrase.push(tok);
    });
    var address;
    var name = "";
    if (angle !== null) {
      address = stripRoute(angle);
      name = phraseText(phrase);
    } else {
      address = phrase.map(function (t) { return t.type === "quoted" ? '"' + t.value + '"' : t.value; }).join("");
    }
    address = address.trim();
    if (!address && !name) return null;
    return { name: name, address: address };
  }

  function stripRoute(addr) {
    var colon = addr.lastIndexOf(":");
    return colon >= 0 && addr[0] === "@" ? addr.slice(colon + 1) : addr;
  }

  function phraseText(tokens) {
    var words = [];
    tokens.forEach(function (tok) { words.push(tok.type === "quoted" ? tok.value : tok.value); });
    return decodeWords(words.join(" ")).trim();
  }

  // ------------------------------------------------------------------ dates

  var MONTHS = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
  var ZONES = { ut: 0, utc: 0, gmt: 0, z: 0, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420 };

  function parseRfc5322Date(text) {
    if (!text) return null;
    var s = text.replace(/\([^)]*\)/g, " ").replace(/^\s*[A-Za-z]{3},?/, " ").trim();
    var m = /^(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]+)?/.exec(s);
    if (!m) {
      var fallback = Date.parse(text);
      return isNaN(fallback) ? null : new Date(fallback);
    }
    var year = Number(m[3]);
    if (m[3].length <= 2) year += year > 68 ? 1900 : 2000;
    var month = MONTHS[m[2].toLowerCase()];
    if (month === undefined) return null;
    var offset = 0;
    if (m[7]) {
      if (/^[+-]\d{4}$/.test(m[7])) {
        var sign = m[7][0] === "-" ? -1 : 1;
        offset = sign * (Number(m[7].slice(1, 3)) * 60 + Number(m[7].slice(3, 5)));
      } else {
        offset = ZONES[m[7].toLowerCase()] || 0;
      }
    }
    var utc = Date.UTC(year, month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] || 0));
    return new Date(utc - offset * 60000);
  }

  // ------------------------------------------------------------------ MIME parsing

  var CRLFCRLF = new Uint8Array([13, 10, 13, 10]);
  var LFLF = new Uint8Array([10, 10]);

  function splitHeaderBody(bytes, start, end) {
    var slice = bytes.subarray(start, end);
    var a = indexOfBytes(slice, CRLFCRLF, 0);
    var b = indexOfBytes(slice, LFLF, 0);
    var headerEnd;
    var bodyStart;
    if (a >= 0 && (b < 0 || a <= b)) {
      headerEnd = a;
      bodyStart = a + 4;
    } else if (b >= 0) {
      headerEnd = b;
      bodyStart = b + 2;
    } else {
      headerEnd = slice.length;
      bodyStart = slice.length;
    }
    // A message that starts with a blank line has no headers at all.
    if (slice[0] === 10 || (slice[0] === 13 && slice[1] === 10)) {
      headerEnd = 0;
      bodyStart = slice[0] === 10 ? 1 : 2;
    }
    var raw = bytes.subarray(start, start + headerEnd);
    var text = decodeTextStrictUtf8(raw);
    if (text === null) text = decodeText(raw, "windows-1252");
    return { headers: parseHeaderBlock(text), bodyStart: start + bodyStart, bodyEnd: end };
  }

  function parsePart(bytes, start, end, defaultType) {
    var hb = splitHeaderBody(bytes, start, end);
    var ct = parseParamHeader(headerValue(hb.headers, "Content-Type") || "");
    var contentType = ct.value && ct.value.indexOf("/") > 0 ? ct.value : defaultType;
    var disposition = parseParamHeader(headerValue(hb.headers, "Content-Disposition") || "");
    var part = {
      headers: hb.headers,
      contentType: contentType,
      params: ct.params,
      disposition: disposition.value || null,
      dispositionParams: disposition.params,
      encoding: (headerValue(hb.headers, "Content-Transfer-Encoding") || "7bit").trim().toLowerCase(),
      contentId: null,
      start: start,
      end: end,
      bodyStart: hb.bodyStart,
      bodyEnd: hb.bodyEnd,
      children: [],
    };
    var cid = headerValue(hb.headers, "Content-ID");
    if (cid) part.contentId = cid.trim().replace(/^<|>$/g, "");
    if (contentType.indexOf("multipart/") === 0 && part.params.boundary) {
      var childDefault = contentType === "multipart/digest" ? "message/rfc822" : "text/plain";
      part.children = splitMultipart(bytes, hb.bodyStart, hb.bodyEnd, part.params.boundary).map(function (range) {
        return parsePart(bytes, range[0], range[1], childDefault);
      });
    }
    return part;
  }

  // Boundaries are matched at line starts; the line break before a boundary belongs to it.
  function splitMultipart(bytes, start, end, boundary) {
    var marker = bytesFromBinaryString("--" + boundary);
    var ranges = [];
    var pos = start;
    var partStart = -1;
    while (pos < end) {
      var at = indexOfBytes(bytes.subarray(0, end), marker, pos);
      if (at < 0) break;
      var atLineStart = at === start || bytes[at - 1] === 10;
      if (!atLineStart) {
        pos = at + 1;
        continue;
      }
      var after = at + marker.length;
      var closing = bytes[after] === 45 && bytes[after + 1] === 45;
      var lineEnd = bytes.indexOf(10, after);
      if (lineEnd < 0 || lineEnd > end) lineEnd = end;
      // "--boundaryX" is a different boundary: only whitespace or "--" may follow.
      var tail = binaryString(bytes, after + (closing ? 2 : 0), lineEnd).trim();
      if (tail) {
        pos = at + 1;
        continue;
      }
      if (partStart >= 0) {
        var partEnd = at;
        if (partEnd > partStart && bytes[partEnd - 1] === 10) partEnd--;
        if (partEnd > partStart && bytes[partEnd - 1] === 13) partEnd--;
        ranges.push([partStart, partEnd]);
      }
      if (closing) {
        partStart = -1;
        break;
      }
      partStart = Math.min(lineEnd + 1, end);
      pos = partStart;
    }
    if (partStart >= 0 && partStart < end) ranges.push([partStart, end]);
    return ranges;
  }

  function partBytes(bytes, part) {
    var raw = bytes.subarray(part.bodyStart, part.bodyEnd);
    if (part.encoding === "base64") return base64Decode(binaryString(raw));
    if (part.encoding === "quoted-printable") return qpDecode(raw, false);
    return raw;
  }

  // The decoded length without decoding (a 20 MB attachment is not decoded just to be listed).
  function decodedSize(bytes, part) {
    if (part.encoding !== "base64") return partBytes(bytes, part).length;
    var chars = 0;
    for (var i = part.bodyStart; i < part.bodyEnd; i++) {
      var c = bytes[i];
      if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47) chars++;
    }
    var rest = chars % 4;
    return Math.floor(chars / 4) * 3 + (rest === 2 ? 1 : rest === 3 ? 2 : 0);
  }

  function partText(bytes, part) {
    return decodeText(partBytes(bytes, part), part.params.charset || "us-ascii");
  }

  function isAttachmentPart(part) {
    return part.disposition === "attachment";
  }

  // Python's email.message.get_body() rules, so the pane sees the body a mail library would.
  function findBody(part, wanted, out) {
    if (isAttachmentPart(part)) return;
    var type = part.contentType.split("/");
    if (type[0] === "text") {
      if (type[1] === wanted) out.push(part);
      return;
    }
    if (type[0] !== "multipart" || !part.children.length) return;
    if (type[1] !== "related") {
      part.children.forEach(function (child) { findBody(child, wanted, out); });
      return;
    }
    var start = part.params.start;
    var candidate = null;
    if (start) {
      part.children.forEach(function (child) {
        if (!candidate && child.contentId && "<" + child.contentId + ">" === start.trim()) candidate = child;
      });
    }
    if (!candidate) candidate = part.children[0];
    if (candidate) findBody(candidate, wanted, out);
  }

  var EXTENSIONS = {
    "text/plain": ".txt", "text/html": ".htm", "text/calendar": ".ics", "image/png": ".png",
    "image/jpeg": ".jpg", "image/gif": ".gif", "application/pdf": ".pdf", "message/rfc822": ".eml",
  };

  function leafParts(part, out) {
    if (part.contentType.indexOf("multipart/") === 0 && part.children.length) {
      part.children.forEach(function (child) { leafParts(child, out); });
    } else {
      out.push(part);
    }
    return out;
  }

  function parseEml(input) {
    var bytes = toBytes(input);
    var root = parsePart(bytes, 0, bytes.length, "text/plain");
    var htmlParts = [];
    var textParts = [];
    findBody(root, "html", htmlParts);
    findBody(root, "plain", textParts);
    var htmlPart = htmlParts[0] || null;
    var textPart = textParts[0] || null;
    var headers = root.headers;
    var unnamed = 0;
    var attachments = [];
    leafParts(root, []).forEach(function (part) {
      if (part === htmlPart || part === textPart) return;
      var isItem = part.contentType === "message/rfc822";
      var raw = isItem ? partBytes(bytes, part) : null;
      var name = part.dispositionParams.filename || part.params.name || "";
      var inner = null;
      var calendarText = null;
      if (isItem) {
        inner = splitHeaderBody(raw, 0, raw.length).headers;
        name = name || decodeWords(headerValue(inner, "Subject") || "") || "Untitled";
        // An attached calendar item: exported, it is an attached message whose content is the
        // calendar itself. Outlook hands such an item over as iCalendar text, not as .eml
        // (learn.microsoft.com "Office.AttachmentContent", format).
        var innerRoot = parsePart(raw, 0, raw.length, "text/plain");
        if (innerRoot.contentType === "text/calendar") {
          calendarText = decodeText(partBytes(raw, innerRoot), innerRoot.params.charset || "utf-8");
        }
      }
      if (!name) {
        unnamed++;
        name = "ATT" + ("0000" + unnamed).slice(-5) + (EXTENSIONS[part.contentType] || ".bin");
      }
      attachments.push({
        part: part,
        name: name,
        contentType: part.contentType,
        kind: isItem ? "item" : "file",
        calendarText: calendarText,
        isInline: !!part.contentId && part.disposition !== "attachment",
        contentId: part.contentId,
        size: isItem ? raw.length : decodedSize(bytes, part),
      });
    });
    var messageId = headerValue(headers, "Message-ID");
    var date = parseRfc5322Date(headerValue(headers, "Date"));
    return {
      bytes: bytes,
      headers: headers,
      subject: decodeWords(headerValue(headers, "Subject") || ""),
      from: parseAddressList(headerValue(headers, "From"))[0] || null,
      sender: parseAddressList(headerValue(headers, "Sender"))[0] || null,
      to: parseAddressList(headerValue(headers, "To")),
      cc: parseAddressList(headerValue(headers, "Cc")),
      date: date,
      messageId: messageId ? messageId.trim() : null,
      references: (headerValue(headers, "References") || headerValue(headers, "In-Reply-To") || "").match(/<[^>]+>/g) || [],
      htmlPart: htmlPart,
      textPart: textPart,
      attachments: attachments,
    };
  }

  // ------------------------------------------------------------------ JSON descriptions

  /*
   * {
   *   "subject": "...", "from": "Name <addr>" | {"name"|"displayName", "address"|"emailAddress"},
   *   "sender"?, "to": [...], "cc": [...], "date": "2024-11-12T10:15:00+01:00",
   *   "internetMessageId": "<id@host>" | null, "itemId"?, "conversationId"?,
   *   "bodyText"?, "bodyHtml"?,
   *   "attachments": [
   *     {"name", "contentType", "base64" | "text", "isInline"?, "contentId"?, "unsupported"?},
   *     {"name", "attachmentType": "item", "eml": "raw message text"},
   *     {"name", "attachmentType": "item", "ics": "BEGIN:VCALENDAR..."}   (an attached calendar item)
   *     {"name", "attachmentType": "cloud", "url": "https://...", "size"?, "contentType"?}
   *   ]
   * }
   * It is turned into a real .eml (so getAsFileAsync has bytes), cloud attachments added after.
   */
  function addressText(a) {
    if (!a) return "";
    if (typeof a === "string") return a;
    var name = a.name || a.displayName || "";
    var addr = a.address || a.emailAddress || "";
    return name ? encodeWordIfNeeded('"' + name.replace(/(["\\])/g, "\\$1") + '"', name) + " <" + addr + ">" : "<" + addr + ">";
  }

  function encodeWordIfNeeded(asciiForm, text) {
    // Plain ASCII goes as is, unless it looks like an encoded word: a sending program must encode
    // such text (RFC 2047 section 5), or the reader would decode what the sender wrote literally.
    if (/^[\x20-\x7e]*$/.test(text) && text.indexOf("=?") < 0) return asciiForm;
    return "=?utf-8?B?" + base64Encode(utf8Encoder.encode(text)) + "?=";
  }

  function formatDate(d) {
    var days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    function two(n) { return ("0" + n).slice(-2); }
    return days[d.getUTCDay()] + ", " + d.getUTCDate() + " " + months[d.getUTCMonth()] + " " + d.getUTCFullYear() + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + ":" + two(d.getUTCSeconds()) + " +0000";
  }

  function wrap76(text) {
    return text.replace(/(.{76})/g, "$1\r\n");
  }

  function buildEmlFromJson(desc) {
    var boundary = "=_sim_" + hashHex(JSON.stringify(desc));
    var lines = [];
    lines.push("From: " + addressText(desc.from));
    if (desc.sender) lines.push("Sender: " + addressText(desc.sender));
    if (desc.to && desc.to.length) lines.push("To: " + desc.to.map(addressText).join(", "));
    if (desc.cc && desc.cc.length) lines.push("Cc: " + desc.cc.map(addressText).join(", "));
    lines.push("Subject: " + encodeWordIfNeeded(desc.subject || "", desc.subject || ""));
    lines.push("Date: " + formatDate(desc.date ? new Date(desc.date) : new Date()));
    if (desc.internetMessageId) lines.push("Message-ID: " + desc.internetMessageId);
    lines.push("MIME-Version: 1.0");
    lines.push('Content-Type: multipart/mixed; boundary="' + boundary + '"');
    lines.push("");
    var alt = boundary + "_alt";
    lines.push("--" + boundary);
    lines.push('Content-Type: multipart/alternative; boundary="' + alt + '"');
    lines.push("");
    [["plain", desc.bodyText], ["html", desc.bodyHtml]].forEach(function (body) {
      if (body[1] === undefined || body[1] === null) return;
      lines.push("--" + alt);
      lines.push("Content-Type: text/" + body[0] + "; charset=utf-8");
      lines.push("Content-Transfer-Encoding: base64");
      lines.push("");
      lines.push(wrap76(base64Encode(utf8Encoder.encode(body[1]))));
    });
    lines.push("--" + alt + "--");
    (desc.attachments || []).forEach(function (att) {
      if (att.attachmentType === "cloud") return;
      var name = att.name || "attachment";
      var encodedName = "utf-8''" + encodeURIComponent(name).replace(/['()*]/g, function (c) {
        return "%" + c.charCodeAt(0).toString(16).toUpperCase();
      });
      lines.push("--" + boundary);
      if (att.attachmentType === "item") {
        lines.push("Content-Type: message/rfc822");
        lines.push("Content-Disposition: attachment; filename*=" + encodedName);
        lines.push("");
        if (att.ics !== undefined) {
          // an attached calendar item: a message whose content is the calendar
          lines.push("Subject: " + encodeWordIfNeeded(name, name));
          lines.push("MIME-Version: 1.0");
          lines.push("Content-Type: text/calendar; charset=utf-8; method=PUBLISH");
          lines.push("Content-Transfer-Encoding: base64");
          lines.push("");
          lines.push(wrap76(base64Encode(utf8Encoder.encode(String(att.ics)))));
          return;
        }
        lines.push(String(att.eml || "").replace(/\r?\n/g, "\r\n"));
        return;
      }
      var content = att.base64 !== undefined ? base64Decode(att.base64) : utf8Encoder.encode(att.text || "");
      lines.push("Content-Type: " + (att.contentType || "application/octet-stream") + "; name*=" + encodedName);
      lines.push("Content-Disposition: " + (att.isInline ? "inline" : "attachment") + "; filename*=" + encodedName);
      if (att.contentId) lines.push("Content-ID: <" + att.contentId + ">");
      lines.push("Content-Transfer-Encoding: base64");
      lines.push("");
      lines.push(wrap76(base64Encode(content)));
    });
    lines.push("--" + boundary + "--");
    lines.push("");
    return utf8Encoder.encode(lines.join("\r\n"));
  }

  // ------------------------------------------------------------------ simulator state

  var LIGHT = { bodyBackgroundColor: "#FFFFFF", bodyForegroundColor: "#242424", controlBackgroundColor: "#FFFFFF", controlForegroundColor: "#242424" };
  var DARK = { bodyBackgroundColor: "#292929", bodyForegroundColor: "#FFFFFF", controlBackgroundColor: "#1F1F1F", controlForegroundColor: "#FFFFFF" };
  var SETTINGS_KEY = "OfficeSim.roamingSettings";
  var SETTINGS_LIMIT = 32 * 1024;

  var config = {
    maxMailbox: "1.14",
    displayLanguage: "en-US",
    theme: "light",
    userProfile: {
      displayName: "Anna Rossi",
      emailAddress: "anna.rossi@acme-crm.example",
      timeZone: "W. Europe Standard Time",
      accountType: "enterprise",
    },
    failures: {},
    getAsFileFails: false,
    headersFail: false,
    bodyFails: {},
    delays: {},
    staleItemCalls: "host",
    // Outlook on the web and new Outlook hand over at most 20 recipients in item.to / item.cc (100 classic
    // Mac, 500/1000 classic Windows: learn.microsoft.com "Office.MessageRead", to and cc).
    recipientLimit: 20,
    // item.dateTimeCreated is when the item was created in the mailbox (delivery), not the Date header
    // ("Office.MessageRead", dateTimeCreated): the newest Received header's date, else Date plus this delay.
    deliveryDelayMs: 137000,
    persistRoamingSettings: true,
    hostVersion: "16.0.18129.20000",
    readyAnswers: false,
  };

  var state = {
    ready: false,
    messages: {}, // itemId -> message record
    current: null, // message record or null
    generation: 0,
    itemObject: null,
    handlers: {},
    savedSettings: {},
    workingSettings: {},
    calls: [],
    loadedSomething: false,
  };

  function loadStoredSettings() {
    try {
      var text = config.persistRoamingSettings && global.localStorage ? global.localStorage.getItem(SETTINGS_KEY) : null;
      state.savedSettings = text ? JSON.parse(text) : {};
    } catch (e) {
      state.savedSettings = {};
    }
    state.workingSettings = JSON.parse(JSON.stringify(state.savedSettings));
  }

  function compareVersions(a, b) {
    var pa = String(a).split(".").map(Number);
    var pb = String(b).split(".").map(Number);
    for (var i = 0; i < Math.max(pa.length, pb.length); i++) {
      var x = pa[i] || 0;
      var y = pb[i] || 0;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  }

  function mailboxAtLeast(version) {
    return compareVersions(config.maxMailbox, version) >= 0;
  }

  function themeColours() {
    var t = config.theme;
    if (t && typeof t === "object") return Object.assign({}, LIGHT, t);
    return Object.assign({}, t === "dark" ? DARK : LIGHT);
  }

  function delayFor(kind) {
    var d = config.delays || {};
    var v = d[kind] !== undefined ? d[kind] : d["default"];
    return v === "hold" ? "hold" : Number(v) || 0;
  }

  function makeAsyncResult(value, error, asyncContext) {
    var result = {};
    Object.defineProperty(result, "value", { value: error ? undefined : value, enumerable: true });
    Object.defineProperty(result, "status", { value: error ? AsyncResultStatus.Failed : AsyncResultStatus.Succeeded, enumerable: true });
    if (asyncContext) Object.defineProperty(result, "asyncContext", { value: asyncContext, enumerable: true });
    if (error) {
      var err = {};
      ["name", "message", "code"].forEach(function (k) {
        Object.defineProperty(err, k, { value: error[k], enumerable: true });
      });
      Object.defineProperty(result, "error", { value: err, enumerable: true });
    }
    return result;
  }

  // Office's (options?, callback?) argument convention, as outlook-web's parseCommonArgs.
  function commonArgs(args, callbackRequired) {
    var result = { options: null, callback: null, asyncContext: undefined };
    if (args.length === 1) {
      if (typeof args[0] === "function") result.callback = args[0];
      else if (args[0] && typeof args[0] === "object") result.options = args[0];
      else throw new TypeError("Sys.ArgumentTypeException: Object cannot be converted to the required type.");
    } else if (args.length === 2) {
      if (typeof args[0] !== "object" || args[0] === null) throw new Error("Sys.ArgumentException: options");
      if (typeof args[1] !== "function") throw new Error("Sys.ArgumentException: callback");
      result.options = args[0];
      result.callback = args[1];
    } else if (args.length > 2) {
      throw new Error("Sys.ParameterCountException: The provided parameters do not match the expected format.");
    }
    if (callbackRequired && !result.callback) throw new Error("Sys.ArgumentNullException: callback");
    if (result.options && result.options.asyncContext) result.asyncContext = result.options.asyncContext;
    return result;
  }

  // Calls held by `delays: {...: "hold"}` until OfficeSim.release(): a test keeps a call in flight for as
  // long as it needs (across a mail switch, say) without betting on a timer.
  var heldCalls = [];
  function release() {
    var calls = heldCalls;
    heldCalls = [];
    calls.forEach(function (run) { setTimeout(run, 0); });
    return calls.length;
  }

  function complete(callback, asyncContext, delay, produce) {
    var run = function () {
      var outcome;
      try {
        outcome = produce();
      } catch (e) {
        console.error("OfficeSim:", e);
        outcome = { error: errorFromSpec(5001) };
      }
      if (outcome && typeof outcome.then === "function") {
        // A large answer built in slices (see encodeSliced): Outlook builds it outside the add-in's thread.
        outcome.then(function (done) {
          if (callback) callback(makeAsyncResult(done.value, done.error, asyncContext));
        }, function (e) {
          console.error("OfficeSim:", e);
          if (callback) callback(makeAsyncResult(undefined, errorFromSpec(5001), asyncContext));
        });
        return;
      }
      if (callback) callback(makeAsyncResult(outcome.value, outcome.error, asyncContext));
    };
    if (delay === "hold") heldCalls.push(run);
    else setTimeout(run, delay);
  }

  // Which message a call on `ownRecord`'s item object talks to, per staleItemCalls.
  function callTarget(ownRecord, generationAtItem) {
    var stale = state.generation !== generationAtItem;
    var mode = config.staleItemCalls;
    if (!stale || mode === "serve") return { record: ownRecord };
    if (mode === "fail") return { error: errorFromSpec(9030) };
    return { record: state.current };
  }

  function itemCall(method, ownRecord, itemGeneration, kind, args, callback, asyncContext, answer) {
    var target = callTarget(ownRecord, itemGeneration);
    var issuedAt = state.generation;
    state.calls.push({
      method: method,
      itemId: ownRecord.itemId,
      targetItemId: target.record ? target.record.itemId : null,
      stale: state.generation !== itemGeneration,
      args: args,
      at: Date.now(),
    });
    // How long the host took to answer, on the page's timeline (the bench tells the host's time from the pane's).
    var issued = performance.now();
    var timed = callback && function (result) {
      try { performance.measure("officesim:" + method, { start: issued, end: performance.now() }); } catch (e) { /* old browser */ }
      callback(result);
    };
    complete(timed, asyncContext, delayFor(kind), function () {
      if (target.error) return { error: target.error };
      if (!target.record) return { error: errorFromSpec(9049) };
      if (state.generation !== issuedAt && config.staleItemCalls !== "serve") return { error: errorFromSpec(9030) };
      if (config.readyAnswers && (method === "getAttachmentContentAsync" || method === "getAsFileAsync")) {
        return readyAnswer(target.record, method + "\n" + args.join("\n"), answer);
      }
      return answer(target.record);
    });
  }

  // config.readyAnswers: the answers of one mail, each built once (a Promise of {value} or {error}).
  var readyCache = { record: null, answers: {} };
  function readyAnswer(record, key, answer) {
    if (readyCache.record !== record) readyCache = { record: record, answers: {} };
    if (!readyCache.answers[key]) readyCache.answers[key] = Promise.resolve(answer(record));
    return readyCache.answers[key];
  }

  // ------------------------------------------------------------------ the Office item

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function htmlFromText(text) {
    var lines = text.replace(/\r\n/g, "\n").split("\n").map(escapeHtml);
    return "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><div>" +
      lines.join("<br>\r\n") + "</div></body></html>";
  }

  function textFromHtml(html) {
    // DOMParser documents are inert: no script runs, nothing loads.
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll("script, style, head").forEach(function (el) { el.remove(); });
    doc.querySelectorAll("br").forEach(function (el) { el.replaceWith("\n"); });
    doc.querySelectorAll("p, div, li, tr, h1, h2, h3, h4, h5, h6, table, blockquote").forEach(function (el) {
      el.append("\n");
    });
    var text = (doc.body ? doc.body.textContent : doc.documentElement.textContent) || "";
    return text.replace(/\n{3,}/g, "\n\n").replace(/^\s+|\s+$/g, "").replace(/\n/g, "\r\n");
  }

  function bodyOf(record, coercion) {
    var msg = record.message;
    if (coercion === CoercionType.Html) {
      if (msg.htmlPart) return partText(msg.bytes, msg.htmlPart);
      return htmlFromText(msg.textPart ? partText(msg.bytes, msg.textPart) : "");
    }
    if (msg.textPart) return partText(msg.bytes, msg.textPart);
    return msg.htmlPart ? textFromHtml(partText(msg.bytes, msg.htmlPart)) : "";
  }

  function attachmentContent(record, id) {
    var att = null;
    record.attachments.forEach(function (a) { if (a.id === id) att = a; });
    if (!att) return { error: errorFromSpec(9003) };
    var failure = config.failures[att.id] !== undefined ? config.failures[att.id] : config.failures[att.name];
    if (failure !== undefined && failure !== false) return { error: errorFromSpec(failure, DEFAULT_ATTACHMENT_FAILURE) };
    if (att.unsupported) return { error: errorFromSpec(9043) };
    var F = MailboxEnums.AttachmentContentFormat;
    if (att.attachmentType === "cloud") return { value: { format: F.Url, content: att.url } };
    var msg = record.message;
    var part = att.source.part;
    // Files are base64 (a .ics FILE too), attached mails eml, attached calendar items iCalendar
    // (learn.microsoft.com "Office.AttachmentContent", format).
    if (att.attachmentType === "item") {
      if (att.source.calendarText !== null) {
        return { value: { format: F.ICalendar, content: att.source.calendarText } };
      }
      var raw = partBytes(msg.bytes, part);
      var text = decodeTextStrictUtf8(raw);
      return { value: { format: F.Eml, content: text !== null ? text : binaryString(raw) } };
    }
    if (part.encoding === "base64") {
      // Already base64 on the wire: hand it over without a decode/encode round trip.
      if (part.bodyEnd - part.bodyStart > SLICE) {
        return base64TextSliced(msg.bytes, part.bodyStart, part.bodyEnd).then(function (content) {
          return { value: { format: F.Base64, content: content } };
        });
      }
      return { value: { format: F.Base64, content: binaryString(msg.bytes, part.bodyStart, part.bodyEnd).replace(/[^A-Za-z0-9+/=]/g, "") } };
    }
    var data = partBytes(msg.bytes, part);
    if (data.length > SLICE) {
      return encodeSliced(data, 0, data.length).then(function (content) {
        return { value: { format: F.Base64, content: content } };
      });
    }
    return { value: { format: F.Base64, content: base64Encode(data) } };
  }

  function deliveredAt(record) {
    var received = headerValue(record.message.headers, "Received");
    var when = received && received.indexOf(";") >= 0 ? parseRfc5322Date(received.slice(received.lastIndexOf(";") + 1)) : null;
    if (when && !isNaN(when.getTime()) && when.getTime() !== record.date.getTime()) return new Date(when.getTime());
    return new Date(record.date.getTime() + config.deliveryDelayMs);
  }

  function emailDetails(addr, withRecipientType) {
    if (!addr) return undefined;
    var details = { emailAddress: addr.address, displayName: addr.name || addr.address };
    if (withRecipientType) {
      var userDomain = String(config.userProfile.emailAddress || "").split("@")[1] || "";
      var domain = String(addr.address).split("@")[1] || "";
      details.recipientType = domain && domain.toLowerCase() === userDomain.toLowerCase()
        ? MailboxEnums.RecipientType.User : MailboxEnums.RecipientType.ExternalUser;
    }
    return details;
  }

  function defineReadOnly(obj, props) {
    Object.keys(props).forEach(function (key) {
      Object.defineProperty(obj, key, { value: props[key], writable: false, enumerable: true });
    });
    return obj;
  }

  function internetHeaders(bytes) {
    var raw = bytes.subarray(0, splitHeaderBody(bytes, 0, bytes.length).bodyStart);
    var text = decodeTextStrictUtf8(raw);
    if (text === null) text = decodeText(raw, "windows-1252");
    return text.replace(/\r?\n/g, "\r\n").replace(/(\r\n)+$/, "\r\n");
  }

  function buildItemObject(record) {
    var generation = state.generation;
    var msg = record.message;
    var item = {};
    var body = defineReadOnly({}, {
      getAsync: function getAsync(coercionType) {
        var rest = Array.prototype.slice.call(arguments, 1);
        var parsed = commonArgs(rest, true);
        if (coercionType !== CoercionType.Html && coercionType !== CoercionType.Text) {
          throw new Error("Sys.ArgumentException: coercionType");
        }
        itemCall("body.getAsync", record, generation, "body", [coercionType], parsed.callback, parsed.asyncContext, function (target) {
          var failure = (config.bodyFails || {})[coercionType];
          if (failure) return { error: errorFromSpec(failure, 9020) };
          return { value: bodyOf(target, coercionType) };
        });
      },
    });
    var props = {
      itemType: MailboxEnums.ItemType.Message,
      itemClass: "IPM.Note",
      itemId: record.itemId,
      conversationId: record.conversationId,
      internetMessageId: record.internetMessageId === null ? undefined : record.internetMessageId,
      subject: msg.subject,
      normalizedSubject: msg.subject.replace(/^\s*((re|fwd?|r|i|inoltro|aw|wg)\s*:\s*)+/i, ""),
      from: emailDetails(msg.from, false),
      sender: emailDetails(msg.sender || msg.from, false),
      to: msg.to.slice(0, config.recipientLimit).map(function (a) { return emailDetails(a, true); }),
      cc: msg.cc.slice(0, config.recipientLimit).map(function (a) { return emailDetails(a, true); }),
      dateTimeCreated: deliveredAt(record),
      dateTimeModified: new Date(record.date.getTime()),
      attachments: record.attachments.map(function (a) {
        var details = {
          id: a.id,
          name: a.name,
          contentType: a.contentType,
          size: a.size,
          attachmentType: a.attachmentType,
          isInline: a.isInline,
        };
        if (a.contentId) details.contentId = a.contentId;
        return details;
      }),
      body: body,
    };
    if (mailboxAtLeast("1.8")) {
      props.getAttachmentContentAsync = function getAttachmentContentAsync(attachmentId) {
        var rest = Array.prototype.slice.call(arguments, 1);
        var parsed = commonArgs(rest, true);
        if (typeof attachmentId !== "string" || !attachmentId) throw new Error("Sys.ArgumentException: attachmentId");
        itemCall("getAttachmentContentAsync", record, generation, "attachment", [attachmentId], parsed.callback, parsed.asyncContext, function (target) {
          return attachmentContent(target, attachmentId);
        });
      };
    }
    if (mailboxAtLeast("1.8")) {
      // Outlook hands over the message's internet headers as one string, as they were received
      // (folding kept). https://learn.microsoft.com/javascript/api/outlook/office.messageread#outlook-office-messageread-getallinternetheadersasync-member(1)
      props.getAllInternetHeadersAsync = function getAllInternetHeadersAsync() {
        var parsed = commonArgs(Array.prototype.slice.call(arguments), true);
        itemCall("getAllInternetHeadersAsync", record, generation, "headers", [], parsed.callback, parsed.asyncContext, function (target) {
          if (config.headersFail) return { error: errorFromSpec(config.headersFail, 9020) };
          return { value: internetHeaders(target.message.bytes) };
        });
      };
    }
    if (mailboxAtLeast("1.14")) {
      props.getAsFileAsync = function getAsFileAsync() {
        var parsed = commonArgs(Array.prototype.slice.call(arguments), true);
        itemCall("getAsFileAsync", record, generation, "file", [], parsed.callback, parsed.asyncContext, function (target) {
          if (config.getAsFileFails) return { error: errorFromSpec(config.getAsFileFails, DEFAULT_FILE_FAILURE) };
          var bytes = target.message.bytes;
          if (bytes.length <= SLICE) return { value: base64Encode(bytes) };
          return encodeSliced(bytes, 0, bytes.length).then(function (content) { return { value: content }; });
        });
      };
    }
    return defineReadOnly(item, props);
  }

  // ------------------------------------------------------------------ loading and switching

  function makeRecord(message, opts, extras) {
    opts = opts || {};
    extras = extras || {};
    var key = message.messageId || "sha:" + hashHex(binaryString(message.bytes, 0, Math.min(message.bytes.length, 65536)) + message.bytes.length);
    var itemId = opts.itemId || extras.itemId || exchangeId("item", key);
    var root = message.references.length ? message.references[0] : message.messageId || key;
    var attachments = message.attachments.map(function (a, index) {
      return {
        id: exchangeId("att", itemId + "#" + index),
        name: a.name,
        contentType: a.contentType,
        size: a.size,
        attachmentType: a.kind,
        isInline: a.isInline,
        contentId: a.contentId || undefined,
        unsupported: !!(extras.unsupported && extras.unsupported[a.name]),
        source: a,
      };
    });
    (extras.cloud || []).forEach(function (c, index) {
      attachments.push({
        id: exchangeId("cloud", itemId + "#" + index),
        name: c.name,
        contentType: c.contentType || "application/octet-stream",
        size: Number(c.size) || 0,
        attachmentType: MailboxEnums.AttachmentType.Cloud,
        isInline: false,
        url: c.url,
        source: null,
      });
    });
    return {
      itemId: itemId,
      conversationId: extras.conversationId || exchangeId("conv", root),
      internetMessageId: extras.internetMessageId !== undefined ? extras.internetMessageId : message.messageId,
      date: message.date || new Date(),
      message: message,
      attachments: attachments,
    };
  }

  function summary(record) {
    if (!record) return null;
    return {
      itemId: record.itemId,
      subject: record.message.subject,
      internetMessageId: record.internetMessageId,
      attachments: record.attachments.map(function (a) {
        return { id: a.id, name: a.name, contentType: a.contentType, size: a.size, attachmentType: a.attachmentType, isInline: a.isInline };
      }),
    };
  }

  function select(record) {
    state.loadedSomething = true;
    if (record) state.messages[record.itemId] = record;
    state.current = record;
    state.generation++;
    state.itemObject = record ? buildItemObject(record) : null;
    if (state.ready) fireEvent(EventType.ItemChanged, { type: EventType.ItemChanged });
    return summary(record);
  }

  function fireEvent(type, args) {
    (state.handlers[type] || []).slice().forEach(function (handler) {
      setTimeout(function () { handler(args); }, 0);
    });
  }

  function loadEml(input, opts) {
    return select(makeRecord(parseEml(input), opts));
  }

  function loadJson(desc, opts) {
    if (typeof desc === "string") desc = JSON.parse(desc);
    var bytes = buildEmlFromJson(desc);
    var unsupported = {};
    (desc.attachments || []).forEach(function (a) { if (a.unsupported) unsupported[a.name] = true; });
    var extras = {
      itemId: desc.itemId,
      conversationId: desc.conversationId,
      internetMessageId: desc.internetMessageId === undefined ? undefined : desc.internetMessageId,
      cloud: (desc.attachments || []).filter(function (a) { return a.attachmentType === "cloud"; }),
      unsupported: unsupported,
    };
    return select(makeRecord(parseEml(bytes), opts, extras));
  }

  function fetchBytes(url) {
    return fetch(url, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("OfficeSim: " + url + " answered " + r.status);
      return r.arrayBuffer();
    });
  }

  var SAMPLE = {
    subject: "Richiesta di preventivo",
    from: { name: "Mario Rossi", address: "mario.rossi@example.it" },
    to: [{ name: "Anna Rossi", address: "anna.rossi@acme-crm.example" }],
    date: "2024-11-12T10:15:00+01:00",
    internetMessageId: "<sample-0001@example.it>",
    bodyText: "Buongiorno Anna,\r\npotete inviarmi un preventivo per 10 licenze?\r\nGrazie,\r\nMario\r\n",
    bodyHtml: "<html><body><p>Buongiorno Anna,</p><p>potete inviarmi un preventivo per 10 licenze?</p><p>Grazie,<br>Mario</p></body></html>",
    attachments: [{ name: "requisiti.txt", contentType: "text/plain", text: "10 licenze, consegna entro dicembre.\r\n" }],
  };

  // ------------------------------------------------------------------ Office namespace

  var readyInfo = { host: HostType.Outlook, platform: PlatformType.OfficeOnline };
  var resolveReady;
  var readyPromise = new Promise(function (resolve) { resolveReady = resolve; });

  var roamingSettings = defineReadOnly({}, {
    get: function get(name) {
      return state.workingSettings[name];
    },
    set: function set(name, value) {
      state.workingSettings[name] = value;
    },
    remove: function remove(name) {
      delete state.workingSettings[name];
    },
    saveAsync: function saveAsync() {
      var parsed = commonArgs(Array.prototype.slice.call(arguments), false);
      state.calls.push({ method: "roamingSettings.saveAsync", itemId: null, args: [], at: Date.now() });
      var snapshot = JSON.stringify(state.workingSettings);
      complete(parsed.callback, parsed.asyncContext, delayFor("settings"), function () {
        if (snapshot.length > SETTINGS_LIMIT) return { error: errorFromSpec(9057) };
        state.savedSettings = JSON.parse(snapshot);
        try {
          if (config.persistRoamingSettings && global.localStorage) global.localStorage.setItem(SETTINGS_KEY, snapshot);
        } catch (e) {
          return { error: errorFromSpec(9019) };
        }
        return { value: undefined };
      });
    },
  });

  var requirements = defineReadOnly({}, {
    isSetSupported: function isSetSupported(name, minVersion) {
      if (String(name).toLowerCase() !== "mailbox") return false;
      if (minVersion === undefined || minVersion === null || minVersion === "") return true;
      return mailboxAtLeast(String(minVersion));
    },
  });

  var mailbox = {};
  Object.defineProperty(mailbox, "item", { get: function () { return state.itemObject; }, enumerable: true });
  Object.defineProperty(mailbox, "userProfile", {
    get: function () {
      var p = config.userProfile;
      return defineReadOnly({}, {
        displayName: p.displayName,
        emailAddress: p.emailAddress,
        timeZone: p.timeZone,
        accountType: p.accountType,
      });
    },
    enumerable: true,
  });
  Object.defineProperty(mailbox, "diagnostics", {
    get: function () {
      return defineReadOnly({}, { hostName: "OutlookWebApp", hostVersion: config.hostVersion, OWAView: "ThreeColumns" });
    },
    enumerable: true,
  });
  defineReadOnly(mailbox, {
    addHandlerAsync: function addHandlerAsync(eventType, handler) {
      var parsed = commonArgs(Array.prototype.slice.call(arguments, 2), false);
      if (typeof handler !== "function") throw new Error("Sys.ArgumentException: handler");
      var supported = eventType === EventType.ItemChanged || eventType === EventType.OfficeThemeChanged;
      if (supported) (state.handlers[eventType] = state.handlers[eventType] || []).push(handler);
      complete(parsed.callback, parsed.asyncContext, 0, function () {
        return supported ? { value: undefined } : { error: errorFromSpec(5003) };
      });
    },
    removeHandlerAsync: function removeHandlerAsync(eventType) {
      var parsed = commonArgs(Array.prototype.slice.call(arguments, 1), false);
      complete(parsed.callback, parsed.asyncContext, 0, function () {
        if (eventType !== EventType.ItemChanged && eventType !== EventType.OfficeThemeChanged) return { error: errorFromSpec(5003) };
        state.handlers[eventType] = [];
        return { value: undefined };
      });
    },
  });

  var context = {};
  Object.defineProperty(context, "displayLanguage", { get: function () { return config.displayLanguage; }, enumerable: true });
  Object.defineProperty(context, "contentLanguage", { get: function () { return config.displayLanguage; }, enumerable: true });
  Object.defineProperty(context, "officeTheme", { get: function () { return defineReadOnly({}, themeColours()); }, enumerable: true });
  defineReadOnly(context, {
    host: HostType.Outlook,
    platform: PlatformType.OfficeOnline,
    diagnostics: defineReadOnly({}, { host: HostType.Outlook, platform: PlatformType.OfficeOnline, version: "16.0.0.0" }),
    requirements: requirements,
    roamingSettings: roamingSettings,
    mailbox: mailbox,
  });

  var Office = {};
  defineReadOnly(Office, {
    AsyncResultStatus: AsyncResultStatus,
    CoercionType: CoercionType,
    EventType: EventType,
    HostType: HostType,
    PlatformType: PlatformType,
    InitializationReason: InitializationReason,
    MailboxEnums: MailboxEnums,
    onReady: function onReady(callback) {
      return readyPromise.then(function (info) {
        if (typeof callback === "function") callback(info);
        return info;
      });
    },
  });
  Object.defineProperty(Office, "context", {
    get: function () { return state.ready ? context : undefined; },
    enumerable: true,
    configurable: true,
  });
  global.Office = Office;

  function initialize() {
    if (state.ready) return readyPromise;
    state.ready = true;
    if (typeof Office.initialize === "function") {
      try {
        Office.initialize(InitializationReason.DocumentOpened);
      } catch (e) {
        console.error(e);
      }
    }
    resolveReady(readyInfo);
    return readyPromise;
  }

  // ------------------------------------------------------------------ control API

  function configure(options) {
    options = options || {};
    var previousTheme = JSON.stringify(themeColours());
    Object.keys(options).forEach(function (key) {
      if (key === "userProfile") config.userProfile = Object.assign({}, config.userProfile, options.userProfile);
      else if (key === "roamingSettings") {
        state.savedSettings = JSON.parse(JSON.stringify(options.roamingSettings || {}));
        state.workingSettings = JSON.parse(JSON.stringify(state.savedSettings));
      } else if (key === "maxMailbox") config.maxMailbox = String(options.maxMailbox);
      else if (key !== "eml" && key !== "json" && key !== "manualReady") config[key] = options[key];
    });
    if (!config.readyAnswers) readyCache = { record: null, answers: {} };
    if (options.maxMailbox !== undefined && state.current) {
      // A host of another version builds its item objects anew.
      state.itemObject = buildItemObject(state.current);
    }
    if (state.ready && JSON.stringify(themeColours()) !== previousTheme) {
      fireEvent(EventType.OfficeThemeChanged, { type: EventType.OfficeThemeChanged, officeTheme: themeColours() });
    }
    return JSON.parse(JSON.stringify(config));
  }

  var OfficeSim = {
    version: "1.0.0",
    configure: configure,
    release: release,
    loadEml: loadEml,
    loadEmlUrl: function (url, opts) {
      return fetchBytes(url).then(function (buf) { return loadEml(buf, opts); });
    },
    loadJson: loadJson,
    loadJsonUrl: function (url, opts) {
      return fetchBytes(url).then(function (buf) { return loadJson(new TextDecoder().decode(buf), opts); });
    },
    reselect: function (itemId) {
      var record = state.messages[itemId];
      if (!record) throw new Error("OfficeSim: no message " + itemId + " was loaded");
      return select(record);
    },
    selectNone: function () {
      return select(null);
    },
    initialize: initialize,
    ready: readyPromise,
    currentItem: function () { return state.itemObject; },
    calls: state.calls,
    savedRoamingSettings: function () { return JSON.parse(JSON.stringify(state.savedSettings)); },
    parseEml: parseEml,
    buildEmlFromJson: buildEmlFromJson,
    errors: ERRORS,
  };
  global.OfficeSim = OfficeSim;

  // ------------------------------------------------------------------ start-up

  function presetFromUrl() {
    var preset = {};
    var params;
    try {
      params = new URLSearchParams(global.location ? global.location.search : "");
    } catch (e) {
      return preset;
    }
    if (params.get("eml")) preset.eml = params.get("eml");
    if (params.get("json")) preset.json = params.get("json");
    if (params.get("lang")) preset.displayLanguage = params.get("lang");
    if (params.get("theme")) preset.theme = params.get("theme");
    if (params.get("mailbox")) preset.maxMailbox = params.get("mailbox");
    if (params.get("stale")) preset.staleItemCalls = params.get("stale");
    if (params.get("delay")) preset.delays = { default: Number(params.get("delay")) };
    if (params.get("failEml")) preset.getAsFileFails = true;
    if (params.get("failAttachment")) {
      preset.failures = {};
      params.get("failAttachment").split(",").forEach(function (name) {
        if (name) preset.failures[name] = DEFAULT_ATTACHMENT_FAILURE;
      });
    }
    return preset;
  }

  function domReady() {
    return new Promise(function (resolve) {
      if (!global.document || global.document.readyState !== "loading") resolve();
      else global.document.addEventListener("DOMContentLoaded", function () { resolve(); }, { once: true });
    });
  }

  var preset = Object.assign({}, global.OfficeSimConfig || {}, presetFromUrl());
  if (preset.persistRoamingSettings !== undefined) config.persistRoamingSettings = !!preset.persistRoamingSettings;
  loadStoredSettings();
  configure(preset);

  domReady()
    .then(function () {
      if (preset.eml) return OfficeSim.loadEmlUrl(preset.eml);
      if (preset.json && typeof preset.json === "object") return loadJson(preset.json);
      if (preset.json) return OfficeSim.loadJsonUrl(preset.json);
      return null;
    })
    .catch(function (e) {
      console.error("OfficeSim: could not load the preset mail:", e);
    })
    .then(function () {
      if (!state.loadedSomething) loadJson(SAMPLE);
      if (!preset.manualReady) setTimeout(initialize, 0);
    });
})(typeof window !== "undefined" ? window : this);
