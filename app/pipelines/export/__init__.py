"""The export pipeline: a `creating` backup → a verified archive in object storage."""
