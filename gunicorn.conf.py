"""gunicorn reads this file when started from the repository root (`gunicorn wsgi:app`):
the settings are those of the deployment kit, `deploy/gunicorn.conf.py`."""

import runpy
from pathlib import Path

globals().update(runpy.run_path(str(Path(__file__).parent / "deploy" / "gunicorn.conf.py")))
