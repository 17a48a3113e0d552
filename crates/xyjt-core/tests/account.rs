//! Who may do what where: the whole role × action × unit matrix, checked against a table
//! written out by hand (not derived from `Action::roles`).

use xyjt_core::account::{Account, Action, Denied, Role, authorize, authorize_review};
use xyjt_core::cases::OrgTree;

fn account(login: &str, unit: &str, roles: &[Role]) -> Account {
    Account {
        login: login.into(),
        name: login.into(),
        unit_id: unit.into(),
        roles: roles.to_vec(),
        disabled: false,
    }
}

/// The expected answer for one role acting for its own unit: the product decision, by hand.
fn expected(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    matches!(
        (role, action),
        (Clerk, SubmitRecords)
            | (Clerk, HandleApplications)
            | (Clerk, ViewConsole)
            | (Reviewer, ReviewRecords)
            | (Reviewer, HandleApplications)
            | (Reviewer, DecideApplications)
            | (Reviewer, ViewConsole)
            | (CreditAdmin, HandleApplications)
            | (CreditAdmin, DecideApplications)
            | (CreditAdmin, ManageLists)
            | (CreditAdmin, ManagePolicy)
            | (CreditAdmin, ViewConsole)
            | (SysAdmin, ManageAccounts)
            | (SysAdmin, ViewConsole)
    )
}

#[test]
fn every_role_and_action_at_every_unit() {
    let tree = OrgTree::builtin();
    // (actor unit, target unit, inside the actor's own unit's subtree, inside its bureau's).
    // Clerks and reviewers act for their unit and below; managers for their whole bureau.
    let places = [
        ("SF", "SF", true, true),
        ("SF", "XL-ZF", true, true),
        ("XL", "XL-ZF", true, true),
        ("XL-ZF", "XL-ZF", true, true),
        ("XL-ZF", "XL", false, true), // the detachment is inside 西岭市交通运输局
        ("SF-XY", "XL-ZF", false, true), // 信用管理处 is inside the province's department
        ("XL-ZF", "DH-ZF", false, false),
        ("DH", "XL-ZF", false, false),
        ("LS", "XL-ZF", false, false),
    ];
    let mut checked = 0;
    for role in Role::ALL {
        for action in Action::ALL {
            for (own, target, in_unit, in_bureau) in places {
                let manager = matches!(role, Role::CreditAdmin | Role::SysAdmin);
                let inside = if manager { in_bureau } else { in_unit };
                let a = account("x", own, &[role]);
                let got = authorize(&a, action, target, tree);
                // Adjusting the four lists is a province's decision.
                let province = tree.unit(own).unwrap().level == "province";
                let want = expected(role, action)
                    && inside
                    && (action != Action::ManagePolicy || province);
                assert_eq!(
                    got.is_ok(),
                    want,
                    "{role:?} of {own} doing {action:?} for {target}: {got:?}"
                );
                if let Err(e) = got {
                    assert!(!e.to_string().is_empty());
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 8 * 9);
}

#[test]
fn refusals_say_why() {
    let tree = OrgTree::builtin();
    let clerk = account("xl-lr", "XL-ZF", &[Role::Clerk]);
    let e = authorize(&clerk, Action::ReviewRecords, "XL-ZF", tree).unwrap_err();
    assert!(matches!(e, Denied::Role { .. }));
    assert!(e.to_string().contains("审核员") && e.to_string().contains("录入员"));
    let e = authorize(&clerk, Action::SubmitRecords, "DH-ZF", tree).unwrap_err();
    assert!(e.to_string().contains("东湖市交通运输综合行政执法支队"));
    let city_admin = account("xl-admin", "XL", &[Role::CreditAdmin]);
    assert_eq!(
        authorize(&city_admin, Action::ManagePolicy, "XL", tree).unwrap_err(),
        Denied::NotProvince
    );
    let mut gone = clerk.clone();
    gone.disabled = true;
    assert_eq!(
        authorize(&gone, Action::SubmitRecords, "XL-ZF", tree).unwrap_err(),
        Denied::Disabled
    );
    assert!(matches!(
        authorize(&clerk, Action::SubmitRecords, "NOPE", tree).unwrap_err(),
        Denied::UnknownUnit(_)
    ));
}

#[test]
fn nobody_reviews_their_own_work() {
    let tree = OrgTree::builtin();
    let both = account("xl-both", "XL-ZF", &[Role::Clerk, Role::Reviewer]);
    assert_eq!(
        authorize_review(&both, Action::ReviewRecords, "XL-ZF", "xl-both", tree).unwrap_err(),
        Denied::SamePerson
    );
    assert_eq!(
        authorize_review(&both, Action::ReviewRecords, "XL-ZF", "user:xl-both", tree).unwrap_err(),
        Denied::SamePerson
    );
    authorize_review(&both, Action::ReviewRecords, "XL-ZF", "xl-lr", tree).unwrap();
}
