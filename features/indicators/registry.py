"""The explicit list of indicators. Add a module, then one line here."""
from __future__ import annotations

from features.indicators.r003 import R003
from features.indicators.r018 import R018
from features.indicators.r024 import R024
from features.indicators.r025 import R025
from features.indicators.r028 import R028
from features.indicators.r030 import R030
from features.indicators.r035 import R035
from features.indicators.r036 import R036
from features.indicators.r038 import R038
from features.indicators.r048 import R048
from features.indicators.r058 import R058

# Cardinal's eleven, in Cardinal's order.
CARDINAL = ("R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058")

REGISTRY: dict = {cls.code: cls for cls in (R003, R018, R024, R025, R028, R030, R035, R036, R038, R048, R058)}
