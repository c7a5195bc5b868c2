// The Pyodide side of the prototype: the add-in's loader (snapshot restore) inside a module worker.
self.onmessage = async (event) => {
  const { loadPyodide } = await import(event.data.boot);
  const pyodide = await loadPyodide();
  const answer = pyodide.runPython(
    "from mailconnector.crm.urls import normalise_crm_url\nnormalise_crm_url('crm.example.com').host",
  );
  self.postMessage({ ready: answer });
};
