//! The faithful Enswitch (transitional module list; see the refactor).

pub mod auth;
pub mod clock;
pub mod domain;
pub mod error;
pub mod input;
pub mod mutant;
pub mod params;
pub mod request;
pub mod response;
pub mod rng;
pub mod seed;
pub mod store;
pub mod validate;
pub mod world;
