"""Encryption at rest: keys, data-key wrapping, the framed stream cipher, sealed manifests.

Every primitive comes from the `cryptography` package (AES-256-GCM, HKDF-SHA256, HMAC-SHA256);
this package only composes them. Layout:
- keyring.py: the key-encryption keys from settings (current + old, read-only) and their ids;
- datakey.py: a backup's random data key, wrapped by a key-encryption key, and its subkeys;
- stream.py: the STREAM construction (framed AEAD) as writer and iterator adapters;
- sealing.py: what an archive's manifest records and how it is authenticated;
- secrets.py: small stored secrets (webhook secrets) encrypted under the current key.
"""
