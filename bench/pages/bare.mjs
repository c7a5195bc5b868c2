// Baseline: `loadPyodide()` from the pane's own runtime, then the mark the bench waits for.
const runtime = document.querySelector("script[data-runtime]").dataset.runtime;
const { loadPyodide } = await import(`${runtime}/pyodide/pyodide.mjs`);
const pyodide = await loadPyodide({ indexURL: new URL(`${runtime}/pyodide/`, location.href).href });
if (new URLSearchParams(location.search).get("imports") === "1") {
  await pyodide.loadPackage(["pydantic", "httpx"]);
  pyodide.runPython("import pydantic, httpx");
}
performance.mark("bench:ready");
document.getElementById("state").textContent = `ready · Python ${pyodide.runPython("import sys; sys.version.split()[0]")}`;
