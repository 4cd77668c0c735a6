//! The walk's requests: a batch of reads sent as one multi-read (or as single requests to a
//! server without multi-read), and its replies filed, or the batch sent again, split, or
//! sent as single requests when it failed as a whole.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;

use zookeeper_client::{self as zk, Client, MultiReadResult};

use super::frontier::{Fetched, Key};
use super::walker::{ATTEMPTS, Walker};
use crate::errors::{ZkError, is_connection_error};

/// The replies to a batch, in the order of its reads: a multi-read's own results (kept as
/// they come: a walk of a million nodes copies each reply as few times as it can), or single
/// replies in the same shape.
pub(super) type Replies<'c> = Pin<Box<dyn Future<Output = Result<Vec<MultiReadResult>, zk::Error>> + Send + 'c>>;

pub(super) struct InFlight<'c> {
    pub(super) keys: Vec<Key>,
    pub(super) reply: Replies<'c>,
    /// Bytes the replies are guessed to weigh.
    pub(super) guess: usize,
    pub(super) attempt: u8,
    /// Depths this batch probes (their weight was unknown when it was sent).
    pub(super) probed: Vec<usize>,
    /// Sent as single requests (a server without multi-read, or a batch that failed whole).
    pub(super) single: bool,
}

impl Walker {
    /// Sends the reads for `keys`: one multi-read, or one request per read.
    pub(super) fn send<'c>(&self, client: &'c Client, keys: &[Key], single: bool) -> anyhow::Result<Replies<'c>> {
        if single {
            type One<'c> = Pin<Box<dyn Future<Output = Result<MultiReadResult, zk::Error>> + Send + 'c>>;
            let mut requests: Vec<One<'c>> = Vec::with_capacity(keys.len() * 2);
            for key in keys {
                // Each request goes out when it is made: all of them are in flight at once.
                if key.data {
                    let request = client.get_data(&key.path);
                    requests.push(Box::pin(async move {
                        request.await.map(|(data, stat)| MultiReadResult::Data { data, stat })
                    }));
                }
                if key.children {
                    let request = client.list_children(&key.path);
                    requests.push(Box::pin(async move {
                        request.await.map(|children| MultiReadResult::Children { children })
                    }));
                }
            }
            return Ok(Box::pin(async move {
                let mut replies = Vec::with_capacity(requests.len());
                for request in requests {
                    match request.await {
                        Err(err) if is_connection_error(&err) => return Err(err),
                        Err(err) => replies.push(MultiReadResult::Error { err }),
                        Ok(reply) => replies.push(reply),
                    }
                }
                Ok(replies)
            }));
        }
        let mut reader = client.new_multi_reader();
        for key in keys {
            if key.data {
                reader
                    .add_get_data(&key.path)
                    .map_err(|e| ZkError::new(self.op, &key.path, e))?;
            }
            if key.children {
                reader
                    .add_get_children(&key.path)
                    .map_err(|e| ZkError::new(self.op, &key.path, e))?;
            }
        }
        Ok(Box::pin(reader.commit()))
    }

    /// Waits for a batch and files its replies; a batch that failed whole is sent again,
    /// split, or as single requests, before the walk gives up.
    pub(super) async fn receive<'c>(
        &mut self,
        client: &'c Client,
        batch: InFlight<'c>,
        in_flight: &mut VecDeque<InFlight<'c>>,
    ) -> anyhow::Result<()> {
        let InFlight {
            keys,
            reply,
            guess,
            attempt,
            single,
            probed,
        } = batch;
        self.guessed -= guess;
        for depth in probed {
            self.probes[depth] -= 1;
        }
        let first_path = keys
            .first()
            .map_or(self.root.as_str(), |key| key.path.as_str())
            .to_string();
        let replies = match tokio::time::timeout(self.zk.request_timeout(), reply).await {
            Ok(Ok(replies)) if replies.len() == keys.iter().map(Key::ops).sum::<usize>() => replies,
            Ok(Ok(_)) => anyhow::bail!(
                "{} {}: the server answered a batch of reads with the wrong number of replies",
                self.op,
                first_path
            ),
            Err(_) => return Err(self.zk.deadline_error(self.op, &first_path)),
            Ok(Err(err)) => {
                // Which retry, if any, gets past a batch that failed as a whole.
                // A server older than 3.6 answers a multi-read with Unimplemented and drops the
                // connection (its UnimplementedRequestProcessor); the session lives on, and
                // the client reconnects. From then on, every batch goes as single requests,
                // the ones that were in flight on that connection included.
                let single = single || self.single_requests;
                let retry = if matches!(err, zk::Error::Unimplemented) && !single {
                    self.single_requests = true;
                    vec![(keys, true)]
                } else if is_connection_error(&err) && attempt < ATTEMPTS {
                    vec![(keys, single)]
                } else if !is_connection_error(&err) && keys.len() > 1 {
                    let mut keys = keys;
                    let second = keys.split_off(keys.len() / 2);
                    vec![(keys, single), (second, single)]
                } else if !is_connection_error(&err) && !single {
                    vec![(keys, true)]
                } else {
                    return Err(ZkError::new(self.op, &first_path, err).into());
                };
                tracing::debug!(op = self.op, path = %first_path, error = %err, "a read batch failed whole; retrying");
                for (keys, single) in retry.into_iter().rev() {
                    let guess = keys.iter().map(|key| self.guess(key.depth)).sum();
                    self.guessed += guess;
                    let reply = self.send(client, &keys, single)?;
                    in_flight.push_front(InFlight {
                        keys,
                        reply,
                        guess,
                        attempt: attempt + 1,
                        single,
                        probed: Vec::new(),
                    });
                }
                return Ok(());
            }
        };
        let mut replies = replies.into_iter();
        for key in keys {
            let mut fetched = Fetched::new(key.path);
            if key.data {
                fetched.node = replies.next().map(|reply| {
                    Box::new(match reply {
                        MultiReadResult::Data { data, stat } => Ok((data, stat)),
                        MultiReadResult::Error { err } => Err(err),
                        // The client's enum is non-exhaustive; nothing else answers a read.
                        _ => Err(zk::Error::MarshallingError),
                    })
                });
            }
            if key.children {
                fetched.children = replies.next().map(|reply| match reply {
                    // Sorted now: children read early are filed by their place in this order.
                    MultiReadResult::Children { children: mut names } => {
                        names.sort_unstable();
                        Ok(names)
                    }
                    MultiReadResult::Error { err } => Err(err),
                    _ => Err(zk::Error::MarshallingError),
                });
            }
            let data_bytes = match fetched.node.as_deref() {
                Some(Ok((data, _))) => data.len() + 80,
                _ => 16,
            };
            let names_bytes = match &fetched.children {
                Some(Ok(names)) => names.iter().map(|name| name.len() + 32).sum::<usize>(),
                _ => 16,
            };
            fetched.bytes = data_bytes + names_bytes + fetched.path.len();
            self.learn(key.depth, fetched.bytes);
            self.held += fetched.bytes;
            self.file(key.slot, fetched);
        }
        Ok(())
    }
}
