//! `man`: zksh's manual page (roff), generated from the same clap tree as everything else.

use clap::{Args, CommandFactory};
use clap_mangen::Man as ManPage;
use clap_mangen::roff::{Roff, bold, roman};
use serde::Serialize;

use crate::cli::Cli;
use crate::commands::Run;
use crate::output::{Page, Reply};
use crate::shell::Shell;

/// Print zksh's manual page (roff, for man(1)).
///
/// The page holds the process options, the list of commands, and each command's full help.
///
/// Example: zksh man > ~/.local/share/man/man1/zksh.1 (then: man zksh)
#[derive(Debug, Args)]
#[command(about = "Print zksh's manual page (roff)")]
pub struct Man {}

/// The page, in roff (JSON).
#[derive(Debug, Serialize)]
pub struct Manual {
    pub man: String,
}

impl Run for Man {
    async fn run(self, _shell: &mut Shell) -> anyhow::Result<Reply> {
        let man = render()?;
        Ok(Reply::value(Page {
            text: man.clone(),
            document: Manual { man },
        }))
    }
}

/// The whole page: clap_mangen's sections for the process, then the commands (listed, then
/// one subsection each with its full help), then the notes that close `zksh --help`.
pub fn render() -> anyhow::Result<String> {
    let mut cli = Cli::command();
    cli.build();
    let man = ManPage::new(cli.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    // clap_mangen's own command list points at one page per command (zksh-get(1)), which
    // zksh does not have: everything is on this page.
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for command in cli.get_subcommands().filter(|c| !c.is_hide_set()) {
        let about = command.get_about().map(|a| a.to_string()).unwrap_or_default();
        roff.control("TP", [] as [&str; 0]).text([bold(command.get_name())]);
        roff.text([roman(about)]);
    }
    roff.control("SH", ["COMMAND DETAILS"]);
    for command in cli.get_subcommands_mut().filter(|c| !c.is_hide_set()) {
        let mut heading = vec![bold(command.get_name().to_string())];
        let aliases: Vec<&str> = command.get_visible_aliases().collect();
        if !aliases.is_empty() {
            heading.push(roman(format!(" (also: {})", aliases.join(", "))));
        }
        let help = command.render_long_help().to_string();
        roff.control("SS", [] as [&str; 0]).text(heading);
        // The help text is already laid out: keep its lines and indentation.
        roff.control("nf", [] as [&str; 0]).text([roman(help.trim_end())]);
        roff.control("fi", [] as [&str; 0]);
    }
    if let Some(notes) = cli.get_after_help() {
        roff.control("SH", ["NOTES"]);
        for line in notes.to_string().lines() {
            roff.text([roman(line)]).control("br", [] as [&str; 0]);
        }
    }
    roff.to_writer(&mut out)?;
    man.render_version_section(&mut out)?;
    // Each section comes with roff's preamble (the apostrophe string): keep the first only.
    let preamble = Roff::new().render();
    let page = String::from_utf8_lossy(&out).replace(&preamble, "");
    Ok(format!("{preamble}{page}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::both;

    #[test]
    fn the_page_as_text_and_in_json() {
        let man = ".TH zksh 1\n.SH NAME\n\n".to_string();
        let page = Page {
            text: man.clone(),
            document: Manual { man },
        };
        insta::assert_snapshot!(both(&page), @r#"
        --- text
        .TH zksh 1
        .SH NAME
        --- json
        {"man":".TH zksh 1\n.SH NAME\n\n"}
        "#);
    }

    #[test]
    fn the_real_page_lists_every_command() {
        let page = render().expect("renders");
        for command in ["create", "get", "watch", "txn", "quit"] {
            assert!(page.contains(&format!("\\fB{command}\\fR")), "{command} missing");
        }
    }
}
