//! Authentication and permission, the whole of it: who a bearer token is ([`auth`]: roles,
//! hashing, the failure limiter), the token rows ([`tokens`]: authenticate, create, list,
//! revoke), the submitters cache of office tokens ([`submitters`]), and what a caller may do on
//! an office ([`permit`]: the uniform refusal, subtree membership).
//!
//! Nothing here reads reports or writes submissions; `read` and `write` call into it.

pub mod auth;
pub mod permit;
pub mod submitters;
pub mod tokens;
