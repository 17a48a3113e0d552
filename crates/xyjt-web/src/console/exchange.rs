//! 信息交换: the exchange between platforms as this node sees it — per peer node the facts
//! waiting for its acknowledgement, the last acknowledged and last received sequence numbers,
//! duplicates dropped, dead letters with their reasons, and the open or overdue sync clocks.

use super::{Answer, OrPage, allow, frame, show};
use crate::AppState;
use crate::auth::Staff;
use crate::html::Frame;
use askama::Template;
use axum::extract::State;
use xyjt_app::Ctx;
use xyjt_app::exchange::Status;

#[derive(Template)]
#[template(path = "console/exchange.html")]
struct ExchangePage {
    frame: Frame,
    status: Status,
    node: String,
}

/// The node's exchange as a whole (every unit's sync clocks among it): for the province's
/// 信用管理员, who runs the platform's data exchange, as for the four lists.
pub(super) async fn exchange_page(State(state): State<AppState>, staff: Staff) -> Answer {
    allow(
        &staff,
        xyjt_core::account::Action::ManagePolicy,
        &staff.account.unit_id,
    )?;
    let ctx = Ctx::with_policies(state.store.as_ref(), &state.policies, state.today());
    let status = xyjt_app::exchange::status(&ctx).await.or_page()?;
    show(&ExchangePage {
        frame: frame(&staff, "信息交换"),
        node: status
            .node
            .clone()
            .unwrap_or_else(|| "（未加入交换）".into()),
        status,
    })
}
