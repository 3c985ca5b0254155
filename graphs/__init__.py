"""Bidder graphs: co-bidding (`cobid`) and registry/metadata relations (`relations`) joined into one weighted edge table
(`groups`; a networkx graph only for exports), communities through the fastest engine (`community`) per connected
component as engine tasks (`components`), ranked suspicious groups (`groups`), graph features back to tables (`tables`),
GraphML/GEXF/ego/PNG exports (`export`), and one call per CLI command (`pipeline`). See docs/graphs.md."""
