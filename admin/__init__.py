"""`./admin.sh`: operator commands that work on the counts table, in AWS or in the local stack's data directory.

The commands (`admin.commands`) take a counts store (`admin.stores`), so the same code renames a title in
a deployed namespace and in `./run_local.sh`'s saved tables, and tests run it against either.
"""
