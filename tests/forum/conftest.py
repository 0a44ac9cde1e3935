"""The forum tests call the API as well as the pages."""

from tests.api.conftest import api_client  # noqa: F401
