"""Signing keys and certificates, stored documents' readers, signature verification pages."""
