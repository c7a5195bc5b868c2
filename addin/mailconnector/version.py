"""The product's one version number: the manifest, the pane footer and the CRM version check read it."""

VERSION = "1.0.0"
