//! A fake GitHub REST API for tests, served on loopback.
