"""Development tools that are not part of the application (run by `make lint`)."""
