"""The pane's user interface: texts and formats per language (pure Python) and the DOM view."""
