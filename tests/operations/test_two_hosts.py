"""The deployment as it runs for real, on this machine and loopback only: PostgreSQL,
Redis, nginx (the site of deploy/nginx) over TLS in front of two gunicorn hosts (the
settings of deploy/gunicorn.conf.py; tantivy, an index folder each, one shared upload
folder) and one worker, driven through nginx as people would use it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from huey import RedisHuey
from sqlalchemy import create_engine, text

from tests.operations.conftest import free_ports
from tests.operations.workers import (
    REDIS_URL,
    Process,
    queue_name,
    requires_postgres_and_redis,
    start_worker,
    wait_for,
)
from tests.operations.workers import (
    ROOT as ROOT_DIR,
)
from tests.services.test_file_inspection import build_pdf

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    requires_postgres_and_redis,
    pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (apt-get install nginx)"),
    pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is not installed"),
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
TITLE = "Albergue de retorno seguro"
PDF_WORD = "quetzalcoatlus"


def answers(url: str, **kwargs) -> bool:
    try:
        return requests.get(url, timeout=5, **kwargs).status_code == 200
    except requests.RequestException:
        return False


def render_site(tmp: Path, *, http: int, https: int, hosts: list[int], cert: Path, key: Path) -> Path:
    """deploy/nginx/rcm-exchange.conf with this machine's ports, hosts and certificate."""
    site = (ROOT_DIR / "deploy/nginx/rcm-exchange.conf").read_text()
    replacements = {
        "    server 127.0.0.1:8000 max_fails=2 fail_timeout=10s;": "\n".join(
            f"    server 127.0.0.1:{port};" for port in hosts
        ),
        "listen 80 default_server;": f"listen 127.0.0.1:{http} default_server;",
        "listen 443 ssl default_server;": f"listen 127.0.0.1:{https} ssl default_server;",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "https://rcm.example.org$request_uri": f"https://localhost:{https}$request_uri",
        "server_name rcm.example.org;": "server_name localhost;",
        "/etc/letsencrypt/live/rcm.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/rcm.example.org/privkey.pem": str(key),
        "alias /srv/rcm-exchange/static/$static_file;": f"alias {ROOT_DIR / 'static'}/$static_file;",
        "alias /srv/rcm-exchange/static/;": f"alias {ROOT_DIR / 'static'}/;",
        "include /etc/nginx/rcm-exchange-proxy.conf;": (
            f"include {ROOT_DIR / 'deploy/nginx/rcm-exchange-proxy.conf'};"
        ),
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/rcm-exchange.conf no longer has {old!r}"
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)
    (tmp / "site.conf").write_text(site)
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / folder).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(f"""{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
""")
    return tmp / "nginx.conf"


def make_certificate(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Site:
    """A person's browser at the site's public address (through nginx, over TLS)."""

    def __init__(self, base: str, cert: Path):
        self.base = base
        self.http = requests.Session()
        # Given with each request: a CA bundle named in the environment would win
        # over the session's own setting.
        self.verify = str(cert)

    def get(self, path: str, **kwargs):
        return self.http.get(self.base + path, timeout=30, verify=self.verify, **kwargs)

    def post_form(self, path: str, data: dict, *, page: str | None = None, **kwargs):
        form = self.get(page or path).text
        # As a browser does; over HTTPS the CSRF check wants a Referer of the site's own host.
        return self.http.post(
            self.base + path,
            data={"csrf_token": CSRF.search(form).group(1), **data},
            headers={"Referer": self.base + (page or path)},
            allow_redirects=False,
            timeout=60,
            verify=self.verify,
            **kwargs,
        )

    def sign_in(self, email: str):
        response = self.post_form("/auth/sign-in", {"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return self

    def version_of(self, path: str) -> str:
        return VERSION.search(self.get(path).text).group(1)


def test_two_hosts_behind_nginx_with_one_worker_serve_the_whole_journey(database, tmp_path, sink):
    http_port, https_port, host_a, host_b = free_ports(4)
    # A name, not an address: TLS clients send a name (SNI), and nginx answers only
    # the site's own name.
    base = f"https://localhost:{https_port}"
    name = queue_name()
    uploads = tmp_path / "uploads"  # the one folder both hosts share
    env = {
        "RCM_ENV": "production",
        "RCM_SECRET_KEY": "two-host-test-secret",
        "RCM_DATABASE_URL": database,
        "RCM_BASE_URL": base,
        "RCM_PROXY_HOPS": "1",
        "RCM_SEARCH_BACKEND": "tantivy",
        "RCM_UPLOAD_DIR": str(uploads),
        "RCM_REDIS_URL": REDIS_URL,
        "RCM_QUEUE_NAME": name,
        "RCM_MAIL_URL": sink.url,
        "RCM_WORKER_HEARTBEAT_SECONDS": "1",
        "RCM_LOG_FORMAT": "json",
        "RCM_PASSWORD_HASH_TIME_COST": "1",
        "RCM_PASSWORD_HASH_MEMORY_KIB": "1024",
    }

    def host_env(label: str) -> dict:
        return {
            **env,
            "RCM_INSTANCE_DIR": str(tmp_path / f"instance-{label}"),
            "RCM_INDEX_DIR": str(tmp_path / f"index-{label}"),
        }

    def flask(*args: str, stdin: str | None = None) -> None:
        from tests.operations.workers import app_environment

        subprocess.run(
            [sys.executable, "-m", "flask", "rcm", *args],
            cwd=ROOT_DIR,
            input=stdin,
            env=app_environment(host_env("a")),
            check=True,
            capture_output=True,
            text=True,
        )

    flask("init")
    flask(
        "create-user",
        "lucia@mx.example.org",
        "--name",
        "Lucía",
        "--org",
        "MX",
        "--role",
        "contributor",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    flask(
        "create-user",
        "diego@ts.example.org",
        "--name",
        "Diego",
        "--org",
        "TS",
        "--role",
        "moderator",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )

    cert, key = make_certificate(tmp_path)
    nginx_conf = render_site(
        tmp_path, http=http_port, https=https_port, hosts=[host_a, host_b], cert=cert, key=key
    )
    processes: list[tuple[Process, int]] = []
    queue = RedisHuey(name, url=REDIS_URL)
    try:
        hosts = {}
        for label, port in (("a", host_a), ("b", host_b)):
            hosts[label] = Process(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                {
                    **host_env(label),
                    "RCM_BIND": f"127.0.0.1:{port}",
                    "RCM_WEB_WORKERS": "2",
                    "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"metrics-{label}"),
                },
                tmp_path / f"host-{label}.log",
            )
            processes.append((hosts[label], signal.SIGTERM))
        # The worker lives on host a and keeps host a's index.
        worker = start_worker(host_env("a"), tmp_path / "worker.log")
        processes.append((worker, signal.SIGTERM))
        nginx = Process(
            [NGINX, "-p", str(tmp_path), "-c", str(nginx_conf), "-e", str(tmp_path / "nginx-error.log")],
            {},
            tmp_path / "nginx.log",
        )
        processes.append((nginx, signal.SIGQUIT))
        for port in (host_a, host_b):
            wait_for(lambda port=port: answers(f"http://127.0.0.1:{port}/healthz"), 60, f"the host on {port}")
        wait_for(lambda: answers(base + "/healthz", verify=str(cert)), 30, "nginx")

        # Plain HTTP is sent to the HTTPS address; a forged Host gets nothing.
        redirect = requests.get(f"http://localhost:{http_port}/search", allow_redirects=False, timeout=5)
        assert redirect.status_code == 301 and redirect.headers["Location"] == base + "/search"
        forged = requests.get(f"http://127.0.0.1:{host_a}/", headers={"Host": "evil.example.com"}, timeout=5)
        assert forged.status_code == 400

        # A contributor signs in, writes a practice, attaches a PDF and submits it.
        author = Site(base, cert).sign_in("lucia@mx.example.org")
        new = author.get("/documents/new").text
        # nginx serves the stylesheet from the checkout under its content address, for a year.
        [stylesheet] = re.findall(r'href="(/static/[0-9a-f]{12}/css/site\.css)"', new)
        served = author.get(stylesheet)
        assert served.status_code == 200 and "immutable" in served.headers["Cache-Control"]
        assert served.content == (ROOT_DIR / "static" / "css" / "site.css").read_bytes()
        created = author.post_form(
            "/documents/new",
            {
                "title": TITLE,
                "summary": "Un albergue para personas retornadas.",
                "body_html": "<p>Acogida y orientación.</p>",
                "doc_type": "practice_report",
                "language": "es",
                "visibility": "public",
                "countries": ["MX"],
                "tags": ["return-and-reintegration"],
                "implementation_status": "ongoing",
                "period_start": "2023-01-01",
                "implementing_bodies": "Instituto Nacional de Migración",
                "idempotency_key": KEY.search(new).group(1),
            },
            page="/documents/new",
        )
        assert created.status_code == 302, created.text
        document_id = int(created.headers["Location"].split("/")[2])
        pdf = build_pdf([f"BT /F1 12 Tf 72 712 Td (Informe {PDF_WORD} de retorno) Tj ET".encode()])
        uploaded = author.post_form(
            f"/documents/{document_id}/attachments",
            {},
            page=f"/documents/{document_id}/edit",
            files={"file": ("informe.pdf", pdf, "application/pdf")},
        )
        assert uploaded.status_code == 302, uploaded.text
        submitted = author.post_form(
            f"/documents/{document_id}/submit",
            {"version": author.version_of(f"/documents/{document_id}")},
            page=f"/documents/{document_id}",
        )
        assert submitted.status_code == 302, submitted.text

        # A moderator claims and approves it.
        moderator = Site(base, cert).sign_in("diego@ts.example.org")
        for action in ("claim", "approve"):
            decided = moderator.post_form(
                f"/review/{document_id}",
                {"action": action, "comment": "", "version": moderator.version_of(f"/review/{document_id}")},
            )
            assert decided.status_code == 302, decided.text

        # Anyone finds it by a word of its PDF, whichever host answers (nginx takes
        # turns, so consecutive searches go to both), and both hosts did answer.
        reader = Site(base, cert)
        wait_for(lambda: TITLE in reader.get(f"/search?q={PDF_WORD}").text, 60, "the PDF's word to be found")
        assert all(TITLE in reader.get(f"/search?q={PDF_WORD}").text for _ in range(4))
        for label in ("a", "b"):
            assert '"path": "/search"' in (tmp_path / f"host-{label}.log").read_text(), label
        attachment = re.search(r'href="(/attachments/\d+)"', reader.get(f"/documents/{document_id}").text)
        assert reader.get(attachment.group(1)).content == pdf  # from the shared folder, any host

        # A password reset is mailed once, by the worker, with a link to the public address.
        anonymous = Site(base, cert)
        asked = anonymous.post_form("/auth/reset", {"email": "lucia@mx.example.org"})
        assert asked.status_code == 302

        def resets():
            return [
                m
                for m in sink.inbox.messages
                if m["To"] == "lucia@mx.example.org" and "/auth/password/" in m.get_content()
            ]

        wait_for(resets, 60, "the reset mail")
        wait_for(lambda: queue.pending_count() == 0, 30, "the queue to drain")
        engine = create_engine(database)
        with engine.connect() as connection:
            unsent = connection.execute(
                text("SELECT recipient, attempts, last_error FROM outgoing_mail WHERE sent_at IS NULL")
            ).all()
        engine.dispose()
        assert unsent == []
        [reset] = resets()
        assert f"{base}/auth/password/" in reset.get_content()
        assert reset["Date"] and reset["Message-ID"]

        # /readyz follows the worker: 503 with the reason when it stops, 200 when it is back.
        wait_for(lambda: reader.get("/readyz").status_code == 200, 30, "readiness")
        worker.stop()
        # (in a list: a 503 response is itself falsy)
        [down] = wait_for(lambda: [r for r in [reader.get("/readyz")] if r.status_code == 503], 30, "503")
        assert "worker" in down.json()["checks"] and down.json()["checks"]["worker"] != "ok"
        worker = start_worker(host_env("a"), tmp_path / "worker.log")
        processes.append((worker, signal.SIGTERM))
        wait_for(lambda: reader.get("/readyz").status_code == 200, 60, "readiness again")
        metrics = reader.get("/metrics").text
        assert 'rcm_request_duration_seconds_count{endpoint="search.search"' in metrics
    finally:
        for process, sig in reversed(processes):
            process.stop(sig)
        queue.storage.flush_all()
