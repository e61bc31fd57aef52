use indicatif::{ProgressBar, ProgressStyle};

/// A bar with one step per source, shown only on a terminal when asked for.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn new(visible: bool, steps: u64) -> Self {
        let bar = if visible {
            ProgressBar::new(steps)
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
        {
            bar.set_style(style);
        }
        Progress { bar }
    }

    /// Starts the next step, naming it.
    pub fn stage(&self, what: &str) {
        tracing::debug!(stage = what, "ingest");
        self.bar.set_message(what.to_owned());
        self.bar.inc(1);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
