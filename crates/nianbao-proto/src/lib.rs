//! The v1 gRPC contract of nianbao and the conversions between the model and protobuf.
//!
//! Generated code comes from `proto/` at build time (protox, no system `protoc`).
//! Conversions live in [`convert`], once: handlers never compute on protobuf types.

#![allow(clippy::derive_partial_eq_without_eq)]

pub mod convert;
pub mod packed;

/// `nianbao.report.v1`: the shared report and finding messages.
pub mod report {
    /// Version 1.
    pub mod v1 {
        tonic::include_proto!("nianbao.report.v1");
    }
}

/// `nianbao.storage.v1`: the storage service.
pub mod storage {
    /// Version 1.
    pub mod v1 {
        tonic::include_proto!("nianbao.storage.v1");
    }
}

/// `nianbao.render.v1`: the rendering service.
pub mod render {
    /// Version 1.
    pub mod v1 {
        tonic::include_proto!("nianbao.render.v1");
    }
}

/// `nianbao.aggregate.v1`: the aggregation service.
pub mod aggregate {
    /// Version 1.
    pub mod v1 {
        tonic::include_proto!("nianbao.aggregate.v1");
    }
}

/// The encoded file descriptor set of every service, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/nianbao_descriptor.bin"));

pub use convert::ConversionError;
