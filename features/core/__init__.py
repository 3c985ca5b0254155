"""The features layer's core: the error every bad input raises (`errors`), the typed settings (`settings`) and the one progress display
(`progress`). Imports nothing else of the project."""
