"""Static files under content-hashed addresses, cached for a year.

``url_for('static', filename='css/site.css')`` gives ``/static/<digest>/css/site.css``,
where the digest is the start of the file's SHA-256: a changed file gets a new address,
so browsers may keep every address forever (``immutable``). The plain
``/static/css/site.css`` still answers, revalidated each time.

Written here rather than with Flask-Static-Digest: that extension needs a build step that
writes digested copies into ``static/`` and a different ``url_for`` in every template,
while this keeps Flask's own ``url_for('static', ...)`` and needs nothing built.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from flask import Flask, send_from_directory

ONE_YEAR = 365 * 24 * 3600
DIGEST_LENGTH = 12
COMPRESSIBLE = frozenset({"application/javascript", "text/javascript", "image/svg+xml", "application/json"})


def serve_static_with_digests(app: Flask) -> None:
    assert app.static_folder is not None  # create_app always gives one
    folder = Path(app.static_folder).resolve()
    digests: dict[str, tuple[float, str]] = {}
    # Where each file's name leads, worked out once: resolving a path looks at every
    # folder on the way, and a page names several static files, each more than once.
    # Only a file's own name is kept (not ``x/../css/site.css``, which an address could
    # spell in endless ways), so what visitors type adds nothing.
    paths: dict[str, Path] = {}

    def digest_of(filename: str) -> str | None:
        path = paths.get(filename)
        try:
            if path is None:
                path = (folder / filename).resolve()
                if folder not in path.parents or path.relative_to(folder).as_posix() != filename:
                    return None  # outside the folder, or not the file's own name
            status = path.stat()
        except (OSError, ValueError):  # ValueError: a NUL in the name
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        paths[filename] = path
        known = digests.get(filename)
        if known is None or known[0] != status.st_mtime:
            known = (status.st_mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_LENGTH])
            digests[filename] = known
        return known[1]

    def static(filename: str, digest: str | None = None):
        if digest is not None and digest != digest_of(filename):
            # A plain address with a folder (``js/x.js``), or an older file's digest:
            # served as a plain path, never cached under a digest it does not have.
            filename, digest = f"{digest}/{filename}", None
        response = send_from_directory(folder, filename, max_age=ONE_YEAR if digest else 0)
        if digest:
            response.cache_control.public = True
            response.cache_control.immutable = True
        if (response.mimetype or "").startswith("text/") or response.mimetype in COMPRESSIBLE:
            # Read now (and close the file) so that Flask-Compress, which leaves streamed
            # files alone, compresses the stylesheets and scripts.
            response.direct_passthrough = False
            response.get_data()
            response.close()
        return response

    app.view_functions["static"] = static
    app.add_url_rule(f"{app.static_url_path}/<digest>/<path:filename>", endpoint="static", view_func=static)

    @app.url_defaults
    def _add_digest(endpoint, values):
        if endpoint == "static" and "filename" in values and "digest" not in values:
            digest = digest_of(values["filename"])
            if digest:
                values["digest"] = digest
