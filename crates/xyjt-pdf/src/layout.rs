//! The report's page layout, without drawing: what goes where on which A4 page. Pure (text
//! widths come from a [`Measure`]), so the layout is tested without rendering a PDF.

use xyjt_verify::report::{CreditReport, Fact};

/// A4 in PDF points (210 × 297 mm).
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
pub const MARGIN_X: f32 = 56.0;
const MARGIN_TOP: f32 = 56.0;
/// The footer sits below this line.
const BODY_BOTTOM: f32 = PAGE_HEIGHT - 70.0;
pub const QR_SIZE: f32 = 92.0;

/// The sections of a report in the order of the national 公共信用信息报告 layout; a section
/// with no fact is printed with “暂无记录” so a reader sees it was looked at.
pub const SECTIONS: [&str; 7] = [
    "基本信息",
    "行政许可",
    "行政处罚",
    "红黑名单",
    "信用承诺",
    "信用评价",
    "政务诚信",
];

/// Advance width of a character, in ems.
pub trait Measure {
    fn advance(&self, c: char) -> f32;

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }
}

/// Text ink: black, dark grey for labels, light grey for proofs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    Black,
    Dark,
    Light,
    Accent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        ink: Ink,
        text: String,
    },
    /// A filled band (section headings) or rule.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        ink: Ink,
    },
    /// The QR code's dark modules, `module` points each, from the top-left corner.
    Qr {
        x: f32,
        y: f32,
        module: f32,
        width: usize,
        dark: Vec<bool>,
    },
    /// A link to the verification page over this area.
    Link { x: f32, y: f32, w: f32, h: f32 },
}

/// What the layout needs besides the report.
pub struct Inputs<'a> {
    /// The absolute address of the report's verification page (the QR code's content).
    pub verify_url: &'a str,
    /// The QR code of `verify_url`: modules per side and dark modules row by row.
    pub qr: (usize, Vec<bool>),
}

/// Characters a line may not start with (标点禁则): they stay at the end of the line before.
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】〕,.;:?!)]%”’".contains(c)
}

/// Breaks `text` into lines no wider than `width` (closing punctuation may hang over).
pub fn wrap(m: &dyn Measure, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0.0;
        for c in paragraph.chars() {
            let w = m.advance(c) * size;
            // One closing mark may hang past the margin; a second one breaks the line.
            let hangs = no_line_start(c) && used <= width;
            if used + w > width && !line.is_empty() && !hangs {
                lines.push(std::mem::take(&mut line));
                used = 0.0;
            }
            line.push(c);
            used += w;
        }
        lines.push(line);
    }
    lines
}

/// The checkpoint's tree size and root hash (its second and third lines).
fn checkpoint_summary(note: &str) -> (String, String) {
    let mut lines = note.lines().skip(1);
    let size = lines.next().unwrap_or_default().to_string();
    let root = lines.next().unwrap_or_default().to_string();
    (size, root)
}

struct Pages<'m> {
    m: &'m dyn Measure,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Pages<'_> {
    fn current(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Room for `h` more points on this page, or a new page.
    fn need(&mut self, h: f32) {
        if self.y + h > BODY_BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN_TOP;
        }
    }

    fn text(&mut self, x: f32, size: f32, ink: Ink, text: &str) {
        let baseline = self.y + size;
        self.current().push(Op::Text {
            x,
            y: baseline,
            size,
            ink,
            text: text.to_string(),
        });
    }

    /// A paragraph at `x`, wrapped to the right margin, `leading` times its size per line.
    fn paragraph(&mut self, x: f32, size: f32, ink: Ink, text: &str) {
        let width = PAGE_WIDTH - MARGIN_X - x;
        for line in wrap(self.m, text, size, width) {
            self.need(size * 1.5);
            self.text(x, size, ink, &line);
            self.y += size * 1.5;
        }
    }

    /// `label：value`, the value wrapped under itself.
    fn field(&mut self, x: f32, size: f32, label: &str, value: &str) {
        let label = format!("{label}：");
        let full = PAGE_WIDTH - MARGIN_X - x;
        let value = if value.is_empty() { "—" } else { value };
        let label_w = self.m.width(&label, size);
        if label_w > full * 0.4 {
            // A label too long to sit beside its value goes above it.
            self.paragraph(x, size, Ink::Dark, &label);
            self.paragraph(x, size, Ink::Black, value);
            return;
        }
        let width = full - label_w;
        let lines = wrap(self.m, value, size, width);
        for (i, line) in lines.iter().enumerate() {
            self.need(size * 1.55);
            if i == 0 {
                self.text(x, size, Ink::Dark, &label);
            }
            self.text(x + label_w, size, Ink::Black, line);
            self.y += size * 1.55;
        }
    }

    fn heading(&mut self, text: &str) {
        self.need(52.0);
        self.y += 8.0;
        let y = self.y;
        self.current().push(Op::Rect {
            x: MARGIN_X,
            y,
            w: PAGE_WIDTH - 2.0 * MARGIN_X,
            h: 20.0,
            ink: Ink::Accent,
        });
        self.y += 4.0;
        self.text(MARGIN_X + 6.0, 11.5, Ink::Black, text);
        self.y = y + 28.0;
    }

    fn fact(&mut self, index: usize, f: &Fact) {
        // Keep a fact's title with its first lines.
        self.need(60.0);
        self.paragraph(
            MARGIN_X + 4.0,
            10.5,
            Ink::Black,
            &format!("{index}. {}", f.title),
        );
        for field in &f.fields {
            self.field(MARGIN_X + 16.0, 9.0, &field.label, &field.value);
        }
        let proof = format!(
            "账本证明：事件 #{} · 事件哈希 {} · 叶哈希 {} · 包含证明 {} 个节点 · 摘要 {}",
            f.seq,
            short(&f.event_hash),
            short(&f.leaf_hash),
            f.proof.len(),
            short(&f.digest)
        );
        self.paragraph(MARGIN_X + 16.0, 7.0, Ink::Light, &proof);
        self.y += 6.0;
    }
}

/// The first 16 hex digits of a hash, enough to find it in the JSON.
fn short(hex: &str) -> String {
    let head: String = hex.chars().take(16).collect();
    if hex.chars().count() > 16 {
        format!("{head}…")
    } else {
        head
    }
}

/// Chinese section numbers for up to ten sections.
fn ordinal(i: usize) -> &'static str {
    ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
        .get(i)
        .copied()
        .unwrap_or("十")
}

/// Lays the report out on A4 pages. Every page gets the footer (number, fingerprint, page n of
/// m) once the page count is known.
pub fn layout(m: &dyn Measure, r: &CreditReport, inputs: &Inputs<'_>) -> Vec<Vec<Op>> {
    let mut p = Pages {
        m,
        pages: vec![Vec::new()],
        y: MARGIN_TOP,
    };

    // Title block, with the QR code to the verification page at the top right.
    let title = "公共信用信息报告";
    let title_w = m.width(title, 22.0);
    p.text((PAGE_WIDTH - title_w) / 2.0, 22.0, Ink::Black, title);
    p.y += 34.0;
    let sub = "（信用交通 · 交通运输信用信息平台出具）";
    let sub_w = m.width(sub, 10.0);
    p.text((PAGE_WIDTH - sub_w) / 2.0, 10.0, Ink::Dark, sub);
    p.y += 28.0;

    let qr_x = PAGE_WIDTH - MARGIN_X - QR_SIZE;
    let qr_y = p.y;
    let (qr_width, dark) = inputs.qr.clone();
    p.current().push(Op::Qr {
        x: qr_x,
        y: qr_y,
        module: QR_SIZE / qr_width.max(1) as f32,
        width: qr_width,
        dark,
    });
    p.current().push(Op::Link {
        x: qr_x,
        y: qr_y,
        w: QR_SIZE,
        h: QR_SIZE,
    });
    let caption = "扫码核验本报告";
    let cap_w = m.width(caption, 8.0);
    p.current().push(Op::Text {
        x: qr_x + (QR_SIZE - cap_w) / 2.0,
        y: qr_y + QR_SIZE + 11.0,
        size: 8.0,
        ink: Ink::Dark,
        text: caption.to_string(),
    });

    let (tree_size, root) = checkpoint_summary(&r.checkpoint);
    let meta = [
        ("报告编号", r.number.clone()),
        ("报告主体", r.subject.name.clone()),
        ("出具时间", r.issued_at.clone()),
        ("有效期至", r.valid_until.clone()),
        ("签发方", r.issuer.clone()),
        ("公钥指纹", r.key_fingerprint.clone()),
        ("签名检查点", format!("树大小 {tree_size} · 根哈希 {root}")),
    ];
    // The meta block stays left of the QR code.
    for (label, value) in meta {
        let label = format!("{label}：");
        let size = 9.5;
        let label_w = m.width(&label, size);
        let width = qr_x - 12.0 - MARGIN_X - label_w;
        for (i, line) in wrap(m, &value, size, width).iter().enumerate() {
            if i == 0 {
                p.text(MARGIN_X, size, Ink::Dark, &label);
            }
            p.text(MARGIN_X + label_w, size, Ink::Black, line);
            p.y += size * 1.6;
        }
    }
    p.y = p.y.max(qr_y + QR_SIZE + 18.0);

    // Sections: the known ones in order, then any other the report holds.
    let mut sections: Vec<&str> = SECTIONS.to_vec();
    for f in &r.facts {
        if !sections.contains(&f.section.as_str()) {
            sections.push(&f.section);
        }
    }
    // Government-integrity records are a section of departments' reports only.
    let is_department = r.facts.iter().any(|f| {
        f.section == "政务诚信"
            || f.fields
                .iter()
                .any(|l| l.label == "主体性质" && l.value == "政府部门")
    });
    let mut n = 0;
    for section in sections {
        let facts: Vec<&Fact> = r.facts.iter().filter(|f| f.section == section).collect();
        if section == "政务诚信" && !is_department {
            continue;
        }
        p.heading(&format!("{}、{section}", ordinal(n)));
        n += 1;
        if section == "基本信息" {
            // The fact's own fields when the ledger holds it; else what the report names.
            match facts.first() {
                Some(f) => {
                    for l in &f.fields {
                        p.field(MARGIN_X + 16.0, 9.0, &l.label, &l.value);
                    }
                }
                None => {
                    p.field(MARGIN_X + 16.0, 9.0, "名称", &r.subject.name);
                    p.field(MARGIN_X + 16.0, 9.0, "类别", &r.subject.kind);
                    for c in &r.subject.codes {
                        p.field(MARGIN_X + 16.0, 9.0, &c.label, &c.value);
                    }
                }
            }
            if let Some(f) = facts.first() {
                let proof = format!(
                    "账本证明：事件 #{} · 事件哈希 {} · 包含证明 {} 个节点",
                    f.seq,
                    short(&f.event_hash),
                    f.proof.len()
                );
                p.paragraph(MARGIN_X + 16.0, 7.0, Ink::Light, &proof);
            }
            p.y += 4.0;
            continue;
        }
        if facts.is_empty() {
            p.need(16.0);
            p.text(MARGIN_X + 4.0, 9.0, Ink::Dark, "暂无记录。");
            p.y += 18.0;
            continue;
        }
        for (i, f) in facts.iter().enumerate() {
            p.fact(i + 1, f);
        }
    }

    p.heading(&format!("{}、说明", ordinal(n)));
    let notes = [
        format!(
            "1. 本报告依据平台信用账本截至签名检查点（树大小 {tree_size}）的记录生成，仅含依法公示的信息；身份证号等个人信息已按公示要求遮蔽。"
        ),
        "2. 每项事实附有其账本事件的哈希、默克尔树叶哈希与在检查点中的包含证明（完整证明见同名 JSON 报告，已作为附件嵌入本 PDF）。报告整体由平台私钥签名，公钥指纹见上。".to_string(),
        format!(
            "3. 核验：扫描二维码或访问 {}；或离线执行 xyjt report verify 报告.json --pubkey ledger.pub（公钥见平台“账本检查点与公钥”页）。",
            inputs.verify_url
        ),
        format!(
            "4. 本报告有效期至 {}。有效期后或信息变更后，请重新出具。对报告内容有异议的，可通过平台“信用异议”提出。",
            r.valid_until
        ),
    ];
    for note in &notes {
        p.paragraph(MARGIN_X + 4.0, 8.5, Ink::Dark, note);
    }

    // Footers, now that the page count is known.
    let total = p.pages.len();
    for (i, page) in p.pages.iter_mut().enumerate() {
        page.push(Op::Rect {
            x: MARGIN_X,
            y: PAGE_HEIGHT - 52.0,
            w: PAGE_WIDTH - 2.0 * MARGIN_X,
            h: 0.5,
            ink: Ink::Light,
        });
        page.push(Op::Text {
            x: MARGIN_X,
            y: PAGE_HEIGHT - 40.0,
            size: 7.5,
            ink: Ink::Dark,
            text: format!("报告编号 {} · 公钥指纹 {}", r.number, r.key_fingerprint),
        });
        let n = format!("第 {} 页 / 共 {total} 页", i + 1);
        page.push(Op::Text {
            x: PAGE_WIDTH - MARGIN_X - m.width(&n, 7.5),
            y: PAGE_HEIGHT - 28.0,
            size: 7.5,
            ink: Ink::Dark,
            text: n,
        });
    }
    p.pages
}
