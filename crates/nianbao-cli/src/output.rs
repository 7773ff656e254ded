//! Terminal output: tables, colours when on a terminal, exit codes.

use std::io::IsTerminal;

/// Success.
pub const EXIT_OK: u8 = 0;
/// The request was understood but refused, or the report has errors.
pub const EXIT_REFUSED: u8 = 1;
/// Bad usage or unreadable input.
pub const EXIT_USAGE: u8 = 2;

/// Whether stdout is a terminal (colours and wide tables) or a pipe (plain text).
pub fn is_tty() -> bool {
    std::io::stdout().is_terminal()
}

/// Wraps text in an ANSI colour when stdout is a terminal.
pub fn paint(text: &str, colour: u8) -> String {
    if is_tty() {
        format!("\x1b[{colour}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Display width of a string: CJK characters take two columns.
pub fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// Prints rows as an aligned table with a header.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(width(cell));
            }
        }
    }
    let line = |cells: Vec<String>| {
        let n = cells.len();
        cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                if i + 1 == n {
                    c
                } else {
                    format!("{c}{}", " ".repeat(widths[i].saturating_sub(width(&c))))
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!(
        "{}",
        paint(&line(header.iter().map(|h| h.to_string()).collect()), 1)
    );
    for row in rows {
        println!("{}", line(row.clone()));
    }
}

/// A one-line progress bar on stderr for long work; silent when stderr is not a terminal or the
/// work is a single item.
pub struct Progress {
    total: usize,
    shown: bool,
}

impl Progress {
    /// A bar over `total` items.
    pub fn new(total: usize) -> Progress {
        Progress {
            total,
            shown: total > 1 && std::io::stderr().is_terminal(),
        }
    }

    /// Shows that item `index` (from 0) is being worked on.
    pub fn step(&self, index: usize, what: &str) {
        if !self.shown {
            return;
        }
        let done = index * 30 / self.total.max(1);
        let name: String = what
            .chars()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        eprint!(
            "\r\x1b[2K[{}{}] {}/{} {name}",
            "#".repeat(done),
            " ".repeat(30 - done),
            index + 1,
            self.total
        );
        if index + 1 == self.total {
            eprintln!();
        }
    }
}

/// An RFC 3339 instant as people read it in a table: `2024-01-31 09:05` in 北京时间 (the
/// `--json` output keeps the instant as the service sent it).
pub fn local_time(rfc3339: &str) -> String {
    nianbao_web::time::short(rfc3339, &nianbao_web::time::beijing())
}
