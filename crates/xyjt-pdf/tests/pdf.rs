//! The PDF report read back by independent tools, as a reader's machine would: poppler
//! (`pdfinfo`, `pdffonts`, `pdftotext`, `pdfdetach`, `pdftoppm`) and zbar (`zbarimg`) for the QR
//! code — Debian's poppler-utils and zbar-tools, installed by `scripts/install-browser.sh`.
//! Without them the test fails under CI (`CI` set) and is reported as not run elsewhere.

use std::path::{Path, PathBuf};
use std::process::Command;
use xyjt_verify::report::{CreditReport, Fact, Labelled, ReportSubject};

fn l(label: &str, value: &str) -> Labelled {
    Labelled {
        label: label.into(),
        value: value.into(),
    }
}

fn fact(section: &str, title: &str, fields: Vec<Labelled>, seq: u64) -> Fact {
    Fact {
        section: section.into(),
        title: title.into(),
        fields,
        seq,
        event_hash: format!("{seq:064x}"),
        leaf_hash: format!("{:064x}", seq * 7),
        proof: vec!["ab".repeat(32); 5],
        digest: "cd".repeat(32),
    }
}

/// A report with every section, a value long enough to wrap, a character beyond GBK, and
/// enough penalties to need several pages.
fn report() -> CreditReport {
    let mut facts = vec![fact(
        "基本信息",
        "东湖市顺达运输有限公司",
        vec![
            l("名称", "东湖市顺达运输有限公司"),
            l("类别", "法人及非法人组织"),
            l("统一社会信用代码", "91330100MA2H3Y7X4N"),
        ],
        1,
    )];
    for i in 0..24 {
        facts.push(fact(
            "行政处罚",
            &format!("东交罚〔2026〕{}号", 100 + i),
            vec![
                l("决定日期", "2026-03-02"),
                l("决定机关", "东湖市交通运输局"),
                l(
                    "内容",
                    "未按规定对车辆进行维护和检测，道路运输车辆技术状况不符合国家标准，依据《道路运输条例》第七十条处以罚款；当事人已于期限内缴纳罚款并完成整改，经复查合格。",
                ),
                l("公示期至", "2027-03-02"),
            ],
            10 + i,
        ));
    }
    facts.push(fact(
        "红黑名单",
        "严重失信主体名单",
        vec![l("列入日期", "2026-05-01"), l("认定单位", "𠮷城交通局")],
        90,
    ));
    CreditReport {
        format: "xyjt-credit-report/1".into(),
        number: "XYBG20261130ABCDEF12".into(),
        issued_at: "2026-11-30T04:20:59Z".into(),
        valid_until: "2026-12-30".into(),
        issuer: "xyjt.local/credit-ledger".into(),
        key_fingerprint: "xyjt.local/credit-ledger+1a2b3c4d".into(),
        verify_url: "https://credit.example.gov.cn/reports/verify?number=XYBG20261130ABCDEF12"
            .into(),
        subject: ReportSubject {
            id: "s-1".into(),
            name: "东湖市顺达运输有限公司".into(),
            kind: "法人及非法人组织".into(),
            codes: vec![l("统一社会信用代码", "91330100MA2H3Y7X4N")],
        },
        facts,
        checkpoint: "xyjt.local/credit-ledger\n120\nq83vEjRjTCSGtmPJnWhfVvZ+h5ZgcVs9n9Qxd1cSD3w=\n\n— xyjt.local/credit-ledger AAAA\n".into(),
        signature: "sig".into(),
    }
}

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("-v").output().is_ok();
    if !found && std::env::var_os("CI").is_some() {
        panic!("{name} is missing: run scripts/install-browser.sh");
    }
    found
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pdf-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_pdf_is_a4_embeds_its_font_and_reads_back_in_chinese() {
    let r = report();
    let bytes = xyjt_pdf::render(&r, &r.verify_url).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    // A subset, not the 5 MB font: the report uses a few hundred glyphs.
    assert!(bytes.len() < 400_000, "{} bytes", bytes.len());
    if !(tool("pdfinfo") && tool("zbarimg")) {
        eprintln!("poppler-utils / zbar-tools not installed: the PDF was not read back");
        return;
    }
    let dir = scratch("a4");
    let pdf = dir.join("report.pdf");
    std::fs::write(&pdf, &bytes).unwrap();
    let p = pdf.to_str().unwrap();

    let info = run("pdfinfo", &[p]);
    assert!(info.contains("595.28 x 841.89 pts (A4)"), "{info}");
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pages >= 3, "24 penalties need several pages: {pages}");
    assert!(info.contains("XYBG20261130ABCDEF12"), "title: {info}");

    // One font, embedded as a subset (its name gets the six-letter tag).
    let fonts = run("pdffonts", &[p]);
    let font_line = fonts
        .lines()
        .find(|l| l.contains("NotoSansCJKsc"))
        .unwrap_or_else(|| panic!("{fonts}"));
    assert!(font_line.contains("+NotoSansCJKsc"), "{font_line}");
    let cols: Vec<&str> = font_line.split_whitespace().collect();
    assert_eq!(
        &cols[cols.len() - 5..cols.len() - 2],
        ["yes", "yes", "yes"],
        "emb sub uni: {font_line}"
    );

    let text = run("pdftotext", &["-layout", p, "-"]);
    for needle in [
        "公共信用信息报告",
        "东湖市顺达运输有限公司",
        "XYBG20261130ABCDEF12",
        "xyjt.local/credit-ledger+1a2b3c4d",
        "树大小 120",
        "行政处罚",
        "东交罚〔2026〕123号",
        "二、行政许可",
        "暂无记录",
        "第1页/共",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    // A character beyond GBK is shown as a gap, not as a wrong glyph.
    assert!(text.contains("□城交通局"), "{text}");
    // Every page has the footer.
    assert_eq!(text.matches("报告编号 XYBG20261130ABCDEF12").count(), pages);

    // The signed JSON rides along.
    let listed = run("pdfdetach", &["-list", p]);
    assert!(listed.contains("XYBG20261130ABCDEF12.json"), "{listed}");
    let out = dir.join("attached.json");
    run("pdfdetach", &["-save", "1", "-o", out.to_str().unwrap(), p]);
    let attached: CreditReport =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(attached, r);

    // The QR code scans to the verification page.
    let png = dir.join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            p,
            png.to_str().unwrap(),
        ],
    );
    let image = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .unwrap();
    let scanned = run("zbarimg", &["--quiet", "--raw", image.to_str().unwrap()]);
    assert_eq!(scanned.trim(), r.verify_url);
}
