//! Drawing the preview: options at the left, the page at the right.

use iced::widget::{checkbox, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Length};

use super::{Message, Preview};
use crate::domain::print::Document;
use crate::i18n;
use crate::ui::Element;
use crate::ui::widget::{self, Choice};

impl Preview {
    /// The whole preview window's content.
    pub fn view(&self) -> Element<'_, Message> {
        let lang = self.lang;
        let t = |k: &str| i18n::t(lang, k);
        let layout = self.layout();
        let doc_choice = |d: Document| Choice {
            value: d,
            label: t(&format!("print.doc.{}", d.as_str())),
        };
        let paper_choice = |p: crate::domain::print::Paper| Choice {
            value: p,
            label: p.as_str().to_owned(),
        };
        let stepper = |label: String, value: String, keys: [&str; 2], on: fn(bool) -> Message| {
            row![
                text(label).width(Length::Fill),
                widget::secondary(t(keys[0]), Some(on(false))),
                text(value).width(32).align_x(Alignment::Center),
                widget::secondary(t(keys[1]), Some(on(true))),
            ]
            .spacing(6)
            .align_y(Alignment::Center)
        };
        let mut fields = column![text(t("print.fields")).size(14)].spacing(4);
        for f in layout.document.fields() {
            let shown = layout.shows(*f);
            let mut line = row![
                checkbox(shown)
                    .label(t(f.label_key()))
                    .on_toggle(move |_| Message::ToggleField(*f))
                    .width(Length::Fill)
            ]
            .spacing(4)
            .align_y(Alignment::Center);
            if shown {
                line = line
                    .push(widget::secondary(
                        t("print.up"),
                        Some(Message::MoveField(*f, true)),
                    ))
                    .push(widget::secondary(
                        t("print.down"),
                        Some(Message::MoveField(*f, false)),
                    ));
            }
            fields = fields.push(line);
        }
        // What leaves the preview comes first: it stays reachable at 768 px.
        let output = column![
            row![
                widget::tool(
                    t("print.save_pdf"),
                    (!self.busy).then_some(Message::SavePdf)
                ),
                widget::tool(
                    t("print.print"),
                    (!self.busy && self.panel.selected().is_some()).then_some(Message::Print)
                ),
                widget::secondary(t("print.close"), Some(Message::Close)),
            ]
            .spacing(6)
            .wrap(),
            text_input(&t("print.save_path"), &self.path)
                .on_input(Message::Path)
                .padding(5),
            self.panel.view(lang, self.busy).map(Message::Printer),
        ]
        .spacing(8);
        let options = column![
            output,
            text(t("print.document")).size(14),
            widget::focus::choose(
                Document::ALL.into_iter().map(doc_choice).collect(),
                Some(doc_choice(self.document)),
                |c: Choice<Document>| Message::Document(c.value)
            ),
            self.template_panel(),
            text(t("print.paper")).size(14),
            widget::focus::choose(
                layout
                    .document
                    .papers()
                    .iter()
                    .copied()
                    .map(paper_choice)
                    .collect(),
                Some(paper_choice(layout.paper)),
                |c: Choice<crate::domain::print::Paper>| Message::Paper(c.value)
            ),
            stepper(
                t("print.font_size"),
                format!("{}", layout.font_size_pt),
                ["print.smaller", "print.larger"],
                Message::FontSize
            ),
            stepper(
                t("print.copies"),
                layout.copies.to_string(),
                ["print.fewer", "print.more"],
                Message::Copies
            ),
            checkbox(layout.privacy)
                .label(t("print.privacy"))
                .on_toggle(Message::Privacy),
            fields,
        ]
        .spacing(8)
        .width(300);
        let count = self.pages.len();
        let pager = row![
            widget::secondary(
                t("print.prev"),
                (self.page > 0).then_some(Message::PrevPage)
            ),
            text(i18n::tf(
                lang,
                "print.page_n",
                &[
                    ("x", &(self.page + 1).to_string()),
                    ("y", &count.to_string())
                ]
            )),
            widget::secondary(
                t("print.next"),
                (self.page + 1 < count).then_some(Message::NextPage)
            ),
            space::horizontal(),
            widget::secondary(t("print.zoom_out"), Some(Message::Zoom(false))),
            text(format!("{:.0}%", self.zoom / super::DEFAULT_ZOOM * 100.0)),
            widget::secondary(t("print.zoom_in"), Some(Message::Zoom(true))),
        ]
        .spacing(8)
        .align_y(Alignment::Center)
        .wrap();
        let page: Element<'_, Message> = match self.pages.get(self.page) {
            Some(p) => crate::ui::widget::page_view::page_view(p, self.zoom),
            None => widget::muted(t("print.none_selected")).into(),
        };
        let sheet = scrollable(container(page).padding(12).width(Length::Shrink))
            .direction(scrollable::Direction::Both {
                vertical: scrollable::Scrollbar::default(),
                horizontal: scrollable::Scrollbar::default(),
            })
            .width(Length::Fill)
            .height(Length::Fill);
        let mut right = column![pager, sheet].spacing(8).width(Length::Fill);
        if let Some((msg, tone)) = &self.notice {
            let mut line = row![text(msg.as_str()).width(Length::Fill)]
                .spacing(8)
                .align_y(Alignment::Center);
            // A batch that did not print: its PDF one click away.
            if self.offer_pdf && !self.busy {
                line = line.push(widget::tool(t("print.save_pdf"), Some(Message::SavePdf)));
            }
            right = right.push(widget::banner(line, *tone));
        }
        column![
            text(t("print.title")).size(18),
            row![scrollable(options).spacing(6).height(Length::Fill), right]
                .spacing(12)
                .height(Length::Fill)
        ]
        .spacing(8)
        .padding(10)
        .into()
    }
}
