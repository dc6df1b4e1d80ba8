"""Opinion engine: the Polis method (PCA, opinion groups, representative statements, consensus).

Django-free; fed plain arrays or vote tuples. See POLIS-MATH.md for the method it reproduces.
"""

from .engine import (
    OpinionResult,
    OpinionState,
    PolisVersion,
    analyze,
    analyze_arrays,
    analyze_matrix,
    polis_version,
    replay,
)
from .stats import comment_priorities

__all__ = [
    "OpinionResult",
    "OpinionState",
    "PolisVersion",
    "analyze",
    "analyze_arrays",
    "analyze_matrix",
    "comment_priorities",
    "polis_version",
    "replay",
]
