//! Loading the policies once: the shipped defaults, or the files of a policy directory
//! (`--policy-dir` / `XYJT_POLICY_DIR`; a file not there keeps its default), and a newer holiday
//! calendar (`--calendar` / `XYJT_CALENDAR`).

use crate::{AppError, AppResult};
use std::path::Path;
use xyjt_core::policies::{
    ASSESSMENT_FILE, CALENDAR_FILE, COMMITMENTS_FILE, DEADLINES_FILE, DISCLOSURE_FILE,
    DISCRETION_FILE, EVALUATION_FILE, INSPECTION_FILE, INTEGRITY_FILE, LIMITS_FILE, LISTS_FILE,
    ORG_TREE_FILE, PUBLICITY_FILE, Policies, PolicyTexts,
};
use xyjt_core::policies::{CHECKPOINTS_FILE, EXCHANGE_FILE};

fn read(path: &Path) -> AppResult<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AppError::invalid(format!(
            "读取政策文件 {} 失败：{e}",
            path.display()
        ))),
    }
}

/// The policies from `dir` (each file missing keeps its default) and `calendar` (a calendar
/// file that replaces the directory's or the built-in one).
pub fn load(dir: Option<&Path>, calendar: Option<&Path>) -> AppResult<Policies> {
    let mut texts = PolicyTexts::default();
    if let Some(dir) = dir {
        if !dir.is_dir() {
            return Err(AppError::invalid(format!(
                "政策目录 {} 不存在",
                dir.display()
            )));
        }
        let file = |name: &str| read(&dir.join(name));
        texts = PolicyTexts {
            publicity: file(PUBLICITY_FILE)?,
            deadlines: file(DEADLINES_FILE)?,
            commitments: file(COMMITMENTS_FILE)?,
            org: file(ORG_TREE_FILE)?,
            calendar: file(CALENDAR_FILE)?,
            lists: file(LISTS_FILE)?,
            evaluation: file(EVALUATION_FILE)?,
            inspection: file(INSPECTION_FILE)?,
            discretion: file(DISCRETION_FILE)?,
            integrity: file(INTEGRITY_FILE)?,
            assessment: file(ASSESSMENT_FILE)?,
            limits: file(LIMITS_FILE)?,
            disclosure: file(DISCLOSURE_FILE)?,
            checkpoints: file(CHECKPOINTS_FILE)?,
            exchange: file(EXCHANGE_FILE)?,
        };
    }
    if let Some(path) = calendar {
        texts.calendar = Some(
            read(path)?
                .ok_or_else(|| AppError::invalid(format!("日历文件 {} 不存在", path.display())))?,
        );
    }
    Policies::from_texts(&texts).map_err(AppError::invalid)
}
