"""The synthetic city: `simulate(out_dir, scale, seed, fmt, settings, progress)` (implementation in `riskmodels.simulation`)."""
from riskmodels.simulation import EVENT_TYPES, FORMATS, SCALES, SCHEMES, Scale, simulate

__all__ = ["simulate", "SCALES", "Scale", "EVENT_TYPES", "SCHEMES", "FORMATS"]
