"""The kommune seeds, shipped inside the package as `boligarkiv.seeddata` (see README.md here)."""
