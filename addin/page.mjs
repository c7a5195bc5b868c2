/**
 * Mail Connector: page work that Python hands over in one call (issue #13).
 *
 * Every crossing between Python (Pyodide) and JavaScript costs microseconds (more when it returns an
 * element, which gets a proxy), and every await of a JS promise from Python costs a turn of Pyodide's
 * event loop (a task of its own). On a search, those were most of the pane's time after the CRM's
 * answer: a redraw walked the page from Python a node at a time, and reading an answer took two awaits
 * (the headers, then the body). Here each is one call:
 *
 *   MailConnectorPage.patch(parent, json)    // the changes ui/view.py found by comparing two trees,
 *                                            // new subtrees drawn here: elements and text nodes, never markup
 *   const call = MailConnectorPage.send(url, method, headers, body, deadlineMs, holdMs)
 *   const answer = await call.answer         // headers and the whole body, or why there is none
 *   call.abort()                             // the caller gave up: the browser drops the request too
 *
 * Python decides what is drawn and what is sent (ui/view.py, crm/transport.py are the only users);
 * this module only carries it out. Strings only ever become text nodes (`createTextNode`): mail and
 * CRM text is never parsed as HTML.
 */

const SVG_NS = "http://www.w3.org/2000/svg";
const SVG_TAGS = new Set(["svg", "path"]);
const PROPERTIES = new Set(["value", "selected", "checked"]);

// ---------------------------------------------------------------------------------- drawing

/**
 * Sets one attribute as the view means it, on drawn and patched elements alike: `true` is a present,
 * empty attribute; `value`, `selected` and `checked` are set as properties (what the user sees in a
 * field is the property), the last two as attributes as well (CSS and tests read them).
 */
function setAttribute(element, name, value) {
  if (PROPERTIES.has(name)) {
    element[name] = typeof value === "boolean" ? value : String(value);
    if (name !== "value") element.setAttribute(name, "");
    return;
  }
  element.setAttribute(name, value === true ? "" : String(value));
}

/** Removes one attribute, and what `setAttribute` set with it. */
function removeAttribute(element, name) {
  if (name === "selected" || name === "checked") element[name] = false;
  else if (name === "value") element.value = "";
  element.removeAttribute(name);
}

/**
 * The DOM node for a node of the view's tree: a string (a text node) or `[tag, [[name, value], ...],
 * [child, ...]]`, which is how `json.dumps` writes the view's `El` tuples.
 */
function build(node) {
  if (typeof node === "string") return document.createTextNode(node);
  const [tag, attributes, children] = node;
  const element = SVG_TAGS.has(tag) ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  // Attributes before children, as the view patches them: a <select>'s value is set before its options.
  for (const [name, value] of attributes) setAttribute(element, name, value);
  for (const child of children) element.appendChild(build(child));
  return element;
}

/**
 * Applies the changes in `json` below `parent`, in order. Each is `[kind, path, ...]`, `path` being child
 * positions from `parent` (valid when that change is applied, ui/view.py `changes_of_children`):
 * ["append", path, node] a new last child · ["replace", path, node] · ["text", path, data] ·
 * ["set", path, name, value] · ["unset", path, name] · ["trim", path, count] keeps the first `count` children.
 */
export function patch(parent, json) {
  for (const [kind, path, a, b] of JSON.parse(json)) {
    let node = parent;
    for (const index of path) node = node.childNodes[index];
    switch (kind) {
      case "append": node.appendChild(build(a)); break;
      case "replace": node.parentNode.replaceChild(build(a), node); break;
      case "text": node.data = a; break;
      case "set": setAttribute(node, a, b); break;
      case "unset": removeAttribute(node, a); break;
      case "trim": while (node.childNodes.length > a) node.removeChild(node.lastChild); break;
      default: throw new Error(`unknown change ${kind}`);
    }
  }
}

// ---------------------------------------------------------------------------------- fetching

const NO_ANSWER = {
  status: 0, headers: [], body: null, redirect: false, failed: false, timedOut: false, name: "", message: "",
};

/**
 * One CRM call: `fetch` and the whole body read here, so that Python awaits once, after the body is in.
 * `answer` never rejects, and always has every field (Python reads them as attributes): `status`,
 * `headers` ([[name, value], ...], names in lowercase) and `body` (a Uint8Array) of the answer; `redirect`
 * (redirects are answers, not followed, and "manual" hides their status); or `failed`, with `timedOut`
 * and the error's `name` and `message`. The request's `body` is a Uint8Array or a FormData (sent as it
 * is: the browser writes its multipart boundary), or null.
 *
 * `holdMs`: the request is sent that much later, by a timer of its own (a search built at the keystroke
 * and sent when its debounce ends: no Python runs in that task, so the browser sends it at once). An
 * `abort()` before then drops it unsent. `deadlineMs` counts from the sending.
 */
export function send(url, method, headers, body, deadlineMs, holdMs = 0) {
  const controller = new AbortController();
  let timedOut = false;
  let timer = null;
  let release = null; // ends the hold early, when the call is dropped before it was sent
  const init = {
    method,
    headers,
    signal: controller.signal,
    redirect: "manual", // like httpx: a redirect is an answer, not followed
    credentials: "omit", // the Authorization header is the credential; no cookies
  };
  // Browsers never store or reuse the answer to a POST (every CRM operation is one), and the CRM says
  // no-store too; asked for a POST, Chromium's no-store cost ~1.3 ms per call here.
  if (method === "GET" || method === "HEAD") init.cache = "no-store";
  if (body != null) init.body = body;
  const answer = (async () => {
    try {
      if (holdMs > 0) {
        await new Promise((resolve) => {
          release = resolve;
          timer = setTimeout(resolve, holdMs);
        });
        clearTimeout(timer);
        timer = release = null;
        if (controller.signal.aborted) {
          return { ...NO_ANSWER, failed: true, name: "AbortError", message: "dropped before it was sent" };
        }
      }
      if (deadlineMs != null) {
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, deadlineMs);
      }
      // looked up on each call, not at load: a page may wrap fetch after this module (the bench's log)
      const response = await globalThis.fetch(url, init);
      if (response.type === "opaqueredirect") return { ...NO_ANSWER, redirect: true };
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { ...NO_ANSWER, status: response.status, headers: [...response.headers], body: bytes };
    } catch (error) {
      const name = String(error?.name ?? "Error");
      return { ...NO_ANSWER, failed: true, timedOut, name, message: String(error?.message ?? error) };
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
  })();
  const abort = () => {
    controller.abort();
    if (release !== null) release();
  };
  return { answer, abort };
}

const api = { patch, send };
globalThis.MailConnectorPage = api;
export default api;
