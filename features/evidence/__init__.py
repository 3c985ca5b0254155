"""Evidence computed from canonical bids: the shared bid arrays (`bids`), the Numba kernels (`_kernels`), tender screens (`screens`),
bid and bidder pairs (`pairs`), and the red flags (`flags`, the legal articles in `legal/`, the OCP catalogue in `indicators/`)."""
