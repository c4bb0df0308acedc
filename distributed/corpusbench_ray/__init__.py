"""corpusbench on Ray: the exact stage pipeline of docs/distributed.md, scheduled as Ray tasks.

``python -m corpusbench_ray run --address HOST:PORT --corpus DS -s SPEC --parts N ...`` runs
``corpusbench stage plan``, then the ``sign`` parts, the ``bucket`` partitions, ``components``,
the ``apply`` parts and ``score``, each a task over a work folder every node shares. The answer is
corpusbench's: the same reports as ``corpusbench run`` on one machine.
"""

from .pipeline import Command, Options, RoundLimit, StageCrashed, StageFailed, drive, waves

__all__ = ["Command", "Options", "RoundLimit", "StageCrashed", "StageFailed", "drive", "waves"]
