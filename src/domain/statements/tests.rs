//! Unit tests for the shared parts.
