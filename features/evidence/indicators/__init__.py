"""Red-flag indicators, one per module (`r003.py` ...), over one small interface (`base.py`), declared here in one explicit
list (`REGISTRY`); Cardinal-compatible on OCDS data (`driver.run`, `config.load_ini`). Add a module, then one line here.
Nothing in the indicator modules imports this list back."""
from __future__ import annotations

from features.evidence.indicators.r003 import R003
from features.evidence.indicators.r018 import R018
from features.evidence.indicators.r024 import R024
from features.evidence.indicators.r025 import R025
from features.evidence.indicators.r028 import R028
from features.evidence.indicators.r030 import R030
from features.evidence.indicators.r035 import R035
from features.evidence.indicators.r036 import R036
from features.evidence.indicators.r038 import R038
from features.evidence.indicators.r048 import R048
from features.evidence.indicators.r058 import R058
from features.evidence.indicators.r022 import R022
from features.evidence.indicators.r023 import R023
from features.evidence.indicators.r029 import R029
from features.evidence.indicators.r034 import R034
from features.evidence.indicators.r053 import R053
from features.evidence.indicators.r057 import R057

# Cardinal's eleven, in Cardinal's order.
CARDINAL = ("R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058")

# Beyond Cardinal: collusion flags of OCP's red-flag catalogue, computed on canonical bids (features.evidence.indicators.canonical).
BEYOND = ("R022", "R023", "R029", "R034", "R053", "R057")

REGISTRY: dict = {cls.code: cls for cls in (
    R003, R018, R024, R025, R028, R030, R035, R036, R038, R048, R058,
    R022, R023, R029, R034, R053, R057,
)}
