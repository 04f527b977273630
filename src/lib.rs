//! yunshi (云市): the console of a cloud marketplace.
// Unsafe code only where a module allows it and says why (connections.rs:
// shutting a connection's socket by its descriptor, raising the open-files limit).
#![deny(unsafe_code)]

pub mod auth;
pub mod clock;
pub mod config;
pub mod connections;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod routes;
pub mod seed;
pub mod short_cache;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
