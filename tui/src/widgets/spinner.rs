//! The busy spinner shown while a request runs. Its frame is chosen from the tick count, so a
//! render with a fixed tick is deterministic (snapshots) and the spinner moves only on `Tick`.

/// Braille spinner frames.
pub const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The frame for the `tick`-th clock tick.
pub fn frame(tick: u64) -> &'static str {
    let index = usize::try_from(tick % FRAMES.len() as u64).unwrap_or(0);
    FRAMES[index]
}

#[cfg(test)]
mod tests {
    #[test]
    fn cycles_through_the_frames() {
        assert_eq!(super::frame(0), "⠋");
        assert_eq!(super::frame(11), "⠙");
    }
}
