"""The pane's logic in plain Python: states, transitions, decisions and the flows that drive them.

Nothing here imports `js`, `pyscript` or Office: the same code runs under CPython in the unit tests
and under Pyodide in the pane. The outside world comes in through the protocols of `ports`.
"""
