"""The restore drill: a backup restored into a scratch database and proven equal."""
