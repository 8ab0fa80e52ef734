//! What surrounds the pages: the top bar (user and outlet), the left
//! navigation, the offline banner, the status bar (server, sync), and the
//! desktop alert for new orders.

use iced::widget::{button, column, container, row, space, text};
use iced::{Length, Task};

use super::{App, Message, Page, Pages};
use crate::domain::Role;
use crate::i18n;
use crate::ui::screen::Ctx;
use crate::ui::theme::{AppTheme as Theme, Tone};
use crate::ui::{Element, alert, font, theme, widget};

impl App {
    pub(super) fn main_view(&self) -> Element<'_, Message> {
        let Some((pages, ctx)) = self.ctx() else {
            return text("").into();
        };
        let content: Element<'_, Message> = match pages.shown {
            Page::Orders => pages.orders.view(&ctx).map(Message::Orders),
            Page::Outlets => pages.outlets.view(&ctx).map(Message::Outlets),
            Page::Staff => pages.staff.view(&ctx).map(Message::Staff),
            Page::Waybill => pages.waybill.view(&ctx).map(Message::Waybill),
            Page::Rates => pages.rates.view(&ctx).map(Message::Rates),
            Page::Report => pages.report.view(&ctx).map(Message::Report),
            Page::System => pages
                .system
                .view(&ctx, &self.settings, &self.param_list)
                .map(Message::System),
        };
        let mut main = column![].width(Length::Fill).height(Length::Fill);
        if !self.online {
            main = main.push(self.offline_banner());
        }
        main = main.push(content);
        column![
            self.top_bar(&ctx),
            row![self.nav(&ctx, pages), main].height(Length::Fill),
            self.status_bar(),
        ]
        .into()
    }

    fn offline_banner(&self) -> Element<'_, Message> {
        container(widget::banner(
            row![
                text(i18n::tf(
                    self.lang(),
                    "net.offline_banner",
                    &[("url", self.server.url())]
                ))
                .width(Length::Fill),
                widget::tool(self.t("login.retry"), Some(Message::Retry)),
            ]
            .spacing(10)
            .align_y(iced::Alignment::Center),
            Tone::Warning,
        ))
        .padding([6, 12])
        .into()
    }

    fn top_bar(&self, ctx: &Ctx<'_>) -> Element<'_, Message> {
        let on_chrome = |t: &Theme| text::Style {
            color: Some(theme::on_chrome(t)),
        };
        let user = ctx.user;
        let outlet = self
            .net
            .tree
            .get(&user.outlet_code)
            .map_or(user.outlet_code.clone(), |o| o.name.clone());
        let who = i18n::tf(
            self.lang(),
            "top.user",
            &[
                ("name", &user.name),
                ("login", &user.login),
                ("role", &self.t(&format!("role.{}", user.role.as_str()))),
                ("outlet", &outlet),
            ],
        );
        container(
            row![
                text(self.t("app.title"))
                    .size(18)
                    .font(font::BOLD)
                    .style(on_chrome),
                text(self.t("app.subtitle")).size(13).style(on_chrome),
                space::horizontal(),
                text(who).size(13).style(on_chrome),
                button(text(self.t("top.logout")).size(13))
                    .style(theme::button::secondary)
                    .padding([3, 10])
                    .on_press(Message::Logout),
            ]
            .spacing(14)
            .align_y(iced::Alignment::Center),
        )
        .padding([8, 14])
        .width(Length::Fill)
        .style(|t: &Theme| container::Style {
            background: Some(theme::chrome(t).into()),
            ..container::Style::default()
        })
        .into()
    }

    fn nav(&self, ctx: &Ctx<'_>, pages: &Pages) -> Element<'_, Message> {
        let shown = pages.shown;
        let item = |page: Page, key: &str| {
            button(text(self.t(key)).size(14))
                .width(Length::Fill)
                .padding([6, 18])
                .style(if shown == page {
                    theme::button::nav_current
                } else {
                    theme::button::nav
                })
                .on_press(Message::Nav(page))
        };
        let group = |key: &str| widget::muted(self.t(key)).size(12);
        let waiting = pages.orders.list_pending();
        let orders_label = if waiting > 0 {
            i18n::tf(
                self.lang(),
                "nav.orders_badge",
                &[("n", &waiting.to_string())],
            )
        } else {
            self.t("nav.orders")
        };
        let orders_item = button(text(orders_label).size(14))
            .width(Length::Fill)
            .padding([6, 18])
            .style(if shown == Page::Orders {
                theme::button::nav_current
            } else if waiting > 0 {
                theme::button::nav_waiting
            } else {
                theme::button::nav
            })
            .on_press(Message::Nav(Page::Orders));
        let mut col = column![
            group("nav.ali"),
            orders_item,
            item(Page::Waybill, "nav.waybill"),
            space().height(10),
            group("nav.base_data"),
            item(Page::Outlets, "nav.outlets")
        ]
        .spacing(4);
        if ctx.user.role == Role::Admin {
            col = col.push(item(Page::Staff, "nav.staff"));
        }
        col = col.push(item(Page::Rates, "nav.rates"));
        col = col.push(space().height(10));
        col = col.push(group("nav.reports"));
        col = col.push(item(Page::Report, "nav.report_conversion"));
        col = col.push(space().height(10));
        col = col.push(group("nav.system"));
        col = col.push(item(Page::System, "nav.system_settings"));
        container(col.padding(10))
            .width(196)
            .height(Length::Fill)
            .style(theme::container::bordered_box)
            .into()
    }

    fn status_bar(&self) -> Element<'_, Message> {
        let lang = self.lang();
        let online = self.online;
        let state = if online {
            self.t("status.online")
        } else {
            self.t("status.offline")
        };
        let dot = text("●").style(move |t: &Theme| {
            let p = t.extended_palette();
            text::Style {
                color: Some(if online {
                    p.success.base.color
                } else {
                    p.danger.base.color
                }),
            }
        });
        // The server's clock in China time, as every order time: a PC set
        // to another zone or time shows the same clock as the orders.
        let clock = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(crate::ui::format::clock_time)
                .unwrap_or_else(|| "—".into())
        };
        let sep = || text("|").size(12);
        let mut bar = row![
            dot,
            text(format!("{state} · {}", self.server.url())).size(12),
            sep(),
            text(i18n::tf(
                lang,
                "status.network",
                &[
                    ("n", &self.net.tree.len().to_string()),
                    ("rev", &self.revision.to_string())
                ]
            ))
            .size(12),
            sep(),
            text(i18n::tf(
                lang,
                "status.refreshed",
                &[("time", &clock(self.last_refresh))]
            ))
            .size(12),
            sep(),
            text(i18n::tf(
                lang,
                "status.pending_actions",
                &[("n", &self.sync.pending.to_string())],
            ))
            .size(12),
            sep(),
            text(i18n::tf(
                lang,
                "status.synced",
                &[("time", &clock(self.sync.last))]
            ))
            .size(12),
            text(i18n::t(lang, "status.china_time")).size(12),
        ]
        .spacing(8)
        .align_y(iced::Alignment::Center);
        for e in [&self.sync.error, &self.last_error].into_iter().flatten() {
            bar = bar.push(sep());
            bar = bar.push(widget::error_line(e.as_str()));
        }
        container(bar)
            .padding([4, 12])
            .width(Length::Fill)
            .style(theme::container::bordered_box)
            .into()
    }

    /// A notification and the chime when orders arrive, and again every
    /// few minutes while any still waits for a first call.
    pub(super) fn alert(&mut self, waiting: i64) -> Task<Message> {
        let repeat = self.params.alert_repeat.to_std().unwrap_or_default();
        if !self
            .alerter
            .should_alert(waiting, repeat, std::time::Instant::now())
        {
            return Task::none();
        }
        let title = i18n::t(self.lang(), "alert.title");
        let body = i18n::tf(
            self.lang(),
            "orders.new_alert",
            &[("n", &waiting.to_string())],
        );
        let sound = self.settings.sound.then(|| self.paths.data_dir.clone());
        // Fire and forget on its own thread: a slow notification service
        // must never hold up the window (or a test waiting for tasks).
        let spawned = std::thread::Builder::new()
            .name("alert".into())
            .spawn(move || {
                alert::notify(&title, &body);
                if let Some(dir) = sound {
                    alert::play_chime(&dir);
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("alert thread: {e}");
        }
        Task::none()
    }
}
