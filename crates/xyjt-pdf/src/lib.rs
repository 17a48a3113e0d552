//! Credit reports (信用报告) as PDF: A4, printable, in Chinese with an OFL-licensed CJK font
//! shipped in this crate (Noto Sans CJK SC, subset to GBK; each PDF embeds only the glyphs it
//! uses), the report number, a QR code to the verification page and the key fingerprint on
//! the page, and the signed JSON report attached, so the PDF carries its own proof.
//!
//! The PDF is a rendering: what is verified is the attached JSON (`xyjt report verify`).

pub mod layout;

use krilla::Document;
use krilla::color::rgb;
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use layout::{Ink, Inputs, Measure, Op};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use xyjt_verify::report::CreditReport;

/// The font: Noto Sans CJK SC Regular, subset to GBK by `scripts/make-report-font.py`
/// (licence: `fonts/OFL.txt`).
pub const FONT: &[u8] = include_bytes!("../fonts/NotoSansCJKsc-Regular-GBK.otf");

/// Shown instead of a character the font lacks (a rare hanzi beyond GBK), so a reader sees a
/// gap rather than a wrong glyph; the attached JSON holds the exact text.
const MISSING: char = '□';

#[derive(Debug)]
pub struct PdfError(String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "无法生成 PDF 信用报告：{}", self.0)
    }
}

impl std::error::Error for PdfError {}

/// Advance widths from the shipped font.
struct FontMeasure {
    font: skrifa::FontRef<'static>,
    units_per_em: f32,
}

impl FontMeasure {
    fn new() -> Result<Self, PdfError> {
        let font =
            skrifa::FontRef::new(FONT).map_err(|e| PdfError(format!("字体无法读取：{e}")))?;
        let units_per_em = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Ok(Self { font, units_per_em })
    }

    fn has(&self, c: char) -> bool {
        self.font.charmap().map(c).is_some()
    }
}

impl Measure for FontMeasure {
    fn advance(&self, c: char) -> f32 {
        let c = if self.has(c) { c } else { MISSING };
        let gid = self.font.charmap().map(c).unwrap_or_default();
        self.font
            .glyph_metrics(Size::unscaled(), LocationRef::default())
            .advance_width(gid)
            .unwrap_or(self.units_per_em)
            / self.units_per_em
    }
}

/// The dark modules of the QR code of `text`, row by row.
pub fn qr_modules(text: &str) -> Result<(usize, Vec<bool>), PdfError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| PdfError(format!("二维码无法生成：{e}")))?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((code.width(), dark))
}

fn colour(ink: Ink) -> rgb::Color {
    match ink {
        Ink::Black => rgb::Color::new(0, 0, 0),
        Ink::Dark => rgb::Color::new(70, 70, 70),
        Ink::Light => rgb::Color::new(120, 120, 120),
        Ink::Accent => rgb::Color::new(222, 232, 243),
    }
}

fn fill(ink: Ink) -> Option<Fill> {
    Some(Fill {
        paint: colour(ink).into(),
        ..Default::default()
    })
}

/// Renders `report` (already signed) as an A4 PDF. `verify_url` is the absolute address of
/// its verification page: the QR code's content and the link on it.
pub fn render(report: &CreditReport, verify_url: &str) -> Result<Vec<u8>, PdfError> {
    let measure = FontMeasure::new()?;
    let inputs = Inputs {
        verify_url,
        qr: qr_modules(verify_url)?,
    };
    let pages = layout::layout(&measure, report, &inputs);
    let font = Font::new(krilla::Data::from(FONT), 0)
        .ok_or_else(|| PdfError("字体无法读取".to_string()))?;
    let settings = PageSettings::from_wh(layout::PAGE_WIDTH, layout::PAGE_HEIGHT)
        .ok_or_else(|| PdfError("页面尺寸无效".to_string()))?;

    let mut doc = Document::new();
    for ops in pages {
        let mut page = doc.start_page_with(settings.clone());
        let mut links = Vec::new();
        {
            let mut surface = page.surface();
            for op in ops {
                match op {
                    Op::Text {
                        x,
                        y,
                        size,
                        ink,
                        text,
                    } => {
                        let text: String = text
                            .chars()
                            .map(|c| if measure.has(c) { c } else { MISSING })
                            .collect();
                        surface.set_fill(fill(ink));
                        surface.draw_text(
                            Point::from_xy(x, y),
                            font.clone(),
                            size,
                            &text,
                            false,
                            TextDirection::Auto,
                        );
                    }
                    Op::Rect { x, y, w, h, ink } => {
                        let mut pb = PathBuilder::new();
                        if let Some(r) = Rect::from_xywh(x, y, w, h) {
                            pb.push_rect(r);
                        }
                        if let Some(path) = pb.finish() {
                            surface.set_fill(fill(ink));
                            surface.draw_path(&path);
                        }
                    }
                    Op::Qr {
                        x,
                        y,
                        module,
                        width,
                        dark,
                    } => {
                        // One path of every dark module, filled once.
                        let mut pb = PathBuilder::new();
                        for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
                            let (col, row) = (i % width, i / width);
                            if let Some(r) = Rect::from_xywh(
                                x + col as f32 * module,
                                y + row as f32 * module,
                                module,
                                module,
                            ) {
                                pb.push_rect(r);
                            }
                        }
                        if let Some(path) = pb.finish() {
                            surface.set_fill(fill(Ink::Black));
                            surface.draw_path(&path);
                        }
                    }
                    Op::Link { x, y, w, h } => links.push((x, y, w, h)),
                }
            }
            surface.finish();
        }
        for (x, y, w, h) in links {
            if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                let target = krilla::annotation::Target::Action(krilla::action::Action::Link(
                    krilla::action::LinkAction::new(verify_url.to_string()),
                ));
                page.add_annotation(krilla::annotation::Annotation::new_link(
                    krilla::annotation::LinkAnnotation::new(rect, target),
                    Some("核验本报告".to_string()),
                ));
            }
        }
        page.finish();
    }

    doc.set_metadata(
        Metadata::new()
            .title(format!("公共信用信息报告 {}", report.number))
            .description(format!("{} 的信用报告", report.subject.name))
            .language("zh-CN".to_string())
            .creator("xyjt".to_string())
            .document_id(report.number.clone()),
    );
    let json = serde_json_report(report)?;
    doc.embed_file(EmbeddedFile {
        path: format!("{}.json", report.number),
        mime_type: MimeType::new("application/json"),
        description: Some("签名的信用报告（xyjt-credit-report/1），可离线核验".to_string()),
        association_kind: AssociationKind::Source,
        data: json.into_bytes().into(),
        modification_date: None,
        compress: Some(true),
        location: None,
    });
    doc.finish().map_err(|e| PdfError(format!("{e:?}")))
}

/// The report's JSON exactly as the JSON download writes it.
fn serde_json_report(report: &CreditReport) -> Result<String, PdfError> {
    serde_json::to_string_pretty(report).map_err(|e| PdfError(e.to_string()))
}
