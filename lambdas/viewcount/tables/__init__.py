"""Data access, one module per table. Each owns its table's item schema: the key spaces,
the attribute names, and how its reads and writes are built. Nothing outside the module
spells an attribute name of its table."""
