"""Bidder graphs: co-bidding (`cobid`) and registry/metadata relations (`relations`) joined into one networkx graph,
communities through the fastest engine (`community`), ranked suspicious groups (`groups`), graph features back to
tables (`tables`), GraphML/GEXF/ego/PNG exports (`export`), and one call per CLI command (`pipeline`). See docs/graphs.md."""
