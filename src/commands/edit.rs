//! `edit path`: change a znode's data in the user's editor and write it back, unless someone
//! else changed the node in the meantime.

use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;
use std::process::Stdio;

use clap::Args;
use serde::Serialize;
use zookeeper_client as zk;

use crate::commands::Run;
use crate::errors::{ShellError, ZkError};
use crate::output::{Render, Reply};
use crate::shell::Shell;
use crate::zk::write::WriteOp;

/// Edit a znode's data in your editor, then write it back.
///
/// Opens the data in $VISUAL, else $EDITOR, else vi (the variable may hold arguments, as in
/// EDITOR="code --wait"), through a temporary file. When the editor exits, the new text is
/// written with the data version read before editing (optimistic locking, as set -v does): if
/// the node changed meanwhile, ZooKeeper refuses the write, nothing is written, and your text is
/// kept in a file. A buffer saved unchanged writes nothing. When the data had no trailing
/// newline, the one most editors add at the end of the file is dropped. Data that is not UTF-8
/// text is refused: use get -b / set -b, or get --out FILE / set --file FILE.
///
/// Example: edit /config/app.json
#[derive(Debug, Args)]
#[command(about = "Edit a znode's data in $VISUAL/$EDITOR; written back only if unchanged meanwhile")]
pub struct Edit {
    /// Znode path
    #[arg(add = crate::completion::path_completer())]
    pub path: String,
}

/// `edit`: whether the node changed, and its new data version if it did.
#[derive(Debug, Serialize)]
pub struct Edited {
    pub path: String,
    pub changed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
}

impl Render for Edited {
    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.changed {
            // A successful write says nothing, as `set` does.
            Ok(())
        } else {
            writeln!(out, "no changes (nothing written)")
        }
    }
}

impl Run for Edit {
    async fn run(self, shell: &mut Shell) -> anyhow::Result<Reply> {
        edit(self, shell).await
    }
}

async fn edit(args: Edit, shell: &mut Shell) -> anyhow::Result<Reply> {
    let path = shell.resolve(&args.path)?;
    shell.refuse_in_txn("edit cannot be part of a transaction (queue a set instead)")?;
    let zk = shell.zk().clone();
    let client = zk.client().await?;
    let (data, stat) = zk.call("edit", &path, client.get_data(&path)).await?;
    drop(client);
    if std::str::from_utf8(&data).is_err() {
        return Err(ShellError::refused(
            "edit",
            &path,
            format!(
                "the data is not UTF-8 text ({} bytes); nothing to edit safely in a text editor \
                 (use get -b / set -b, or get --out FILE / set --file FILE)",
                data.len()
            ),
        ));
    }
    let file = write_temp_file(&path, &data)?;
    let editor = editor_command();
    run_editor(&editor, &file, &path, shell).await?;
    let edited = std::fs::read(file.path())
        .map_err(|e| ShellError::refused("edit", &path, format!("cannot read the edited file back: {e}")))?;
    let edited = drop_added_newline(&data, edited);
    if edited == data {
        return Ok(Reply::value(Edited {
            path,
            changed: false,
            version: None,
        }));
    }
    // Written with the version read: a change made meanwhile makes ZooKeeper refuse it.
    let written = zk
        .apply(&WriteOp::Set {
            path: path.clone(),
            data: edited,
            version: Some(stat.version),
        })
        .await;
    match written {
        Ok(applied) => Ok(Reply::value(Edited {
            path,
            changed: true,
            version: applied.version,
        })),
        Err(err) => {
            let what = match err.downcast_ref::<ZkError>().map(|e| &e.source) {
                Some(zk::Error::BadVersion) => {
                    let now = match zk.client().await {
                        Ok(client) => zk.call("edit", &path, client.check_stat(&path)).await.ok().flatten(),
                        Err(_) => None,
                    }
                    .map_or_else(|| "?".to_string(), |s| s.version.to_string());
                    format!(
                        "the node changed while you were editing (version {} -> {now}); nothing written",
                        stat.version
                    )
                }
                Some(zk::Error::NoNode) => "the node was deleted while you were editing; nothing written".to_string(),
                _ => return Err(err),
            };
            let kept = match file.into_temp_path().keep() {
                Ok(kept) => format!("; your text is kept in {}", kept.display()),
                Err(_) => String::new(),
            };
            Err(ShellError::refused("edit", path, format!("{what}{kept}")))
        }
    }
}

/// $VISUAL, else $EDITOR, else vi; empty values count as unset.
fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// A temp file named after the node (`zksh-<name>-XXXX.json` for JSON), so the editor shows
/// which node it is and can pick a syntax mode.
fn write_temp_file(path: &str, data: &[u8]) -> anyhow::Result<tempfile::NamedTempFile> {
    let name: String = path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let suffix = if crate::output::data::as_json_document(data).is_some() {
        ".json"
    } else {
        ".txt"
    };
    let fail = |e: std::io::Error| ShellError::refused("edit", path, format!("cannot write a temporary file: {e}"));
    let mut file = tempfile::Builder::new()
        .prefix(&format!("zksh-{name}-"))
        .suffix(suffix)
        .tempfile()
        .map_err(fail)?;
    file.write_all(data).and_then(|()| file.flush()).map_err(fail)?;
    Ok(file)
}

/// Runs the editor through `sh -c '<editor> "$1"'`, so that the variable may carry arguments.
/// The editor gets the terminal; it never gets a script on stdin, and never writes on our
/// stdout when that is a pipe (results only there): its output goes to stderr then.
async fn run_editor(editor: &str, file: &tempfile::NamedTempFile, path: &str, shell: &Shell) -> anyhow::Result<()> {
    let stdin = if std::io::stdin().is_terminal() || shell.stdin_is_free() {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    let stdout = if std::io::stdout().is_terminal() {
        Stdio::inherit()
    } else {
        match std::io::stderr().as_fd().try_clone_to_owned() {
            Ok(fd) => Stdio::from(fd),
            Err(_) => Stdio::null(),
        }
    };
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .stdin(stdin)
        .stdout(stdout)
        .stderr(Stdio::inherit())
        // Ctrl-C cancels the command: the editor goes with it.
        .kill_on_drop(true)
        .status()
        .await
        .map_err(|e| ShellError::refused("edit", path, format!("cannot start the editor ({editor}): {e}")))?;
    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("exited with code {code}"),
            None => "was killed".to_string(),
        };
        return Err(ShellError::refused(
            "edit",
            path,
            format!("the editor ({editor}) {how}; nothing written"),
        ));
    }
    Ok(())
}

/// Most editors end a saved file with a newline. When the data had none, one newline added at
/// the very end is not an edit the user meant.
fn drop_added_newline(original: &[u8], mut edited: Vec<u8>) -> Vec<u8> {
    if !original.ends_with(b"\n") && edited.ends_with(b"\n") {
        edited.pop();
        if edited.ends_with(b"\r") && !original.ends_with(b"\r") {
            edited.pop();
        }
    }
    edited
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_or_unchanged() {
        use crate::output::both;
        insta::assert_snapshot!(both(&Edited { path: "/a".into(), changed: true, version: Some(4) }), @r#"
        --- text
        --- json
        {"changed":true,"path":"/a","version":4}
        "#);
        insta::assert_snapshot!(both(&Edited { path: "/a".into(), changed: false, version: None }), @r#"
        --- text
        no changes (nothing written)
        --- json
        {"changed":false,"path":"/a"}
        "#);
    }

    #[test]
    fn only_the_newline_an_editor_adds_is_dropped() {
        assert_eq!(drop_added_newline(b"abc", b"abc\n".to_vec()), b"abc");
        assert_eq!(drop_added_newline(b"", b"x\n".to_vec()), b"x");
        assert_eq!(drop_added_newline(b"abc\n", b"abd\n".to_vec()), b"abd\n");
        assert_eq!(drop_added_newline(b"abc", b"abc\n\n".to_vec()), b"abc\n");
        assert_eq!(drop_added_newline(b"abc", b"abd".to_vec()), b"abd");
    }
}
