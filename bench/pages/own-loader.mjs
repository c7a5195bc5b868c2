// Benchmark baseline only (bench-own-loader.html, target `pane_own_loader`): the pane's previous start,
// without PyScript. The snapshot loader (boot.mjs) gives Python, then this module runs the code of the
// page's <script type="py"> tags itself, in order. It is also the shape of a pane without PyScript
// (README "Without PyScript"): the Python code is the same, only the `pyscript` imports at the edges
// (mailconnector/browser.py) would point at `js` and `pyodide.ffi` again.
import { loadPyodide } from "%BOOT%/boot.mjs";

function dedent(code) {
  const lines = code.replace(/^\s*\n/, "").split("\n");
  const indents = lines.filter((line) => line.trim()).map((line) => line.match(/^[ \t]*/)[0].length);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common)).join("\n");
}

async function domParsed() {
  if (document.readyState === "loading") {
    await new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
  }
}

const [pyodide] = await Promise.all([loadPyodide(), domParsed()]);
for (const tag of document.querySelectorAll('script[type="py"]')) {
  await pyodide.runPythonAsync(dedent(tag.textContent));
}
