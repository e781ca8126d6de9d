"""sladesk: a self-hosted help desk whose SLA clocks are exact, explainable and testable.

The package is layered (see docs/architecture.md): a pure core (`calendar`, `policy`, `sla`)
that does no I/O and never reads the clock, and adapters around it.
"""

__version__ = "0.1.0"
