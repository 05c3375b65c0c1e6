"""An SMS backend for worker tests: the first send hangs (so the worker can be killed in it), later ones are logged.

A worker process started by a test loads it through ``TEST_SMS_BACKEND``; it writes to the
folder in ``SLOW_SMS_DIR`` because the test process cannot see the worker's memory.
"""

import os
import time
from pathlib import Path


class SlowSmsBackend:
    def send(self, *, mobile: str, text: str, reference: str = "") -> None:
        folder = Path(os.environ["SLOW_SMS_DIR"])
        started = folder / "started"
        if not started.exists():
            started.write_text(str(os.getpid()))
            time.sleep(300)  # killed here
        with (folder / "sent.log").open("a") as log:
            log.write(f"{reference} {mobile[-4:]}\n")
