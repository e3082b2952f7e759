"""Stage 2, inference: a `Workspace` turned into its posterior after every dated step, by
the one model and an engine, with the cache that keeps it current."""
