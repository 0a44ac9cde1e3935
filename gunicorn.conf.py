"""gunicorn reads this file when started from the repository root (`gunicorn wsgi:app`)."""


def when_ready(server):
    from rcm_exchange.config import limiter_storage_warning

    warning = limiter_storage_warning(server.cfg.workers)
    if warning:
        server.log.warning(warning)
