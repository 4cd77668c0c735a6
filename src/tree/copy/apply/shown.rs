//! The changes a run shows as it makes them (a dry run's rows, mirror's lines), handed to
//! the stream a batch at a time and no faster than it is read: while a batch waits for room
//! and more have piled up, the writer takes no more records, so memory holds a few batches,
//! never a row per node of the tree (a dry run into a pipe nobody reads yet).

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use crate::output::RowSender;
use crate::tree::copy::plan::Change;

/// Changes waiting while a batch is on its way, beyond which no record is taken.
const BACKLOG: usize = 1024;

type Sending = Pin<Box<dyn Future<Output = bool> + Send>>;

/// Where a run's changes go, if anywhere.
#[derive(Default)]
pub(super) struct Shown {
    rows: Option<RowSender>,
    waiting: Vec<Change>,
    /// A batch handed to the stream, waiting for room: true once taken, false when nobody
    /// renders the stream any more. In a Mutex only to be Sync (the writer is shared across
    /// awaits); never locked, reached through `get_mut`.
    sending: Option<Mutex<Sending>>,
}

impl Shown {
    pub(super) fn new(rows: RowSender) -> Shown {
        Shown {
            rows: Some(rows),
            ..Shown::default()
        }
    }

    /// One change made (or that would be): kept for the next batch.
    pub(super) fn push(&mut self, change: Change) {
        if self.rows.is_some() {
            self.waiting.push(change);
        }
    }

    /// Whether the reader is this far behind: the writer waits before taking more records.
    pub(super) fn backed_up(&self) -> bool {
        self.waiting.len() >= BACKLOG
    }

    /// Hands the waiting changes to the stream when no batch is on its way; whether one is
    /// now (then [`Shown::sent`] is worth awaiting).
    pub(super) fn in_flight(&mut self) -> bool {
        if self.sending.is_none()
            && !self.waiting.is_empty()
            && let Some(rows) = self.rows.clone()
        {
            let batch = std::mem::take(&mut self.waiting);
            let sending: Sending = Box::pin(async move { rows.send_all(batch).await });
            self.sending = Some(Mutex::new(sending));
        }
        self.sending.is_some()
    }

    /// The batch on its way, once the stream took it (pending forever when there is none).
    /// A reader gone stops the rows, not the writing.
    pub(super) async fn sent(&mut self) {
        let Some(sending) = self.sending.as_mut() else {
            return std::future::pending().await;
        };
        // Nothing else ever locks it: a poisoned lock still holds the future.
        let sending = sending.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner());
        let taken = sending.await;
        self.sending = None;
        if !taken {
            self.rows = None;
            self.waiting.clear();
        }
    }

    /// Every change kept so far, handed to the stream.
    pub(super) async fn flush(&mut self) {
        while self.in_flight() {
            self.sent().await;
        }
    }
}
