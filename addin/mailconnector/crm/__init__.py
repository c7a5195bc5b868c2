"""The CRM client: typed access to vtenext's REST API and the Mail Connector component."""

from mailconnector.crm.client import CrmClient
from mailconnector.crm.errors import CrmError
from mailconnector.crm.retry import RetryPolicy
from mailconnector.crm.uploads import BytesSource, StreamSource, UploadSource
from mailconnector.crm.urls import CrmUrl, normalise_crm_url

__all__ = [
    "BytesSource",
    "CrmClient",
    "CrmError",
    "CrmUrl",
    "RetryPolicy",
    "StreamSource",
    "UploadSource",
    "normalise_crm_url",
]
