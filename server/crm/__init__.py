"""The local vtenext-compatible CRM: REST API (`/restapi/v1/vtews/<operation>`), Mail Connector
component, SQLite storage, demo data, admin CLI and a read-only web view of records.

Run it with `python -m server.crm serve` and manage it with `python -m server.crm admin`.
"""

COMPONENT_VERSION = "1.0.0"
CRM_PRODUCT = "vtenext"
CRM_VERSION = "24.08.02"
