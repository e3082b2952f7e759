"""Stage 4, outputs: words, figures and the report, drawn from a `PosteriorHistory` alone."""
