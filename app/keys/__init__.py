"""Key management across what Lifeboat stores: rewrapping under the current key."""
