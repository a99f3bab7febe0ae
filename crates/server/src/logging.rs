//! The process's log output: the tracing subscriber `LOG_FORMAT` and `RUST_LOG` ask for, and
//! whether its text lines are coloured. Colour codes are for a person at a terminal; in a file,
//! a pipe or a log store they are noise a reader has to strip.

use std::ffi::OsStr;
use std::io::IsTerminal as _;

use crate::{LogFormat, ServerSettings};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber, writing to standard output. Call once, first thing.
pub fn install_logging(settings: &ServerSettings) {
    let filter = EnvFilter::try_new(&settings.rust_log)
        .unwrap_or_else(|_| EnvFilter::new(ServerSettings::DEFAULT_RUST_LOG));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match settings.log_format {
        LogFormat::Text => {
            let no_color = std::env::var_os("NO_COLOR");
            logs.with_ansi(colours(
                std::io::stdout().is_terminal(),
                no_color.as_deref(),
            ))
            .init();
        }
        // The request's span (its id, method and path) goes with every line written in it.
        LogFormat::Json => logs
            .with_ansi(false)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// Whether text log lines are coloured: only on a terminal, and not when `NO_COLOR` holds any
/// non-empty value (the no-color.org convention; an empty one is as if unset).
fn colours(terminal: bool, no_color: Option<&OsStr>) -> bool {
    terminal && no_color.is_none_or(OsStr::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_logs_are_coloured_only_on_a_terminal() {
        assert!(colours(true, None));
        assert!(!colours(false, None));
    }

    #[test]
    fn any_non_empty_no_color_turns_colour_off_even_on_a_terminal() {
        assert!(!colours(true, Some(OsStr::new("1"))));
        assert!(!colours(true, Some(OsStr::new("false"))));
        assert!(colours(true, Some(OsStr::new(""))));
        assert!(!colours(false, Some(OsStr::new(""))));
    }
}
