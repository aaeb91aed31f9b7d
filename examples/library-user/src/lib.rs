//! The client under test would live here; this crate only shows how its tests use the fake.
