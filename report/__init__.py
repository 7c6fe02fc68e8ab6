"""Per-kommune signal reports, the national screening table and map, exports."""
