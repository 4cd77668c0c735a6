//! Aligned text tables: each column as wide as its widest cell, numbers right-aligned, an
//! optional bold header (bold only where colour is on).

use std::io::{self, Write};

use colored::Colorize;

/// Where a column's cells sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Rows of cells under named columns.
#[derive(Debug)]
pub struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row: one cell per column (missing cells are empty, extra ones ignored).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the table, every line starting with `lead`; with `header`, the column names
    /// first. The last column is not padded: no line ends in spaces.
    pub fn write(&self, out: &mut dyn Write, lead: &str, header: bool) -> io::Result<()> {
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .map(|(name, _)| if header { name.chars().count() } else { 0 })
            .collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        if header {
            let names: Vec<String> = self.columns.iter().map(|(name, _)| name.to_string()).collect();
            let line = self.line(&names, &widths);
            writeln!(out, "{lead}{}", line.bold())?;
        }
        for row in &self.rows {
            writeln!(out, "{lead}{}", self.line(row, &widths))?;
        }
        Ok(())
    }

    fn line(&self, cells: &[String], widths: &[usize]) -> String {
        let last = self.columns.len().saturating_sub(1);
        let mut line = String::new();
        for (i, ((_, align), width)) in self.columns.iter().zip(widths).enumerate() {
            let cell = cells.get(i).map_or("", String::as_str);
            if i > 0 {
                line.push_str("  ");
            }
            match align {
                Align::Right => line.push_str(&format!("{cell:>width$}")),
                Align::Left if i == last => line.push_str(cell),
                Align::Left => line.push_str(&format!("{cell:<width$}")),
            }
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_lines_do_not_end_in_spaces() {
        colored::control::set_override(false);
        let mut table = Table::new(&[("nodes", Align::Right), ("path", Align::Left)]);
        table.row(vec!["1000".into(), "/app/big".into()]);
        table.row(vec!["3".into(), "/a".into()]);
        let mut out = Vec::new();
        table.write(&mut out, "  ", true).expect("in memory");
        table.write(&mut out, "key  ", false).expect("in memory");
        insta::assert_snapshot!(String::from_utf8_lossy(&out), @"
          nodes  path
           1000  /app/big
              3  /a
        key  1000  /app/big
        key     3  /a
        ");
    }
}
