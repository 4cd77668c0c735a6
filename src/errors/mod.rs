//! Errors the shell reports: ZooKeeper refusals named by operation and path, our own usage
//! errors, lost connections. Each maps to one exit code and one JSON shape.

use std::fmt;

use serde_json::json;
use zookeeper_client as zk;

use crate::exit::ExitCode;

mod clap_usage;
mod permission;

pub use clap_usage::ClapUsage;
pub use permission::{Needed, needed_permission};

/// A ZooKeeper request that failed, with the operation and path it came from: the client's own
/// error texts carry neither ("node not exists"), and a user needs both.
#[derive(Debug)]
pub struct ZkError {
    pub op: &'static str,
    pub path: String,
    pub source: zk::Error,
    /// The version the request expected, so a mismatch can say which one.
    pub expected_version: Option<i32>,
    /// Words around the reason when the request was part of something larger (a transaction):
    /// what failed before it, what that meant after it.
    frame: Option<(String, String)>,
    /// For a refusal: the ACL of the node whose permission was needed, as scheme:id:perms.
    acl: Option<String>,
    /// For a version mismatch: the version the node has (read after the refusal).
    actual_version: Option<i32>,
}

impl ZkError {
    /// Whether `err` is ZooKeeper's `which` (NoNode, NodeExists...), for a caller that takes
    /// that answer in its stride.
    pub fn is(err: &anyhow::Error, which: &zk::Error) -> bool {
        err.downcast_ref::<ZkError>().is_some_and(|e| &e.source == which)
    }

    pub fn new(op: &'static str, path: impl Into<String>, source: zk::Error) -> Self {
        ZkError {
            op,
            path: path.into(),
            source,
            expected_version: None,
            frame: None,
            acl: None,
            actual_version: None,
        }
    }

    /// `{before}: {reason}; {after}`, e.g. which operation of a transaction failed and that
    /// nothing was applied; the code stays ZooKeeper's.
    pub fn framed(mut self, before: String, after: impl Into<String>) -> Self {
        self.frame = Some((before, after.into()));
        self
    }

    /// `{reason}; {after}`: what zksh did about it.
    pub fn followed_by(mut self, after: impl Into<String>) -> Self {
        self.frame = Some((String::new(), after.into()));
        self
    }

    /// The reason with its frame, as shown to the user.
    pub fn message(&self) -> String {
        match &self.frame {
            Some((before, after)) if before.is_empty() => format!("{}; {after}", self.reason()),
            Some((before, after)) => format!("{before}: {}; {after}", self.reason()),
            None => self.reason(),
        }
    }

    /// Adds the ACL that refused the request (read separately after the refusal).
    pub fn with_acl(mut self, acl: String) -> Self {
        self.acl = Some(acl);
        self
    }

    /// Adds the version the node turned out to have after a mismatch.
    pub fn with_actual_version(mut self, version: i32) -> Self {
        self.actual_version = Some(version);
        self
    }

    pub fn with_version(mut self, version: Option<i32>) -> Self {
        self.expected_version = version;
        self
    }

    /// The reason in words a ZooKeeper user knows.
    pub fn reason(&self) -> String {
        use zk::Error::*;
        match &self.source {
            NoNode => "no such node".into(),
            NodeExists => "node already exists".into(),
            BadVersion => {
                // setAcl's version is the aclVersion, not the data version.
                let what = if self.op == "setAcl" { "aclVersion" } else { "version" };
                match (self.expected_version, self.actual_version) {
                    (Some(v), Some(actual)) => format!("{what} mismatch (expected {v}, is {actual})"),
                    (Some(v), None) => format!("{what} mismatch (expected {v})"),
                    _ => format!("{what} mismatch"),
                }
            }
            NotEmpty if self.op == "delete" => "not empty (use delete -r)".into(),
            NotEmpty => "not empty".into(),
            NoAuth => match (needed_permission(self.op), &self.acl) {
                (Some(need), Some(acl)) => format!("not authorized (needs {}; ACL: {acl})", need.describe()),
                (Some(need), None) => format!("not authorized (needs {})", need.describe()),
                (None, _) => "not authorized".into(),
            },
            NoChildrenForEphemerals => "ephemeral nodes cannot have children".into(),
            InvalidAcl => "invalid ACL".into(),
            AuthFailed => "authentication failed".into(),
            SessionExpired => "session expired".into(),
            ConnectionLoss => "connection to ZooKeeper lost".into(),
            NotReadOnly => "the server is read-only (write refused)".into(),
            Unimplemented => "not supported by this server".into(),
            BadArguments(msg) => (**msg).to_string(),
            ClientClosed => "session closed".into(),
            NoHosts => "no ZooKeeper server reachable".into(),
            Timeout => "timed out".into(),
            other => match socket_error(other) {
                Some(io) => format!("connection to ZooKeeper lost ({io})"),
                None => other.to_string(),
            },
        }
    }

    /// ZooKeeper's own name for the error (KeeperException.Code), for JSON.
    pub fn code(&self) -> &'static str {
        use zk::Error::*;
        match &self.source {
            NoNode => "NONODE",
            NodeExists => "NODEEXISTS",
            BadVersion => "BADVERSION",
            NotEmpty => "NOTEMPTY",
            NoAuth => "NOAUTH",
            NoChildrenForEphemerals => "NOCHILDRENFOREPHEMERALS",
            InvalidAcl => "INVALIDACL",
            AuthFailed => "AUTHFAILED",
            SessionExpired => "SESSIONEXPIRED",
            ConnectionLoss => "CONNECTIONLOSS",
            NotReadOnly => "NOTREADONLY",
            Unimplemented => "UNIMPLEMENTED",
            BadArguments(_) => "BADARGUMENTS",
            QuotaExceeded => "QUOTAEXCEEDED",
            Throttled => "THROTTLEDOP",
            ClientClosed => "SESSIONCLOSED",
            NoHosts | Timeout => "CONNECTIONLOSS",
            other if socket_error(other).is_some() => "CONNECTIONLOSS",
            _ => "SYSTEMERROR",
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        if is_connection_error(&self.source) {
            ExitCode::NoConnection
        } else {
            ExitCode::Refused
        }
    }
}

impl fmt::Display for ZkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.op, self.path, self.message())
    }
}

impl std::error::Error for ZkError {}

/// Errors that mean "no usable session" rather than "ZooKeeper said no".
pub fn is_connection_error(err: &zk::Error) -> bool {
    use zk::Error::*;
    matches!(
        err,
        SessionExpired | ConnectionLoss | AuthFailed | ClientClosed | NoHosts | Timeout | SessionMoved
    ) || socket_error(err).is_some()
}

/// The socket error under a client error, if that is what it is: zookeeper-client hands a
/// request the I/O error of a connection that broke under it ("connection reset by peer"),
/// wrapped in an `Arc<dyn Error>` that hides its type from a plain downcast.
fn socket_error(err: &zk::Error) -> Option<&std::io::Error> {
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;
    let mut cause = std::error::Error::source(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        if let Some(io) = e
            .downcast_ref::<Shared>()
            .and_then(|shared| shared.downcast_ref::<std::io::Error>())
        {
            return Some(io);
        }
        cause = e.source();
    }
    None
}

/// Errors zksh raises itself, before or instead of asking ZooKeeper.
#[derive(Debug)]
pub enum ShellError {
    /// Input the shell will never accept (malformed path, bad quoting, bad option value).
    Usage(String),
    /// A request could not be answered: no connection within the deadline.
    NoConnection {
        op: &'static str,
        path: String,
        message: String,
    },
    /// The user pressed Ctrl-C.
    Interrupted,
    /// Ctrl-C stopped a bulk command part way; the message says how far it got.
    Stopped {
        op: &'static str,
        path: String,
        message: String,
    },
    /// A condition the user asked about was not met, or a refusal of our own.
    Refused {
        op: &'static str,
        path: String,
        message: String,
    },
}

impl fmt::Display for ShellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShellError::Usage(msg) => f.write_str(msg),
            ShellError::NoConnection { op, path, message }
            | ShellError::Refused { op, path, message }
            | ShellError::Stopped { op, path, message } => {
                if path.is_empty() {
                    write!(f, "{op}: {message}")
                } else {
                    write!(f, "{op} {path}: {message}")
                }
            }
            ShellError::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for ShellError {}

impl ShellError {
    pub fn usage(msg: impl Into<String>) -> anyhow::Error {
        ShellError::Usage(msg.into()).into()
    }

    pub fn refused(op: &'static str, path: impl Into<String>, message: impl Into<String>) -> anyhow::Error {
        ShellError::Refused {
            op,
            path: path.into(),
            message: message.into(),
        }
        .into()
    }
}

/// `error:` for a message on stderr: bold red when stderr may carry colour.
pub fn error_label() -> &'static str {
    if crate::config::stderr_color() {
        "\x1b[1;31merror:\x1b[0m"
    } else {
        "error:"
    }
}

/// The exit code an error stands for, whatever context was wrapped around it.
pub fn exit_code_of(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<ZkError>() {
            return e.exit_code();
        }
        if let Some(e) = cause.downcast_ref::<ShellError>() {
            return match e {
                ShellError::Usage(_) => ExitCode::Usage,
                ShellError::NoConnection { .. } => ExitCode::NoConnection,
                ShellError::Interrupted | ShellError::Stopped { .. } => ExitCode::Interrupted,
                ShellError::Refused { .. } => ExitCode::Refused,
            };
        }
        if cause.downcast_ref::<clap::Error>().is_some() || cause.downcast_ref::<ClapUsage>().is_some() {
            return ExitCode::Usage;
        }
        if let Some(e) = cause.downcast_ref::<zk::Error>() {
            return if is_connection_error(e) {
                ExitCode::NoConnection
            } else {
                ExitCode::Refused
            };
        }
    }
    ExitCode::Refused
}

/// `{"error": {"op", "path", "code", "message"}}`, the shape README documents.
pub fn error_json(err: &anyhow::Error) -> serde_json::Value {
    let mut value = typed_error_json(err);
    // What the command added around the typed error (`120 nodes created ... before this`)
    // is part of the message, as in text.
    let context: Vec<String> = err
        .chain()
        .take_while(|cause| !is_typed(*cause))
        .map(ToString::to_string)
        .collect();
    if !context.is_empty() && context.len() < err.chain().count() {
        let inner = value["error"]["message"].as_str().unwrap_or_default().to_string();
        value["error"]["message"] = format!("{}: {inner}", context.join(": ")).into();
    }
    value
}

fn is_typed(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause.downcast_ref::<ZkError>().is_some()
        || cause.downcast_ref::<ShellError>().is_some()
        || cause.downcast_ref::<ClapUsage>().is_some()
}

fn typed_error_json(err: &anyhow::Error) -> serde_json::Value {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<ZkError>() {
            return json!({"error": {"op": e.op, "path": e.path, "code": e.code(), "message": e.message()}});
        }
        if let Some(e) = cause.downcast_ref::<ShellError>() {
            let (op, path, code) = match e {
                ShellError::Usage(_) => ("", "", "USAGE"),
                ShellError::NoConnection { op, path, .. } => (*op, path.as_str(), "NOCONNECTION"),
                ShellError::Interrupted => ("", "", "INTERRUPTED"),
                ShellError::Stopped { op, path, .. } => (*op, path.as_str(), "INTERRUPTED"),
                ShellError::Refused { op, path, .. } => (*op, path.as_str(), "REFUSED"),
            };
            let message = match e {
                ShellError::NoConnection { message, .. }
                | ShellError::Refused { message, .. }
                | ShellError::Stopped { message, .. } => message.clone(),
                other => other.to_string(),
            };
            return json!({"error": {"op": op, "path": path, "code": code, "message": message}});
        }
        if let Some(e) = cause.downcast_ref::<ClapUsage>() {
            return json!({"error": {"op": e.op, "path": "", "code": "USAGE", "message": e.message()}});
        }
    }
    json!({"error": {"op": "", "path": "", "code": "ERROR", "message": format!("{err:#}")}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_operation_and_path() {
        let e = ZkError::new("get", "/a/b", zk::Error::NoNode);
        assert_eq!(e.to_string(), "get /a/b: no such node");
        let e = ZkError::new("set", "/x", zk::Error::BadVersion).with_version(Some(3));
        assert_eq!(e.to_string(), "set /x: version mismatch (expected 3)");
        let e = ZkError::new("delete", "/x", zk::Error::NotEmpty);
        assert_eq!(e.to_string(), "delete /x: not empty (use delete -r)");
        assert_eq!(
            ZkError::new("create", "/x", zk::Error::NodeExists).to_string(),
            "create /x: node already exists"
        );
        assert_eq!(
            ZkError::new("get", "/x", zk::Error::NoAuth).to_string(),
            "get /x: not authorized (needs READ)"
        );
        assert_eq!(
            ZkError::new("create", "/x/y", zk::Error::NoAuth)
                .with_acl("digest:alice:x:cdrwa".into())
                .to_string(),
            "create /x/y: not authorized (needs CREATE on the parent; ACL: digest:alice:x:cdrwa)"
        );
        assert_eq!(
            ZkError::new("sync", "/x", zk::Error::NoAuth).to_string(),
            "sync /x: not authorized"
        );
    }

    #[test]
    fn clap_errors_become_one_line_usage_messages() {
        use clap::{CommandFactory, Parser};
        let err = crate::cli::ShellLine::try_parse_from(["get", "-z", "/x"]).unwrap_err();
        let usage: anyhow::Error = ClapUsage {
            op: "get".into(),
            error: err,
        }
        .into();
        assert_eq!(exit_code_of(&usage), ExitCode::Usage);
        let value = error_json(&usage);
        assert_eq!(value["error"]["op"], "get");
        assert_eq!(value["error"]["code"], "USAGE");
        let message = value["error"]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("unexpected argument '-z' found"), "{message}");
        assert!(!message.contains('\n') && !message.contains("Usage:"), "{message}");
        let err = crate::cli::ShellLine::command()
            .try_get_matches_from(["get"])
            .unwrap_err();
        let message = ClapUsage {
            op: "get".into(),
            error: err,
        }
        .message();
        assert_eq!(message, "the following required arguments were not provided: <PATH>");
    }

    #[test]
    fn exit_codes_follow_the_error_kind() {
        let refused: anyhow::Error = ZkError::new("get", "/x", zk::Error::NoNode).into();
        assert_eq!(exit_code_of(&refused), ExitCode::Refused);
        let lost: anyhow::Error = ZkError::new("get", "/x", zk::Error::ConnectionLoss).into();
        assert_eq!(exit_code_of(&lost), ExitCode::NoConnection);
        assert_eq!(exit_code_of(&ShellError::usage("bad")), ExitCode::Usage);
        let wrapped = ShellError::usage("bad").context("line 3");
        assert_eq!(exit_code_of(&wrapped), ExitCode::Usage);
    }
}
