"""corpusbench on Ray: the exact stage pipeline of docs/distributed.md, scheduled as Ray tasks.

``python -m corpusbench_ray run --address HOST:PORT --corpus DS -s SPEC --parts N ...`` runs
``corpusbench stage plan``, then the ``sign`` parts, the ``bucket`` partitions, ``components``,
the ``apply`` parts and ``score``, each a task over a work folder every node shares. The answer is
corpusbench's: the same reports as ``corpusbench run`` on one machine.

``python -m corpusbench_ray extract --corpus DS -s SPEC --parts N ...`` runs extraction over a
WARC dataset the same way: one ``corpusbench stage extract`` task per part (a run of whole WARC
files), then ``stage score``.
"""

from .pipeline import (
    Command,
    ExtractOptions,
    Options,
    RoundLimit,
    StageCrashed,
    StageFailed,
    drive,
    extract_waves,
    waves,
)

__all__ = [
    "Command",
    "ExtractOptions",
    "Options",
    "RoundLimit",
    "StageCrashed",
    "StageFailed",
    "drive",
    "extract_waves",
    "waves",
]
