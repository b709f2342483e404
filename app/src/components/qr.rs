//! QR codes for survey links, as SVG (to print on a receipt) and PNG (for systems that want a
//! picture), drawn by the `qrcode` crate and encoded by `png`.

use qrcode::{Color, EcLevel, QrCode};

fn code(data: &str) -> Option<QrCode> {
    QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()
}

/// An SVG image of the QR code of `data`.
pub fn svg(data: &str) -> Option<String> {
    let c = code(data)?;
    Some(
        c.render::<qrcode::render::svg::Color>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
    )
}

/// A PNG image (8-bit grey) of the QR code of `data`, `scale` pixels per module.
pub fn png(data: &str, scale: usize) -> Option<Vec<u8>> {
    let c = code(data)?;
    let width = c.width();
    let colors = c.to_colors();
    let quiet = 4;
    let side = (width + 2 * quiet) * scale;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            for dy in 0..scale {
                let row = (y * scale + dy) * side;
                for dx in 0..scale {
                    pixels[row + x * scale + dx] = 0;
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().ok()?;
        w.write_image_data(&pixels).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_both_formats() {
        let s = super::svg("https://langnghe.example/s/abc").unwrap();
        assert!(s.starts_with("<?xml") && s.contains("<svg"));
        let p = super::png("https://langnghe.example/s/abc", 4).unwrap();
        assert_eq!(&p[1..4], b"PNG");
    }
}
