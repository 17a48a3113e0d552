//! Staff accounts, roles and what each may do where (谁生产、谁审核、谁负责).
//!
//! Every write in the console is authorised by `authorize`: the actor's role must allow the
//! action, and the unit acted for must be the actor's own unit or one below it in the
//! organisation tree (province → city → county, units inside). Reviewing additionally requires
//! a different person from the one who produced the data (`authorize_review`).

use crate::cases::{OrgTree, OrgUnit};
use serde::{Deserialize, Serialize};

/// A staff role (角色).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 录入员: enters and imports records, handles applications.
    Clerk,
    /// 审核员: reviews and publishes what clerks entered; decides applications.
    Reviewer,
    /// 信用管理员: name lists, the four lists, joint cases, decisions on applications.
    CreditAdmin,
    /// 系统管理员: accounts and API tokens.
    SysAdmin,
    /// 接口调用方: a calling system (API token only, no console).
    ApiCaller,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Clerk,
        Role::Reviewer,
        Role::CreditAdmin,
        Role::SysAdmin,
        Role::ApiCaller,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Role::Clerk => "录入员",
            Role::Reviewer => "审核员",
            Role::CreditAdmin => "信用管理员",
            Role::SysAdmin => "系统管理员",
            Role::ApiCaller => "接口调用方",
        }
    }

    pub fn from_label(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| {
            r.label() == s
                || serde_json::to_value(r)
                    .ok()
                    .as_ref()
                    .and_then(|v| v.as_str())
                    == Some(s)
        })
    }
}

/// A staff account (no secret here: the password hash travels separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub login: String,
    pub name: String,
    /// The unit's id in the organisation tree.
    pub unit_id: String,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub disabled: bool,
}

/// What someone wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Enter or import licences and penalties (录入、导入).
    SubmitRecords,
    /// Review and publish what was submitted (审核、发布).
    ReviewRecords,
    /// Steps on objections and repair applications other than the decision (受理、中止、延期、转办).
    HandleApplications,
    /// The written decision on an objection or repair application.
    DecideApplications,
    /// Propose, review, publish and end name-list entries; open joint cases.
    ManageLists,
    /// Adopt a new version of the four lists (province level).
    ManagePolicy,
    /// Create accounts, issue API tokens.
    ManageAccounts,
    /// Read the console (inboxes, dashboards, history).
    ViewConsole,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::SubmitRecords,
        Action::ReviewRecords,
        Action::HandleApplications,
        Action::DecideApplications,
        Action::ManageLists,
        Action::ManagePolicy,
        Action::ManageAccounts,
        Action::ViewConsole,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Action::SubmitRecords => "录入或导入信用信息",
            Action::ReviewRecords => "审核发布信用信息",
            Action::HandleApplications => "办理异议和修复申请",
            Action::DecideApplications => "作出异议和修复决定",
            Action::ManageLists => "管理名单",
            Action::ManagePolicy => "调整四张清单",
            Action::ManageAccounts => "管理账号",
            Action::ViewConsole => "使用管理后台",
        }
    }

    /// The roles that may take this action (within their unit's scope).
    pub fn roles(self) -> &'static [Role] {
        match self {
            Action::SubmitRecords => &[Role::Clerk],
            Action::ReviewRecords => &[Role::Reviewer],
            Action::HandleApplications => &[Role::Clerk, Role::Reviewer, Role::CreditAdmin],
            Action::DecideApplications => &[Role::Reviewer, Role::CreditAdmin],
            Action::ManageLists => &[Role::CreditAdmin],
            Action::ManagePolicy => &[Role::CreditAdmin],
            Action::ManageAccounts => &[Role::SysAdmin],
            Action::ViewConsole => &[
                Role::Clerk,
                Role::Reviewer,
                Role::CreditAdmin,
                Role::SysAdmin,
            ],
        }
    }
}

/// Why an action was refused, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("账号已停用")]
    Disabled,
    #[error("“{action}”需要以下角色之一：{roles}（当前角色：{have}）")]
    Role {
        action: &'static str,
        roles: String,
        have: String,
    },
    #[error("无权代表“{target}”操作：只能操作本单位（{own}）及下级单位的事项")]
    Unit { target: String, own: String },
    #[error("调整四张清单须由省级信用管理员操作")]
    NotProvince,
    #[error("审核须由录入人以外的人员进行（谁生产、谁审核）")]
    SamePerson,
    #[error("单位“{0}”不在组织机构中")]
    UnknownUnit(String),
    #[error("调用方“{caller}”无权代表“{unit}”办理（接口令牌只能办理本单位及下级单位的事项）")]
    Caller { caller: String, unit: String },
}

/// A calling system (接口调用方) is named after a unit and acts — reads as well as writes — only
/// for that unit or a unit below it in the organisation tree: a bureau's system for its
/// detachments, a detachment's system for itself. `caller` and `unit` are unit names.
pub fn caller_acts_for(tree: &OrgTree, caller: &str, unit: &str) -> Result<(), Denied> {
    let inside = caller == unit
        || match (tree.by_name(caller), tree.by_name(unit)) {
            (Some(c), Some(u)) => tree.is_within(&u.id, &c.id),
            _ => false,
        };
    if inside {
        Ok(())
    } else {
        Err(Denied::Caller {
            caller: caller.to_string(),
            unit: unit.to_string(),
        })
    }
}

impl OrgTree {
    pub fn unit(&self, id: &str) -> Option<&OrgUnit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// `unit` is `ancestor` or below it.
    pub fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        let mut cur = Some(unit.to_string());
        while let Some(id) = cur {
            if id == ancestor {
                return true;
            }
            cur = self.unit(&id).and_then(|u| u.parent.clone());
        }
        false
    }

    /// The bureau a unit belongs to: itself, or — for a unit inside a bureau (a 处室 or 执法支队
    /// at the same level as its parent) — the nearest ancestor at a higher level or the root.
    pub fn bureau_of(&self, unit: &str) -> String {
        let mut cur = unit.to_string();
        while let Some(u) = self.unit(&cur) {
            match u.parent.as_deref().and_then(|p| self.unit(p)) {
                Some(parent) if parent.level == u.level => cur = parent.id.clone(),
                _ => break,
            }
        }
        cur
    }

    /// The names of a unit and every unit below it (what it may act for).
    pub fn scope_names(&self, unit: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .unit(unit)
            .map(|u| u.name.clone())
            .into_iter()
            .collect();
        out.extend(self.descendants(unit).into_iter().map(|u| u.name.clone()));
        out
    }
}

/// May `actor` take `action` for `target_unit` (a unit id)?
pub fn authorize(
    actor: &Account,
    action: Action,
    target_unit: &str,
    tree: &OrgTree,
) -> Result<(), Denied> {
    if actor.disabled {
        return Err(Denied::Disabled);
    }
    let allowed = action.roles();
    if !actor.roles.iter().any(|r| allowed.contains(r)) {
        return Err(Denied::Role {
            action: action.label(),
            roles: allowed
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("、"),
            have: if actor.roles.is_empty() {
                "无".into()
            } else {
                actor
                    .roles
                    .iter()
                    .map(|r| r.label())
                    .collect::<Vec<_>>()
                    .join("、")
            },
        });
    }
    let own = tree
        .unit(&actor.unit_id)
        .ok_or_else(|| Denied::UnknownUnit(actor.unit_id.clone()))?;
    if action == Action::ManagePolicy && own.level != "province" {
        return Err(Denied::NotProvince);
    }
    let target = tree
        .unit(target_unit)
        .ok_or_else(|| Denied::UnknownUnit(target_unit.to_string()))?;
    // Managers (信用管理员, 系统管理员) act for their whole bureau; clerks and reviewers for
    // their own unit and the units below it.
    let manages = actor
        .roles
        .iter()
        .any(|r| allowed.contains(r) && matches!(r, Role::CreditAdmin | Role::SysAdmin));
    let root = if manages {
        tree.bureau_of(&own.id)
    } else {
        own.id.clone()
    };
    if !tree.is_within(&target.id, &root) {
        return Err(Denied::Unit {
            target: target.name.clone(),
            own: own.name.clone(),
        });
    }
    Ok(())
}

/// A review: allowed as `ReviewRecords` (or `ManageLists` for list entries), and never by the
/// person who produced the data.
pub fn authorize_review(
    actor: &Account,
    action: Action,
    target_unit: &str,
    produced_by: &str,
    tree: &OrgTree,
) -> Result<(), Denied> {
    authorize(actor, action, target_unit, tree)?;
    if actor.login == produced_by || format!("user:{}", actor.login) == produced_by {
        return Err(Denied::SamePerson);
    }
    Ok(())
}
