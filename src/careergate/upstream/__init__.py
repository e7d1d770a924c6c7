"""Everything that talks to upstream model servers."""
