// Entry module of the task pane (index.html has boot.js insert it): Python from boot.mjs, then the
// code of the page's <script type="py"> tags, in order.
//
// The pane runs them itself instead of through PyScript's core: PyScript adds about a second to every
// start (its own JavaScript, then writing and importing its Python package), which the 1.5 s budget
// for a usable pane cannot carry (bench/FAST-BOOT.md has the numbers). The Python code is the same
// either way; nothing in the mailconnector package imports `pyscript`.
import { loadPyodide } from "./boot.mjs";

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
