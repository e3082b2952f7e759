"""The workspace's record in git: what it said on a past date, what a revision changed, which
steps were written after the fact, and whether the resolution criteria came before the outcome."""
