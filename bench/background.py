"""How long an upload waits for text extraction: with the worker (the app's way) and
with extraction in the request (``RCM_QUEUE_IMMEDIATE``, the way before the worker).

    .venv/bin/python -m bench.background [--timeout 20]

The file is a PDF that keeps pypdf busy past any limit (twenty pages sharing one
stream of 20,000 text operators), so the extractor uses its whole time limit. Prints
the upload's answer time through the app (Flask's test client, signed in as its
author), then the time the worker takes until the attachment's status is final.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from rcm_exchange.extensions import db
from rcm_exchange.models import Attachment, DocumentStatus
from tests.builders import PASSWORD, make_document, make_user
from tests.conftest import CSRF_FIELD, make_app
from tests.services.test_file_inspection import build_pdf

SLOW_PDF = build_pdf([b"BT /F1 1 Tf " + b"0 0 Td () Tj " * 20_000 + b"ET"], page_refs=[0] * 20)


def run(immediate: bool, timeout: int) -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        app = make_app(
            f"sqlite:///{tmp / 'bench.sqlite3'}",
            tmp,
            RCM_QUEUE_IMMEDIATE=immediate,
            RCM_QUEUE_FILE=str(tmp / "queue.sqlite3"),
            RCM_EXTRACTION_TIMEOUT=timeout,
        )
        with app.app_context():
            db.create_all()
            from rcm_exchange.services.reference_data import load_reference_data

            load_reference_data()
            author = make_user(org="MX")
            draft = make_document(status=DocumentStatus.DRAFT, org="MX", author=author)
            client = app.test_client()
            token = CSRF_FIELD.search(client.get("/auth/sign-in").get_data(as_text=True)).group(1)
            client.post(
                "/auth/sign-in", data={"csrf_token": token, "email": author.email, "password": PASSWORD}
            )
            page = client.get(f"/documents/{draft.id}/edit").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            boundary, body = encode_multipart(
                {"csrf_token": token, "file": FileStorage(io.BytesIO(SLOW_PDF), filename="slow.pdf")}
            )
            started = time.perf_counter()
            response = client.post(
                f"/documents/{draft.id}/attachments",
                data=body,
                content_type=f"multipart/form-data; boundary={boundary}",
            )
            answered = time.perf_counter() - started
            assert response.status_code == 302, response.status_code
            started = time.perf_counter()
            queue = app.extensions["rcm_queue"]
            while (task := queue.dequeue()) is not None:
                queue.execute(task)
            worked = time.perf_counter() - started
            db.session.expire_all()
            status = db.session.query(Attachment).one().extraction_status
            db.session.remove()
            db.engine.dispose()
        return answered, worked, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=int, default=20, help="RCM_EXTRACTION_TIMEOUT in seconds")
    options = parser.parse_args()
    for label, immediate in (("worker", False), ("in the request", True)):
        answered, worked, status = run(immediate, options.timeout)
        print(
            f"extraction {label:15}: upload answered in {answered:6.3f} s; "
            f"worker busy {worked:6.1f} s afterwards; status {status}"
        )


if __name__ == "__main__":
    main()
