"""Converters from outside formats into the canonical tables: OCDS releases (`ocds`) and the Garcia research markets (`garcia`)."""
