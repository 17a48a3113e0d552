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
        /// Where to write it: FILE.json (PDF is not built yet)
        #[arg(long)]
        out: PathBuf,
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

pub async fn issue(
    subject: &str,
    db: &str,
    key: &KeyArg,
    out: &std::path::Path,
) -> Result<ExitCode> {
    let refuse = |m: String| Ok(report_refusal(&xyjt_app::AppError::invalid(m), false));
    match out.extension().and_then(|e| e.to_str()) {
        Some("json") => {}
        Some("pdf") => {
            return refuse(format!(
                "{}：PDF 格式的信用报告尚未提供，请输出为 .json",
                out.display()
            ));
        }
        _ => return refuse(format!("{}：输出文件应以 .json 结尾", out.display())),
    }
    let signer = match xyjt_app::ledger_proofs::load_signer(&key.key) {
        Ok(s) => s,
        Err(e) => return Ok(report_refusal(&e, false)),
    };
    let policies = crate::load_policies(None)?;
    let store = xyjt_store::open(db).await?;
    let report = match xyjt_app::reports::issue(
        store.as_ref(),
        &signer,
        subject,
        xyjt_core::clock::today_in_china(),
        chrono::Utc::now(),
        policies.checkpoints.report_validity_days,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return Ok(report_refusal(&e, false)),
    };
    std::fs::write(out, serde_json::to_string_pretty(&report)?)
        .map_err(|e| anyhow::anyhow!("写入 {} 失败：{e}", out.display()))?;
    outln!(
        "信用报告 {}：{}，{} 项事实，有效期至 {}，已写入 {}",
        report.number,
        report.subject.name,
        report.facts.len(),
        report.valid_until,
        out.display()
    );
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
