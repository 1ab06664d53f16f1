//! QR labels as a PDF: the product's code as a QR symbol, its name and SKU beside it, on A4
//! sheets cut into a grid or one label per page for a label printer. The text is set in Fira
//! Sans, the kiosk's own font, embedded in the file (Latin with Uzbek letters, and Cyrillic).

use std::str::FromStr;

use printpdf::path::PaintMode;
use printpdf::{Color, Greyscale, IndirectFontRef, Mm, PdfDocument, PdfLayerReference, Rect};

const A4: (f32, f32) = (210.0, 297.0);

/// How labels are laid out on paper.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sheet {
    /// An A4 sheet of `cols` × `rows` labels (3x8: 70 × 37 mm stickers).
    Grid { cols: u32, rows: u32 },
    /// One label per page of this size in mm, for a label printer (58x40).
    Label { width: f32, height: f32 },
}

impl Sheet {
    pub fn grid(text: &str) -> Result<Sheet, String> {
        let (cols, rows) = pair::<u32>(text)?;
        if !(1..=10).contains(&cols) || !(1..=20).contains(&rows) {
            return Err(format!("grid {text}: use 1–10 columns and 1–20 rows, e.g. 3x8"));
        }
        Ok(Sheet::Grid { cols, rows })
    }

    pub fn label(text: &str) -> Result<Sheet, String> {
        let (width, height) = pair::<f32>(text)?;
        if !(20.0..=210.0).contains(&width) || !(15.0..=297.0).contains(&height) {
            return Err(format!("label {text}: width 20–210 mm and height 15–297 mm, e.g. 58x40"));
        }
        Ok(Sheet::Label { width, height })
    }

    fn page_size(self) -> (f32, f32) {
        match self {
            Sheet::Grid { .. } => A4,
            Sheet::Label { width, height } => (width, height),
        }
    }

    fn per_page(self) -> usize {
        match self {
            Sheet::Grid { cols, rows } => (cols * rows) as usize,
            Sheet::Label { .. } => 1,
        }
    }

    /// Lower-left corner and size of label `i` on its page.
    fn cell(self, i: usize) -> (f32, f32, f32, f32) {
        match self {
            Sheet::Grid { cols, rows } => {
                let (w, h) = (A4.0 / cols as f32, A4.1 / rows as f32);
                let (col, row) = ((i as u32 % cols) as f32, (i as u32 / cols) as f32);
                (col * w, A4.1 - (row + 1.0) * h, w, h)
            }
            Sheet::Label { width, height } => (0.0, 0.0, width, height),
        }
    }
}

fn pair<T: FromStr>(text: &str) -> Result<(T, T), String> {
    let bad = || format!("`{text}`: write it as AxB, e.g. 3x8 or 58x40");
    let (a, b) = text.trim().split_once(['x', 'X', '×']).ok_or_else(bad)?;
    Ok((a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?))
}

/// What one label shows.
#[derive(Debug, Clone)]
pub struct Label {
    /// The text inside the QR symbol: what the scanner types.
    pub code: String,
    pub name: String,
    pub sku: String,
}

/// The PDF with every label, in order.
pub fn render(labels: &[Label], sheet: Sheet, title: &str) -> Result<Vec<u8>, String> {
    let (pw, ph) = sheet.page_size();
    let (doc, first_page, first_layer) = PdfDocument::new(title, Mm(pw), Mm(ph), "labels");
    let font = doc.add_external_font(iced_graphics::text::FIRA_SANS_REGULAR).map_err(|e| format!("font: {e}"))?;
    let mut layer = doc.get_page(first_page).get_layer(first_layer);
    for (n, label) in labels.iter().enumerate() {
        let slot = n % sheet.per_page();
        if n > 0 && slot == 0 {
            let (page, l) = doc.add_page(Mm(pw), Mm(ph), "labels");
            layer = doc.get_page(page).get_layer(l);
        }
        draw_label(&layer, &font, label, sheet.cell(slot))?;
    }
    doc.save_to_bytes().map_err(|e| format!("writing the PDF: {e}"))
}

fn draw_label(layer: &PdfLayerReference, font: &IndirectFontRef, label: &Label, (x, y, w, h): (f32, f32, f32, f32)) -> Result<(), String> {
    let pad = (h * 0.06).clamp(1.5, 4.0);
    // The QR symbol on the left, as tall as the label allows (its quiet zone included).
    let side = (h - 2.0 * pad).min(w * 0.55);
    draw_qr(layer, &label.code, x + pad * 0.5, y + (h - side) / 2.0, side)?;
    // Name (up to three lines) and SKU on the right.
    let text_x = x + pad * 0.5 + side + pad * 0.5;
    let text_w = (x + w - pad) - text_x;
    let size = (h * 0.30).clamp(6.0, 11.0); // points
    let line_h = size * 0.3528 * 1.25; // points → mm, with leading
    let mut lines = wrap(&label.name, text_w, size, 3);
    lines.push(String::new());
    lines.push(fit(&format!("SKU: {}", label.sku), text_w, size * 0.85));
    let block = lines.len() as f32 * line_h;
    let mut baseline = y + (h + block) / 2.0 - line_h * 0.8;
    layer.set_fill_color(black());
    for (i, line) in lines.iter().enumerate() {
        let s = if i + 1 == lines.len() { size * 0.85 } else { size };
        layer.use_text(line.as_str(), s, Mm(text_x), Mm(baseline), font);
        baseline -= line_h;
    }
    Ok(())
}

fn black() -> Color {
    Color::Greyscale(Greyscale::new(0.0, None))
}

/// The QR symbol of `code` in a `side` mm square with its 4-module quiet zone; runs of dark
/// modules in a row are one rectangle each (a page of 24 labels stays small).
fn draw_qr(layer: &PdfLayerReference, code: &str, x: f32, y: f32, side: f32) -> Result<(), String> {
    let qr = qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| format!("QR code for `{code}`: {e}"))?;
    let n = qr.width();
    let module = side / (n as f32 + 8.0);
    let dark = qr.to_colors();
    layer.set_fill_color(black());
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if dark[row * n + col] != qrcode::Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && dark[row * n + col] == qrcode::Color::Dark {
                col += 1;
            }
            let x0 = x + (4 + start) as f32 * module;
            let x1 = x + (4 + col) as f32 * module;
            let top = y + side - (4 + row) as f32 * module;
            layer.add_rect(Rect::new(Mm(x0), Mm(top - module), Mm(x1), Mm(top)).with_mode(PaintMode::Fill));
        }
    }
    Ok(())
}

/// Fira Sans is about half an em wide per character on average: good enough to wrap by.
fn text_width_mm(text: &str, size_pt: f32) -> f32 {
    text.chars().count() as f32 * size_pt * 0.3528 * 0.52
}

fn fit(text: &str, width: f32, size: f32) -> String {
    if text_width_mm(text, size) <= width {
        return text.to_string();
    }
    let mut s: String = text.to_string();
    while !s.is_empty() && text_width_mm(&format!("{s}…"), size) > width {
        s.pop();
    }
    format!("{}…", s.trim_end())
}

/// Word-wraps into at most `max_lines`, the last one cut with "…" when the name is longer.
fn wrap(text: &str, width: f32, size: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![];
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
        if text_width_mm(&candidate, size) <= width || current.is_empty() {
            current = candidate;
        } else {
            lines.push(std::mem::take(&mut current));
            current = word.to_string();
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        let rest = lines[max_lines - 1..].join(" ");
        lines.truncate(max_lines - 1);
        lines.push(rest);
    }
    lines.into_iter().map(|l| fit(&l, width, size)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_sizes() {
        assert_eq!(Sheet::grid("3x8").unwrap(), Sheet::Grid { cols: 3, rows: 8 });
        assert_eq!(Sheet::label("58x40").unwrap(), Sheet::Label { width: 58.0, height: 40.0 });
        assert!(Sheet::grid("0x8").is_err() && Sheet::grid("three").is_err() && Sheet::label("5x4").is_err());
        let g = Sheet::Grid { cols: 3, rows: 8 };
        assert_eq!(g.cell(0), (0.0, 297.0 - 297.0 / 8.0, 70.0, 297.0 / 8.0));
        assert_eq!(g.cell(4).0, 70.0);
    }

    #[test]
    fn long_names_wrap_and_are_cut() {
        let lines = wrap("Sement M400 portlandsement 50 kg qop Qizilqumsement zavodi mahsuloti", 30.0, 9.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…'));
        assert_eq!(wrap("Bolt", 30.0, 9.0, 3), vec!["Bolt"]);
    }
}
