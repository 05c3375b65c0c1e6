"""A file gateway that hangs once, for killing a worker in the middle of a text message.

A worker process started by a test names it in ``SMS_BACKEND``. The first send hangs for five
minutes, ``before`` the gateway accepts the message or ``after`` it did (``HANG_WHEN``), and
says so by creating ``HANG_FLAG``; the test kills the worker there. Later sends go straight
through. ``status`` is the file gateway's, so the hall can ask it what it accepted.
"""

import os
import time
from pathlib import Path

from portal.sms import FileBackend


class HangingFileBackend(FileBackend):
    def send(self, *, mobile: str, text: str, reference: str = "") -> None:
        flag = Path(os.environ["HANG_FLAG"])
        first = not flag.exists()
        if first and os.environ.get("HANG_WHEN") == "before":
            flag.write_text(str(os.getpid()))
            time.sleep(300)  # killed here, before the gateway has it
        super().send(mobile=mobile, text=text, reference=reference)
        if first and os.environ.get("HANG_WHEN") == "after":
            flag.write_text(str(os.getpid()))
            time.sleep(300)  # killed here: the gateway has it, the hall has not recorded it
