"""GraphiQL for /graphql, served from npm packages installed by `make install` (no CDN)."""
