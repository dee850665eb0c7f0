//! Waiting for something that happens on its own time (a browser, the CRL watcher, a queued audit
//! row): polled, with a limit, and a failure that says what never came.

use std::time::Duration;

/// Calls `probe` until it returns something, for at most `limit`; panics naming `what` after.
pub async fn eventually<T>(what: &str, limit: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let start = tokio::time::Instant::now();
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `check` holds, for at most `limit`.
pub async fn until(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    eventually(what, limit, async || check().await.then_some(())).await;
}
