"""Red-flag indicators, one per module (`r003.py` ...), over one small interface (`base.py`) and an explicit registry
(`registry.py`); Cardinal-compatible on OCDS data (`engine.run`, `config.load_ini`)."""
