"""`lifeboat keys generate`, run as the console script a script would call."""

import base64
import subprocess
import sys
from pathlib import Path

from app.crypto.keyring import key_id, parse_key

LIFEBOAT = Path(sys.executable).parent / "lifeboat"


def test_generate_prints_a_new_key_alone_on_the_last_line_and_warns_on_stderr() -> None:
    runs = [
        subprocess.run([LIFEBOAT, "keys", "generate"], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    keys = [run.stdout.splitlines()[-1] for run in runs]
    assert keys[0] != keys[1]
    assert all(len(base64.b64decode(key, validate=True)) == 32 for key in keys)
    assert key_id(parse_key(keys[0])) in runs[0].stderr
    assert "losing a key loses every backup" in runs[0].stderr
    assert keys[0] not in runs[0].stderr
