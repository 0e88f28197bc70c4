//! Index State Management: policies, the managed-index jobs and their runner, the REST API.
pub mod actions;
pub mod api;
pub mod cron;
pub mod explain;
pub mod jobs;
pub mod meta;
pub mod policy;
pub mod restore;
pub mod runner;
