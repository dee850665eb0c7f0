//! Deliveries wait here for the victim, who handles one at a time (two cores: a second browser
//! would slow both and make the gesture guard's timing a race). A full queue refuses a delivery
//! with a message; nothing waits unbounded.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::desk::Desk;
use super::run::{self, Job};

/// Deliveries that may wait at once.
pub const WAITING: usize = 8;

pub struct Queue {
    jobs: mpsc::Sender<Job>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "{WAITING} deliveries are already waiting for the victim; wait for them to finish (each takes \
     at most about 20 s once the victim's browser is up) and deliver again"
)]
pub struct Full;

impl Queue {
    /// The queue, and the victim that works through it.
    pub fn start(desk: Arc<Desk>) -> Self {
        let (jobs, mut waiting) = mpsc::channel::<Job>(WAITING);
        tokio::spawn(async move {
            while let Some(job) = waiting.recv().await {
                run::deliver(&desk, job).await;
            }
        });
        Self { jobs }
    }

    /// Whether a delivery would be taken now.
    pub fn has_room(&self) -> bool {
        self.jobs.capacity() > 0
    }

    pub fn submit(&self, job: Job) -> Result<(), Full> {
        self.jobs.try_send(job).map_err(|_| Full)
    }
}
