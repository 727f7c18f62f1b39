//! Patches on JSON: strategic merge patch (apply and the three-way patch `kubectl apply`
//! computes) with Kubernetes' merge-key table.

pub mod apply;
pub mod schema;
pub mod strategic;
pub mod three_way;
