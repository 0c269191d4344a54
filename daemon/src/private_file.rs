//! Creating files only the daemon's user may read (master key, backups). Nothing else: no
//! writing, no syncing; callers do that.

use std::fs::{File, OpenOptions};
use std::path::Path;

/// Creates `path`, which must not exist yet, with mode 0600 on Unix.
pub fn create_new(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}
