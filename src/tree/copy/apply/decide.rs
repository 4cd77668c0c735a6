//! One record at a time: whether it is created, skipped as identical, checked against the
//! node already there (data, then ACL), overwritten or refused, and why.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;

use zookeeper_client::{Acl, CreateMode, Stat};

use super::{Apply, Overwrite, is_below};
use crate::errors::ShellError;
use crate::path::is_zookeeper_own;
use crate::path::{base_name, parent_of};
use crate::tree::copy::acl::compare_acls;
use crate::tree::copy::existing::{Existing, Found};
use crate::tree::copy::file::walk_order;
use crate::tree::copy::plan::{Change, Refusal, differences};
use crate::tree::{AclEntry, NodeRecord};
use crate::zk::write::{NewNode, WriteOp};

/// A node already there, with its ACL read.
pub(super) struct Checked {
    record: NodeRecord,
    dest: String,
    data: Vec<u8>,
    stat: Stat,
    acl: anyhow::Result<Vec<AclEntry>>,
}

impl<'c> Apply<'c> {
    /// One incoming record: queued for creation, counted, refused, or (when its node is
    /// there) returned as an ACL read to compare with once answered.
    pub(super) async fn take(
        &mut self,
        record: NodeRecord,
        existing: &mut Existing,
    ) -> anyhow::Result<Option<Pin<Box<dyn Future<Output = Checked> + Send + 'c>>>> {
        let dest = record.path_under(&self.root);
        if let Some(previous) = &self.previous
            && walk_order(previous, &record.rel).is_ge()
        {
            return Err(ShellError::refused(
                self.options.op,
                dest,
                format!(
                    "records out of order: {:?} came after {previous:?} (parents must come before children, siblings sorted)",
                    record.rel
                ),
            ));
        }
        self.previous = Some(record.rel.clone());
        self.progress.found(self.progress.total() + 1);
        self.progress.sent(1);
        if let Some(blocked) = &self.blocked {
            if is_below(&record.rel, blocked) {
                self.report.below_refused += 1;
                self.progress.refused(1);
                return Ok(None);
            }
            self.blocked = None;
        }
        if is_zookeeper_own(&dest) || record.is_ephemeral() {
            // ZooKeeper's own tree is the server's; an ephemeral node belongs to its session.
            if record.is_ephemeral() {
                self.report.ephemeral += 1;
            } else {
                self.tally.zookeeper_own.fetch_add(1, Ordering::Relaxed);
            }
            self.progress.confirmed(1);
            return Ok(None);
        }
        if !record.rel.is_empty() {
            self.counters.note(parent_of(&dest), base_name(&dest));
        }
        match existing.find(&record.rel).await? {
            Found::Absent => {
                self.create(record, dest);
                Ok(None)
            }
            Found::Unreadable => {
                self.refuse(dest, "it exists and may not be read here (not authorized)".into());
                Ok(None)
            }
            Found::Present { data, stat } => {
                let (zk, client) = (self.zk, self.client);
                // Sent now, not when polled: only the oldest check is polled, and the rest
                // must be in flight meanwhile (a rerun over 100k nodes took 22 s one by one).
                let request = client.get_acl(&dest);
                Ok(Some(Box::pin(async move {
                    let acl = zk.call("getAcl", &dest, request).await;
                    let acl = acl.map(|(acl, _)| acl.iter().map(AclEntry::from_acl).collect());
                    Checked {
                        record,
                        dest,
                        data,
                        stat,
                        acl,
                    }
                })))
            }
        }
    }

    pub(super) fn create(&mut self, record: NodeRecord, dest: String) {
        if record.has_redacted_acl() {
            let why = "its ACL came back redacted from the source (read it as a user with ADMIN permission); a redacted ACL is never written";
            self.blocked = Some(record.rel.clone());
            return self.refuse(dest, why.into());
        }
        let acls: Option<Vec<Acl>> = record.acl.iter().map(|entry| entry.to_acl()).collect();
        let Some(acls) = acls.filter(|acls| !acls.is_empty()) else {
            self.blocked = Some(record.rel.clone());
            return self.refuse(dest, "its ACL is empty or not readable".into());
        };
        self.emit(Change::create(&dest));
        if self.options.dry_run {
            self.tally.created.fetch_add(1, Ordering::Relaxed);
            self.progress.confirmed(1);
            return;
        }
        self.batches.push(WriteOp::Create(NewNode {
            path: dest,
            data: record.data,
            mode: CreateMode::Persistent,
            acls,
            ttl: None,
        }));
    }

    /// A node already there, its ACL read: skipped, refused, or an overwrite to send.
    pub(super) fn decide(&mut self, checked: Checked) -> Option<Overwrite<'c>> {
        let Checked {
            record,
            dest,
            data,
            stat,
            acl,
        } = checked;
        let acl = match acl {
            Ok(acl) => acl,
            Err(err) => {
                self.refuse(dest, format!("its ACL could not be read ({err:#})"));
                return None;
            }
        };
        let same_data = data == record.data;
        // A redacted entry on either side stands for the same user with the same permissions:
        // the writer never writes one, and leaves it be.
        let same_acl = compare_acls(&record.acl, &acl).may_be_same();
        if same_data && same_acl {
            self.tally.skipped.fetch_add(1, Ordering::Relaxed);
            self.progress.confirmed(1);
            return None;
        }
        let what = differences(same_data, same_acl);
        if !self.options.overwrite {
            self.refuse(dest, format!("it differs ({what}); --overwrite replaces it"));
            return None;
        }
        if !same_acl && record.has_redacted_acl() {
            let why = format!("it differs ({what}) and its ACL came back redacted from the source: never written");
            self.refuse(dest, why);
            return None;
        }
        let acls: Option<Vec<Acl>> = record.acl.iter().map(|entry| entry.to_acl()).collect();
        let acls = acls.filter(|acls| !acls.is_empty() || same_acl);
        let Some(acls) = acls else {
            self.refuse(dest, "its ACL is empty or not readable".into());
            return None;
        };
        self.emit(Change::changed(&dest, what));
        if self.options.dry_run {
            self.tally.changed.fetch_add(1, Ordering::Relaxed);
            self.progress.confirmed(1);
            return None;
        }
        let (zk, client) = (self.zk, self.client);
        // The data goes now (overwrites are polled oldest first); the ACL only once the data
        // took, so that a node changed meanwhile keeps its ACL too.
        let set_data = (!same_data).then(|| client.set_data(&dest, &record.data, Some(stat.version)));
        Some(Box::pin(async move {
            let result = async {
                if let Some(set) = set_data {
                    zk.call_versioned("set", &dest, Some(stat.version), set).await?;
                }
                if !same_acl {
                    let set = client.set_acl(&dest, &acls, Some(stat.aversion));
                    zk.call_versioned("setAcl", &dest, Some(stat.aversion), set).await?;
                }
                Ok(())
            }
            .await;
            (dest, result)
        }))
    }

    pub(super) fn refuse(&mut self, path: String, reason: String) {
        self.emit(Change::refuse(&path, &reason));
        self.progress.refused(1);
        self.report.refuse(Refusal { path, reason });
    }

    pub(super) fn emit(&mut self, change: Change) {
        self.shown.push(change);
    }
}
