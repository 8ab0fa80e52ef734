//! Each page's messages in, and its `Event`s out: what a screen tells the
//! app (an outlet saved, an action queued, the session lost) becomes the
//! app's own work here.

use iced::Task;

use super::network::Source;
use super::{App, Message, Page};
use crate::config::Settings;
use crate::ui::screen::{Lost, orders, outlets, rates, report, staff, system, waybill};
use crate::ui::{sync_sub, tray};

impl App {
    pub(super) fn outlets(&mut self, m: outlets::Message) -> Task<Message> {
        let Some((pages, ctx)) = self.pages() else {
            return Task::none();
        };
        let (task, event) = pages.outlets.update(m, &ctx);
        let task = task.map(Message::Outlets);
        match event {
            None => task,
            Some(e) => Task::batch([task, self.on_outlets(e)]),
        }
    }

    pub(super) fn staff(&mut self, m: staff::Message) -> Task<Message> {
        let Some((pages, ctx)) = self.pages() else {
            return Task::none();
        };
        let (task, event) = pages.staff.update(m, &ctx);
        let task = task.map(Message::Staff);
        match event {
            None => task,
            Some(staff::Event::Lost(l)) => Task::batch([task, self.on_lost(l)]),
            Some(staff::Event::RememberExport(p)) => Task::batch([task, self.remember_export(&p)]),
        }
    }

    pub(super) fn system(&mut self, m: system::Message) -> Task<Message> {
        // 系统管理 edits both; it reads copies (small, and only on its
        // own messages) while its page is borrowed.
        let (settings, param_list) = (self.settings.clone(), self.param_list.clone());
        let Some((pages, ctx)) = self.pages() else {
            return Task::none();
        };
        let (task, event) = pages.system.update(m, &ctx, &settings, &param_list);
        let task = task.map(Message::System);
        match event {
            None => task,
            Some(e) => Task::batch([task, self.on_system(e)]),
        }
    }

    pub(super) fn orders(&mut self, m: orders::Message) -> Task<Message> {
        let Some((pages, ctx)) = self.pages() else {
            return Task::none();
        };
        let (task, event) = pages.orders.update(m, &ctx);
        let task = task.map(Message::Orders);
        match event {
            None => task,
            Some(e) => Task::batch([task, self.on_orders(e)]),
        }
    }

    pub(super) fn waybill(&mut self, m: waybill::Message) -> Task<Message> {
        let Some((pages, ctx)) = self.pages() else {
            return Task::none();
        };
        let (task, event) = pages.waybill.update(m, &ctx);
        let task = task.map(Message::Waybill);
        match event {
            None => task,
            Some(waybill::Event::ActionQueued) => Task::batch([task, self.sync_now()]),
            Some(waybill::Event::Lost(l)) => Task::batch([task, self.on_lost(l)]),
        }
    }

    pub(super) fn rates(&mut self, m: rates::Message) -> Task<Message> {
        let Some((pages, ctx)) = self.pages() else {
            return Task::none();
        };
        let (task, event) = pages.rates.update(m, &ctx);
        let task = task.map(Message::Rates);
        match event {
            None => task,
            Some(rates::Event::Lost(l)) => Task::batch([task, self.on_lost(l)]),
        }
    }

    pub(super) fn report(&mut self, m: report::Message) -> Task<Message> {
        let Some((pages, ctx)) = self.pages() else {
            return Task::none();
        };
        let (task, event) = pages.report.update(m, &ctx);
        let task = task.map(Message::Report);
        match event {
            None => task,
            Some(report::Event::Lost(l)) => Task::batch([task, self.on_lost(l)]),
        }
    }

    pub(super) fn on_outlets(&mut self, event: outlets::Event) -> Task<Message> {
        match event {
            outlets::Event::Saved(o) => {
                let o = *o;
                let source = Source::Changes {
                    base: self.net.tree.clone(),
                    changed: vec![o.clone()],
                    removed: Vec::new(),
                };
                let reload = self.build_network(self.revision, source, false);
                let store = self.store.clone();
                Task::batch([
                    reload,
                    Task::perform(
                        async move { store.run(move |s| s.put_outlet(&o)).await },
                        super::logged("caching an outlet"),
                    ),
                ])
            }
            outlets::Event::Deleted(code) => {
                let source = Source::Changes {
                    base: self.net.tree.clone(),
                    changed: Vec::new(),
                    removed: vec![code.clone()],
                };
                let reload = self.build_network(self.revision, source, false);
                let store = self.store.clone();
                Task::batch([
                    reload,
                    Task::perform(
                        async move { store.run(move |s| s.remove_outlet(&code)).await },
                        super::logged("uncaching an outlet"),
                    ),
                ])
            }
            outlets::Event::RefreshNetwork => self.fetch_network(),
            outlets::Event::Lost(l) => self.on_lost(l),
            outlets::Event::RememberExport(p) => self.remember_export(&p),
        }
    }

    pub(super) fn on_system(&mut self, event: system::Event) -> Task<Message> {
        match event {
            system::Event::ParameterSaved(p) => {
                match self.param_list.iter_mut().find(|x| x.key == p.key) {
                    Some(x) => *x = p,
                    None => self.param_list.push(p),
                }
                self.params_arrived(Ok(self.param_list.clone()))
            }
            system::Event::SettingsChanged(s) => self.settings_changed(s),
        }
    }

    pub(super) fn on_orders(&mut self, event: orders::Event) -> Task<Message> {
        match event {
            orders::Event::ActionQueued | orders::Event::SyncNow => self.sync_now(),
            orders::Event::OpenWaybill(order) => {
                let Some((pages, ctx)) = self.pages() else {
                    return Task::none();
                };
                pages.shown = Page::Waybill;
                pages.waybill.open(*order, &ctx).map(Message::Waybill)
            }
            orders::Event::Waiting { count, before } => {
                if count != before {
                    tray::set_waiting(self.lang(), count);
                }
                self.alert(count)
            }
            orders::Event::RememberExport(p) => self.remember_export(&p),
        }
    }

    /// A list was exported: its folder and format are kept for next time.
    pub(super) fn remember_export(&mut self, p: &crate::config::ExportPrefs) -> Task<Message> {
        self.settings.remember_export(p);
        let (settings, path) = (self.settings.clone(), self.paths.settings_file());
        Task::perform(super::save_settings(settings, path), |_| Message::Done)
    }

    /// A failed call lost the server or the session.
    pub(super) fn on_lost(&mut self, lost: Lost) -> Task<Message> {
        match lost {
            Lost::Unreachable => {
                self.online = false;
                self.last_error = Some(self.t("net.offline"));
                Task::none()
            }
            Lost::SessionExpired => self.session_expired(),
        }
    }

    pub(super) fn sync_now(&self) -> Task<Message> {
        if let Some(tx) = &self.sync.commands {
            let _ = tx.send(sync_sub::Command::SyncNow);
        }
        Task::none()
    }

    pub(super) fn settings_changed(&mut self, s: Settings) -> Task<Message> {
        let lang_changed = s.language != self.settings.language;
        self.settings = s;
        let (settings, path) = (self.settings.clone(), self.paths.settings_file());
        let save = Task::perform(super::save_settings(settings, path), |_| Message::Done);
        if !lang_changed {
            return save;
        }
        let lang = self.settings.language;
        tray::set_language(lang);
        if let Some(m) = self.screen.main() {
            tray::set_waiting(lang, m.pages.orders.uncontacted());
        }
        self.client = self.client.with_lang(lang);
        if let Some(m) = self.screen.main_mut() {
            m.session.client = m.session.client.with_lang(lang);
        }
        // Labels in the tree and selectors are in the language: rebuild.
        let source = Source::Changes {
            base: self.net.tree.clone(),
            changed: Vec::new(),
            removed: Vec::new(),
        };
        let reload = self.build_network(self.revision, source, false);
        Task::batch([reload, save])
    }

    pub(super) fn nav_to(&mut self, p: Page) -> Task<Message> {
        let Some((pages, ctx)) = self.pages() else {
            return Task::none();
        };
        pages.shown = p;
        match p {
            Page::Staff => pages.staff.query(&ctx).map(Message::Staff),
            Page::Orders => pages.orders.reload(&ctx).map(Message::Orders),
            Page::Waybill => pages.waybill.load_card(&ctx).map(Message::Waybill),
            Page::Rates => pages.rates.reload(&ctx).map(Message::Rates),
            Page::Report => pages.report.reload(&ctx).map(Message::Report),
            Page::Outlets | Page::System => Task::none(),
        }
    }
}
