"""Serving side of Mail Connector: the add-in's static server, runtime vendoring, build, and the local CRM."""
