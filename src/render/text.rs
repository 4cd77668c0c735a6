//! Text rendering: what a person reads, and what `cut`/`grep` can rely on.

use std::io::Write;

use colored::Colorize;

use crate::outcome::Outcome;
use crate::render::data::display_data;
use crate::render::stat::{readable_time, render_stat};

pub fn render(outcome: &Outcome, out: &mut impl Write) -> std::io::Result<()> {
    match outcome {
        Outcome::Done | Outcome::Quit | Outcome::Saved { .. } => Ok(()),
        Outcome::Created { path } | Outcome::Cwd { path } => writeln!(out, "{path}"),
        Outcome::Data {
            data,
            stat,
            show_stat,
            raw,
            ..
        } => {
            if *raw {
                out.write_all(data)?;
            } else {
                writeln!(out, "{}", display_data(data))?;
            }
            if *show_stat {
                render_stat(stat, out)?;
            }
            Ok(())
        }
        Outcome::Stat { stat, .. } => render_stat(stat, out),
        Outcome::Exists { path, stat } => match stat {
            Some(_) => writeln!(out, "{path} exists"),
            None => writeln!(out, "{path} does not exist"),
        },
        Outcome::Children { children, stat, .. } => {
            for child in children {
                writeln!(out, "{child}")?;
            }
            if let Some(stat) = stat {
                render_stat(stat, out)?;
            }
            Ok(())
        }
        Outcome::LongChildren { entries, .. } => {
            for entry in entries {
                match &entry.stat {
                    Some(stat) => writeln!(
                        out,
                        "{} {:>9} {:>6}  {}  {}",
                        if stat.ephemeral_owner != 0 { "e" } else { "-" },
                        stat.data_length,
                        stat.num_children,
                        readable_time(stat.mtime),
                        entry.name.blue()
                    )?,
                    None => writeln!(out, "? {:>9} {:>6}  {:29}  {} (vanished)", "-", "-", "-", entry.name)?,
                }
            }
            Ok(())
        }
        Outcome::Deleted { .. } => Ok(()),
        Outcome::Text { text, .. } => writeln!(out, "{text}"),
    }
}
