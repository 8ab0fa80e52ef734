//! The network's templates in the preview: which layout the shown
//! document prints with (the network's, or this PC's once adjusted, with
//! 恢复网络默认), and an administrator's 保存为网络默认.

use iced::widget::{column, row};

use super::{Event, Message, Preview};
use crate::api::print::PrintTemplate;
use crate::domain::print::{Layout, PrintSetup};
use crate::i18n;
use crate::store::Store;
use crate::sync::HubClient;
use crate::ui::Element;
use crate::ui::theme::Tone;
use crate::ui::widget;

/// The hub's answer to 保存为网络默认.
#[derive(Debug, Clone)]
pub enum Published {
    /// Saved: the template as the hub now has it.
    Saved(PrintTemplate),
    /// Someone changed it first: the newer template (412).
    Newer(PrintTemplate),
    /// Refused or not sent, in the user's words.
    Failed(String),
}

/// Sends `layout` as its document's network template seen at `version`;
/// the template the hub answers with (saved, or the newer one it refused
/// against) is kept in `store` for printing offline.
pub async fn publish(client: HubClient, store: Store, layout: Layout, version: i64) -> Published {
    let answer = match client.put_print_template(&layout, version).await {
        Ok(t) => Published::Saved(t),
        Err(e) => match e
            .detail()
            .filter(|d| e.status() == Some(412) && d.code == "version_moved")
            .and_then(|d| d.current.clone())
            .and_then(|v| serde_json::from_value::<PrintTemplate>(v).ok())
        {
            Some(newer) => Published::Newer(newer),
            None => Published::Failed(e.user_message(client.lang())),
        },
    };
    if let Published::Saved(t) | Published::Newer(t) = &answer {
        let t = t.clone();
        if let Err(e) = store.run(move |s| s.keep_print_templates(&[t], None)).await {
            tracing::warn!("print template not cached: {e}");
        }
    }
    answer
}

impl Preview {
    /// 保存为网络默认: the shown layout, against the version this PC has.
    pub(super) fn start_publish(&mut self) -> Option<Event> {
        if !self.publisher || self.publishing {
            return None;
        }
        self.publishing = true;
        Some(Event::Publish {
            layout: self.layout(),
            version: self.setup.network_of(self.document).1,
        })
    }

    /// Takes the hub's answer: the saved or newer template becomes the
    /// network's, and the shown document prints with it.
    pub(super) fn published(&mut self, answer: Published) {
        self.publishing = false;
        let lang = self.lang;
        let taken = |setup: &mut crate::domain::print::PrintSetup, t: &PrintTemplate| {
            let layout = t.layout()?;
            let doc = layout.document;
            setup.set_network(layout, t.version);
            setup.reset(doc);
            Some(t.version.to_string())
        };
        self.notice = Some(match answer {
            Published::Saved(t) => match taken(&mut self.setup, &t) {
                Some(v) => (
                    i18n::tf(lang, "print.template.saved", &[("v", &v)]),
                    Tone::Success,
                ),
                None => (i18n::t(lang, "print.template.unreadable"), Tone::Warning),
            },
            Published::Newer(t) => match taken(&mut self.setup, &t) {
                Some(v) => (
                    i18n::tf(lang, "print.template.conflict", &[("v", &v)]),
                    Tone::Warning,
                ),
                None => (i18n::t(lang, "print.template.unreadable"), Tone::Warning),
            },
            Published::Failed(e) => (
                i18n::tf(lang, "print.template.save_failed", &[("error", &e)]),
                Tone::Danger,
            ),
        });
    }

    /// Takes the network's templates the sync just cached. The shown
    /// pages redraw only when they print with the network's template; an
    /// adjustment made on this PC stays as it is.
    pub(super) fn network_refreshed(&mut self, fresh: &PrintSetup) {
        let before = self.layout();
        for (layout, version) in &fresh.network {
            if self.setup.network_of(layout.document) != (layout.clone(), *version) {
                self.setup.set_network(layout.clone(), *version);
            }
        }
        if self.layout() != before {
            self.rebuild();
            let v = self.setup.network_of(self.document).1.to_string();
            self.notice = Some((
                i18n::tf(self.lang, "print.template.updated", &[("v", &v)]),
                Tone::Info,
            ));
        }
    }

    /// Which layout the shown document prints with, 恢复网络默认 and, for
    /// an administrator, 保存为网络默认.
    pub(super) fn template_panel(&self) -> Element<'_, Message> {
        let lang = self.lang;
        let t = |k: &str| i18n::t(lang, k);
        let adjusted = self.setup.adjusted(self.document);
        let version = self.setup.network_of(self.document).1.to_string();
        let which = if adjusted {
            t("print.template.using_local")
        } else {
            i18n::tf(lang, "print.template.using_network", &[("v", &version)])
        };
        let mut buttons = row![widget::secondary(
            t("print.template.reset"),
            adjusted.then_some(Message::ResetToNetwork)
        )]
        .spacing(6);
        if self.publisher {
            buttons = buttons.push(widget::secondary(
                t("print.template.publish"),
                (!self.publishing).then_some(Message::SaveAsNetwork),
            ));
        }
        column![widget::muted(which).size(12), buttons.wrap()]
            .spacing(4)
            .into()
    }
}
