"""Stage 3, results: the `PosteriorHistory`, the one artefact every reader uses, and its
JSON summary."""
