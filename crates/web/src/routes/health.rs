//! `/healthz` (the process answers) and `/readyz` (and so does the database).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// 200 while the process can answer at all.
pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database answers; 503 otherwise, so a load balancer stops sending traffic.
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    match state.readiness.check().await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            ApiError::Unavailable("Database unavailable").into_response()
        }
    }
}
