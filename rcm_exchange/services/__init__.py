"""Business rules and transactions. Services take the acting user first and plain
values, and know nothing of requests, so pages, the API, the CLI and tests share them."""
