//! `keys`, `checkpoint` and `witness`: the ledger's signing key, its signed checkpoints, and a
//! witness that refuses a checkpoint inconsistent with the ones it has seen.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use xyjt_app::ledger_proofs as lp;

use crate::workflows::report_refusal;

#[derive(Args, Clone)]
pub struct KeyArg {
    /// The ledger's private signing key (ledger.key from `xyjt keys init`)
    #[arg(long = "key", env = "XYJT_SIGNING_KEY")]
    pub key: PathBuf,
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Make a new Ed25519 signing key: DIR/ledger.key (private, mode 0600) and DIR/ledger.pub
    Init {
        /// The directory to write the two files into (an existing ledger.key is never overwritten)
        #[arg(long)]
        out: PathBuf,
        /// The key's name, which is the log's origin line (default: the policy's origin)
        #[arg(long)]
        name: Option<String>,
    },
}

pub fn keys(command: KeysCommand) -> Result<ExitCode> {
    match command {
        KeysCommand::Init { out, name } => {
            let origin = match name {
                Some(n) => n,
                None => crate::load_policies(None)?.checkpoints.origin,
            };
            let signer = match lp::generate_key(&origin) {
                Ok(s) => s,
                Err(e) => return Ok(report_refusal(&e, false)),
            };
            match lp::write_keys(&out, &signer) {
                Ok((key, public)) => {
                    let v = signer.verifier();
                    outln!("私钥：{}（权限 0600，请妥善保管）", key.display());
                    outln!("公钥：{}", public.display());
                    outln!("公钥指纹：{}", v.fingerprint());
                    outln!("{}", v.encode());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(report_refusal(&e, false)),
            }
        }
    }
}

/// `xyjt checkpoint`: sign the ledger's current tree head, keep it, print the note.
pub async fn checkpoint(db: &str, key: &KeyArg, json: bool) -> Result<ExitCode> {
    let signer = match lp::load_signer(&key.key) {
        Ok(s) => s,
        Err(e) => return Ok(report_refusal(&e, json)),
    };
    let store = xyjt_store::open(db).await?;
    let cp = lp::sign_checkpoint(store.as_ref(), &signer, chrono::Utc::now())
        .await
        .context("签署检查点")?;
    if json {
        outln!("{}", serde_json::to_string(&cp)?);
    } else {
        print!("{}", cp.note);
    }
    Ok(ExitCode::SUCCESS)
}

/// `xyjt verify --checkpoint FILE --pubkey ledger.pub`: is the ledger a consistent extension
/// of that checkpoint?
pub async fn against_checkpoint(
    store: &dyn xyjt_store::Store,
    checkpoint: &std::path::Path,
    pubkey: &std::path::Path,
) -> Result<Result<lp::CheckpointVerdict, xyjt_app::AppError>> {
    let key = match lp::load_verifier(pubkey) {
        Ok(k) => k,
        Err(e) => return Ok(Err(e)),
    };
    let note = match std::fs::read_to_string(checkpoint) {
        Ok(n) => n,
        Err(e) => {
            return Ok(Err(xyjt_app::AppError::invalid(format!(
                "读取检查点 {} 失败：{e}",
                checkpoint.display()
            ))));
        }
    };
    Ok(Ok(lp::verify_against(store, &note, &key).await?))
}

#[derive(Args)]
pub struct WitnessArgs {
    /// The witness's directory: the checkpoints it accepted (latest.checkpoint and one file each)
    #[arg(long)]
    pub state: PathBuf,
    /// The log's public key (ledger.pub)
    #[arg(long)]
    pub pubkey: PathBuf,
    /// The new signed checkpoint (from GET /api/v1/ledger/checkpoint or `xyjt checkpoint`)
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// The consistency proof from the last accepted size to the new one, as JSON from
    /// GET /api/v1/ledger/proof/consistency
    #[arg(long, conflicts_with = "db")]
    pub proof: Option<PathBuf>,
    /// Or take the consistency proof from this database
    #[arg(long)]
    pub db: Option<String>,
    /// The witness's own signing key: add its cosignature line and print the cosigned note
    #[arg(long)]
    pub cosign_key: Option<PathBuf>,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

pub async fn witness(args: WitnessArgs) -> Result<ExitCode> {
    let json = args.json;
    let run = async {
        let key = lp::load_verifier(&args.pubkey)?;
        let note = std::fs::read_to_string(&args.checkpoint).map_err(|e| {
            xyjt_app::AppError::invalid(format!(
                "读取检查点 {} 失败：{e}",
                args.checkpoint.display()
            ))
        })?;
        let cosigner = args
            .cosign_key
            .as_deref()
            .map(lp::load_signer)
            .transpose()?;
        let new = xyjt_verify::note::Checkpoint::open(&note, &key)
            .map_err(|e| xyjt_app::AppError::invalid(format!("检查点无效：{e}")))?;
        let proof = match (&args.proof, &args.db) {
            (Some(path), _) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    xyjt_app::AppError::invalid(format!("读取 {} 失败：{e}", path.display()))
                })?;
                Some(
                    serde_json::from_str::<lp::ConsistencyView>(&text).map_err(|e| {
                        xyjt_app::AppError::invalid(format!(
                            "{} 不是一致性证明：{e}",
                            path.display()
                        ))
                    })?,
                )
            }
            (None, Some(db)) => {
                let seen = std::fs::read_to_string(args.state.join("latest.checkpoint"))
                    .ok()
                    .and_then(|t| xyjt_verify::note::Checkpoint::open(&t, &key).ok());
                match seen {
                    Some(seen) if seen.size <= new.size => {
                        let store = xyjt_store::open(db)
                            .await
                            .map_err(xyjt_app::AppError::from)?;
                        Some(lp::consistency(store.as_ref(), seen.size, new.size).await?)
                    }
                    _ => None,
                }
            }
            (None, None) => None,
        };
        lp::witness(&args.state, &note, &key, proof.as_ref(), cosigner.as_ref())
    };
    match run.await {
        Ok(w) => {
            if json {
                outln!("{}", serde_json::to_string(&w)?);
            } else {
                match w.previous {
                    Some(p) => outln!("已接受检查点：树大小 {}（此前为 {p}），一致", w.size),
                    None => outln!("已接受检查点：树大小 {}（首次见到此账本）", w.size),
                }
                if let Some(c) = &w.cosigned {
                    print!("{c}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(report_refusal(&e, json)),
    }
}
