"""A worker's heaps give freed blocks back, so its memory does not creep (workers/memory.py)."""

import subprocess
import sys

from workers.broker import broker
from workers.memory import FlatMemoryMiddleware

# What a job does to glibc: a large block freed (which by default raises both thresholds),
# then a 4 MiB block from the heap, freed. How much free memory the heap keeps afterwards?
PROBE = """
import ctypes, sys
from workers.memory import fix_malloc_thresholds

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd",
        "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "fixed":
    assert fix_malloc_thresholds()
first = bytearray(8 << 20)
del first
block = bytearray(4 << 20)
del block
print(libc.mallinfo2().fordblks // 1024)
"""


def _free_kib_kept_in_heap(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_a_heap_gives_freed_blocks_back() -> None:
    assert _free_kib_kept_in_heap("default") >= 4096  # glibc's own behaviour keeps it
    assert _free_kib_kept_in_heap("fixed") < 1024


def test_every_worker_process_fixes_it_before_its_first_message() -> None:
    assert any(isinstance(m, FlatMemoryMiddleware) for m in broker.middleware)
