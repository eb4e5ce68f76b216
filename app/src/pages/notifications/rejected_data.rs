//! On a `data_webhook.rejected` notification: the rejected data delivery as it is now — what it is,
//! whether a later attempt was accepted, every attempt — and **Resend rejected data**.

use leptos::prelude::*;

use crate::components::attempt::AttemptCard;
use crate::components::facts::{Fact, IdFact};
use crate::components::notice::FormNotice;
use crate::components::time_label::{TimeFact, TimeLabel};
use crate::dto::{DataDeliveryDetail, DataDeliverySummary};
use crate::error::AppError;
use crate::i18n::words::notification as w;
use crate::i18n::{Lang, use_lang};
use crate::vocab::{AttemptTrigger, DataDeliveryStatus};

/// Queues an immediate new attempt of the data delivery a rejection notice is about. Without
/// JavaScript the browser comes back to the notice's page, told that the resend was queued.
#[server(prefix = "/fn", endpoint = "resend_rejected_data")]
pub async fn resend_rejected_data(
    data_delivery_id: String,
    notification_id: String,
) -> Result<DataDeliverySummary, AppError> {
    use crate::backend::as_viewer;
    use crate::components::notice::finish_form_post;
    use crate::components::notification_table::notification_href;
    let outcome =
        as_viewer(|backend, viewer| async move { backend.resend_data(&viewer, data_delivery_id).await }).await;
    finish_form_post(outcome, &notification_href(&notification_id), |_| vec![("data_resent", "1".to_owned())])
}

/// What a data delivery carries, in words: its pillar and data type (`sleep summary`).
pub fn document_words(lang: Lang, delivery: &DataDeliverySummary) -> String {
    w::document(lang, delivery.pillar, delivery.data_type)
}

/// What became of the delivery, in words: accepted (on a resend, when that is how) and when, or still
/// rejected.
fn outcome_words(lang: Lang, delivery: &DataDeliveryDetail) -> AnyView {
    let s = &delivery.summary;
    match (s.status, s.progress.delivered_at) {
        (DataDeliveryStatus::Delivered, Some(at)) => {
            let manual = delivery
                .attempts
                .iter()
                .rev()
                .find(|a| a.succeeded)
                .is_some_and(|a| matches!(a.trigger, AttemptTrigger::Resend | AttemptTrigger::BulkResend));
            let accepted = lang.t(if manual { w::ACCEPTED_ON_RESEND } else { w::ACCEPTED });
            view! { {accepted} <TimeLabel at /> }.into_any()
        }
        (DataDeliveryStatus::Retrying | DataDeliveryStatus::Pending, _) => lang.t(w::REJECTED_SO_FAR).into_any(),
        _ => lang.t(w::REJECTED_FINAL).into_any(),
    }
}

/// The rejected delivery's section of the notice's page.
#[component]
pub fn RejectedData(
    delivery: DataDeliveryDetail,
    notification_id: String,
    resend: ServerAction<ResendRejectedData>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(into)] success: Signal<Option<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let outcome = outcome_words(lang, &delivery);
    let DataDeliveryDetail { summary, attempts, .. } = delivery;
    let purged = summary.payload_purged;
    let next = summary.progress.next_attempt_at.map(|at| view! { <TimeFact term=lang.t(w::NEXT_DUE) at /> });
    let attempt_count = attempts.len();
    let attempts_view = attempts.into_iter().rev().map(|attempt| view! { <AttemptCard attempt /> }).collect_view();
    view! {
        <section aria-labelledby="rejected-data-heading" class="rejected-data">
            <h3 id="rejected-data-heading">{lang.t(w::REJECTED_DELIVERY)}</h3>
            <p class="outcome" role="status">{outcome}</p>
            <dl class="facts">
                <IdFact term=lang.t(w::DELIVERY_ID) id=summary.id.clone() />
                <dt>{lang.t(w::DOCUMENT)}</dt>
                <dd>{document_words(lang, &summary)}</dd>
                <Fact term=lang.t(w::DOCUMENT_ID) value=summary.document_id.clone() />
                <TimeFact term=lang.t(w::HANDED_OVER) at=summary.created_at />
                {next}
            </dl>
            {if purged {
                view! { <p class="empty">{lang.t(w::DATA_PURGED)}</p> }
                    .into_any()
            } else {
                view! {
                    <ActionForm action=resend attr:class="inline">
                        <input type="hidden" name="data_delivery_id" value=summary.id.clone() />
                        <input type="hidden" name="notification_id" value=notification_id />
                        <button type="submit" disabled=move || resend.pending().get()>{lang.t(w::RESEND_DATA)}</button>
                    </ActionForm>
                }
                    .into_any()
            }}
            <FormNotice error success />
            <h4>{w::data_attempts_heading(lang, attempt_count)}</h4>
            {attempts_view}
        </section>
    }
}
