//! `report issue` and `report verify`: credit reports (信用报告) as signed JSON, checked offline
//! with nothing but `xyjt-verify` and the public key.

use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::DbArg;
use crate::proofs::KeyArg;
use crate::workflows::report_refusal;

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Issue a credit report on a subject (its id, or a USCC / organisation code / 注册号 / 身份证号)
    Issue {
        #[arg(long)]
        subject: String,
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        key: KeyArg,
        /// Where to write it: FILE.json (the signed report) or FILE.pdf (printable A4, the
        /// signed JSON attached)
        #[arg(long)]
        out: PathBuf,
        /// The portal's address as the public reaches it: the report's verification link and
        /// the PDF's QR code point there
        #[arg(long = "public-url", env = "XYJT_PUBLIC_URL", default_value = xyjt_web::DEFAULT_PUBLIC_URL)]
        public_url: String,
    },
    /// Check a report offline: the embedded checkpoint, every fact's digest and inclusion proof,
    /// the report's signature; exit 1 naming the first that fails
    Verify {
        /// The report (FILE.json)
        file: PathBuf,
        /// The ledger's public key (ledger.pub)
        #[arg(long)]
        pubkey: PathBuf,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
}

/// The portal's public address, checked: http(s), no spaces or control characters, no
/// trailing slash. `None` takes `default`.
pub fn public_url(given: Option<&str>, default: &str) -> Result<String> {
    let url = given.unwrap_or(default).trim().trim_end_matches('/');
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > "https://".len()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        anyhow::bail!(
            "--public-url“{url}”无效：应为门户对外的完整地址，如 https://credit.example.gov.cn"
        );
    }
    Ok(url.to_string())
}

pub async fn issue(
    subject: &str,
    db: &str,
    key: &KeyArg,
    out: &std::path::Path,
    public_url: &str,
) -> Result<ExitCode> {
    let refuse = |m: String| Ok(report_refusal(&xyjt_app::AppError::invalid(m), false));
    let pdf = match out.extension().and_then(|e| e.to_str()) {
        Some("json") => false,
        Some("pdf") => true,
        _ => {
            return refuse(format!(
                "{}：输出文件应以 .json 或 .pdf 结尾",
                out.display()
            ));
        }
    };
    let public_url = match self::public_url(Some(public_url), xyjt_web::DEFAULT_PUBLIC_URL) {
        Ok(u) => u,
        Err(e) => return refuse(e.to_string()),
    };
    let signer = match xyjt_app::ledger_proofs::load_signer(&key.key) {
        Ok(s) => s,
        Err(e) => return Ok(report_refusal(&e, false)),
    };
    let policies = crate::load_policies(None)?;
    let store = xyjt_store::open(db).await?;
    let at = xyjt_app::reports::Issue {
        policies: &policies,
        signer: &signer,
        today: xyjt_core::clock::today_in_china(),
        now: chrono::Utc::now(),
        public_url: &public_url,
    };
    let report = match xyjt_app::reports::issue(store.as_ref(), &at, subject).await {
        Ok(r) => r,
        Err(e) => return Ok(report_refusal(&e, false)),
    };
    let bytes = if pdf {
        xyjt_pdf::render(&report, &report.verify_url)?
    } else {
        serde_json::to_string_pretty(&report)?.into_bytes()
    };
    std::fs::write(out, bytes).map_err(|e| anyhow::anyhow!("写入 {} 失败：{e}", out.display()))?;
    outln!(
        "信用报告 {}：{}，{} 项事实，有效期至 {}，已写入 {}",
        report.number,
        report.subject.name,
        report.facts.len(),
        report.valid_until,
        out.display()
    );
    if pdf {
        outln!(
            "PDF 附有签名的 JSON 报告（{}.json）；核验：{}",
            report.number,
            report.verify_url
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Offline: only the file, the key and `xyjt_verify`.
pub fn verify(file: &std::path::Path, pubkey: &std::path::Path, json: bool) -> Result<ExitCode> {
    let fail = |m: String| {
        if json {
            outln!("{}", serde_json::json!({"valid": false, "error": m}));
        } else {
            outln!("信用报告校验失败：{m}");
        }
        Ok(ExitCode::from(1))
    };
    let key_text = match std::fs::read_to_string(pubkey) {
        Ok(t) => t,
        Err(e) => return fail(format!("读取公钥 {} 失败：{e}", pubkey.display())),
    };
    let key = match xyjt_verify::note::VerifierKey::parse(&key_text) {
        Ok(k) => k,
        Err(e) => return fail(format!("{}：{e}", pubkey.display())),
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(format!("读取 {} 失败：{e}", file.display())),
    };
    match xyjt_verify::report::verify(&text, &key) {
        Ok(v) => {
            if json {
                outln!("{}", serde_json::json!({"valid": true, "report": v}));
            } else {
                outln!(
                    "信用报告 {} 校验通过：{}，{} 项事实均在树大小为 {} 的签名检查点中，签发于 {}，有效期至 {}",
                    v.number,
                    v.subject,
                    v.facts,
                    v.tree_size,
                    v.issued_at,
                    v.valid_until
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(e.to_string()),
    }
}
