"""Stage 1, inputs: the analyst's files (scenario.toml, evidence/*.csv) read, validated and
ordered into a `Workspace`. Nothing here computes a posterior."""
