// bench:ready = the connect form is on screen with the caret in it (MicroPython);
// bench:worker-ready = the Pyodide worker answered a call into the mailconnector package.
const boot = new URL(`${document.querySelector("script[data-boot]").dataset.boot}/boot.mjs`, location.href).href;
const worker = new Worker(new URL("./mpy-worker.mjs", import.meta.url), { type: "module" });
worker.onmessage = (event) => {
  if (event.data.ready) {
    performance.mark("bench:worker-ready");
    document.getElementById("app").dataset.worker = event.data.ready;
  }
};
worker.postMessage({ boot });

const UI = `
import js
document = js.document
app = document.getElementById("app")
form = document.createElement("form")
label = document.createElement("label")
label.textContent = "CRM address"
field = document.createElement("input")
field.id = "mc-url"
field.type = "url"
button = document.createElement("button")
button.textContent = "Connect"
form.appendChild(label)
form.appendChild(field)
form.appendChild(button)
app.appendChild(form)
field.focus()
app.setAttribute("data-state", "ready")
`;

const { loadMicroPython } = await import("./micropython/micropython.mjs");
const mp = await loadMicroPython({ url: new URL("./micropython/micropython.wasm", import.meta.url).href });
mp.runPython(UI);
performance.mark("bench:ready");
