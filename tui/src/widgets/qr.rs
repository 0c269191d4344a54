//! A QR code drawn with half-block characters: each terminal cell holds two modules stacked
//! (`▀` top dark, `▄` bottom dark, `█` both, space neither), so a cell's 1:2 shape gives square
//! modules.
//!
//! Colours are explicit rather than the terminal's own: dark modules are black ink, light ones
//! (and the quiet zone around the code) white background, so the code scans the same on a dark or
//! a light theme and is never inverted. [`QrMatrix`] holds the modules (encoded with the `qrcode`
//! crate at the lowest error-correction level, which gives the smallest code: a terminal draws it
//! sharply); [`QrWidget`] draws one with a quiet zone of a given width.

use std::fmt;

use qrcode::{Color as Module, EcLevel, QrCode};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;

/// The quiet zone the QR specification asks for, in modules.
pub const QUIET_ZONE: u16 = 4;
/// The narrowest quiet zone drawn; below it phone cameras start to miss the code.
pub const MIN_QUIET_ZONE: u16 = 2;
/// Ink and paper: dark modules are drawn in this colour …
pub const DARK: Color = Color::Black;
/// … on this one.
pub const LIGHT: Color = Color::White;

/// The modules of one QR code. Its `Debug` shows only the size: the code may carry a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct QrMatrix {
    /// Modules per side.
    size: usize,
    /// Row by row, `true` for dark.
    dark: Vec<bool>,
}

impl fmt::Debug for QrMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QrMatrix({0}×{0})", self.size)
    }
}

impl QrMatrix {
    /// Encodes `text` in the smallest QR code that holds it (error correction level L).
    pub fn encode(text: &str) -> Result<Self, String> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L)
            .map_err(|error| error.to_string())?;
        let size = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|module| module == Module::Dark)
            .collect();
        Ok(Self { size, dark })
    }

    /// Modules per side (21 for version 1, 4 more per version).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the module at column `x`, row `y` is dark; outside the code, `false`.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark.get(y * self.size + x) == Some(&true)
    }

    /// The cells (columns, rows) the code takes with a quiet zone of `quiet` modules.
    pub fn cells(&self, quiet: u16) -> (u16, u16) {
        let side = u16::try_from(self.size)
            .unwrap_or(u16::MAX)
            .saturating_add(quiet.saturating_mul(2));
        (side, side.div_ceil(2))
    }

    /// The widest quiet zone, from [`QUIET_ZONE`] down to [`MIN_QUIET_ZONE`], with which the code
    /// fits in `width`×`height` cells; `None` when it does not fit even with the narrowest.
    pub fn quiet_zone_to_fit(&self, width: u16, height: u16) -> Option<u16> {
        (MIN_QUIET_ZONE..=QUIET_ZONE).rev().find(|&quiet| {
            let (w, h) = self.cells(quiet);
            w <= width && h <= height
        })
    }
}

/// Draws a [`QrMatrix`] with its quiet zone from the top-left corner of the area, clipped to it.
pub struct QrWidget<'a> {
    pub matrix: &'a QrMatrix,
    pub quiet: u16,
}

impl Widget for QrWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (width, height) = self.matrix.cells(self.quiet);
        let area = area.intersection(buf.area).intersection(Rect {
            width,
            height,
            ..area
        });
        let quiet = usize::from(self.quiet);
        // Module coordinates include the quiet zone; anything outside the code is light.
        let dark = |x: usize, y: usize| {
            x >= quiet && y >= quiet && self.matrix.is_dark(x - quiet, y - quiet)
        };
        let style = Style::default().fg(DARK).bg(LIGHT);
        for row in 0..area.height {
            for column in 0..area.width {
                let x = usize::from(column);
                let y = usize::from(row) * 2;
                let symbol = match (dark(x, y), dark(x, y + 1)) {
                    (false, false) => " ",
                    (true, false) => "▀",
                    (false, true) => "▄",
                    (true, true) => "█",
                };
                buf[(area.x + column, area.y + row)]
                    .set_symbol(symbol)
                    .set_style(style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_stacks_two_modules_in_black_on_white() -> Result<(), String> {
        let matrix = QrMatrix::encode("otpauth://totp/x")?;
        assert_eq!(matrix.size(), 21, "a short text is a version-1 code");
        assert_eq!(format!("{matrix:?}"), "QrMatrix(21×21)");
        let (width, height) = matrix.cells(2);
        assert_eq!((width, height), (25, 13));
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 15));
        QrWidget {
            matrix: &matrix,
            quiet: 2,
        }
        .render(buf.area, &mut buf);
        // The quiet zone: two light rows (one cell) and two light columns.
        assert!((0..25).all(|x| buf[(x, 0)].symbol() == " "));
        assert_eq!(buf[(0, 1)].symbol(), " ");
        assert_eq!(buf[(1, 1)].symbol(), " ");
        // The finder pattern's top-left corner: rows 0 and 1 of the code are dark at column 0 …
        assert_eq!(buf[(2, 1)].symbol(), "█");
        // … while at column 1 its top row is dark and its second light.
        assert_eq!(buf[(3, 1)].symbol(), "▀");
        assert_eq!(buf[(3, 1)].fg, DARK);
        assert_eq!(buf[(3, 1)].bg, LIGHT);
        // Nothing is drawn outside the code and its quiet zone.
        assert_eq!(buf[(25, 0)].symbol(), " ");
        assert_eq!(buf[(25, 0)].bg, Color::Reset);
        assert_eq!(buf[(0, 13)].bg, Color::Reset);
        Ok(())
    }

    #[test]
    fn the_quiet_zone_narrows_to_fit_and_stops_at_two_modules() -> Result<(), String> {
        let matrix = QrMatrix::encode("otpauth://totp/x")?;
        assert_eq!(matrix.quiet_zone_to_fit(100, 100), Some(4));
        assert_eq!(matrix.quiet_zone_to_fit(27, 14), Some(3));
        assert_eq!(matrix.quiet_zone_to_fit(25, 13), Some(2));
        assert_eq!(matrix.quiet_zone_to_fit(24, 13), None);
        assert_eq!(matrix.quiet_zone_to_fit(25, 12), None);
        Ok(())
    }
}
