//! The bounded queue between a reset request's answer and the job that handles it.

use quill_domain::{ResetRequest, ResetRequestQueue};
use tokio::sync::mpsc;

/// The bounded queue of reset requests: the request's task pushes and answers; the job
/// [`AuthStack::spawn_maintenance`](crate::AuthStack::spawn_maintenance) starts takes them
/// off. Full, or with no job to take them, it refuses at once.
#[derive(Debug, Clone)]
pub struct ChannelResetRequests {
    sender: mpsc::Sender<ResetRequest>,
}

impl ChannelResetRequests {
    /// How many requests may wait: far more than the rate limits let in between two turns of
    /// the job, so only a job that has stopped fills it.
    pub const CAPACITY: usize = 1024;

    /// The queue and its receiving end.
    #[must_use]
    pub fn new() -> (Self, mpsc::Receiver<ResetRequest>) {
        let (sender, receiver) = mpsc::channel(Self::CAPACITY);
        (Self { sender }, receiver)
    }
}

impl ResetRequestQueue for ChannelResetRequests {
    fn push(&self, request: ResetRequest) -> bool {
        self.sender.try_send(request).is_ok()
    }
}
