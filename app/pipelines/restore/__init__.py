"""The restore pipeline: a restore operation → the backup's data in the target, or nothing."""
