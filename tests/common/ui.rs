//! Drives the real application in iced_test's emulator: its tasks run for
//! real (HTTP to a real order-hub, SQLite), and the test clicks and types by
//! visible text, like a user.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use iced_test::emulator::{self, Emulator};
use iced_test::futures::futures::channel::mpsc;
use iced_test::program::Program;
use iced_test::{Instruction, core::Size};

/// The running app and its emulator.
pub struct Ui<P: Program + 'static> {
    program: P,
    emulator: Emulator<P>,
    events: mpsc::Receiver<emulator::Event<P>>,
}

/// How long one step may take before the test fails.
const STEP_LIMIT: Duration = Duration::from_secs(60);

impl<P: Program + 'static> Ui<P> {
    /// Boots `program` in a 1280×820 window and waits until it is ready.
    pub fn start(program: P) -> Self {
        let (tx, rx) = mpsc::channel(64);
        let emulator = Emulator::new(tx, &program, emulator::Mode::Zen, Size::new(1280.0, 820.0));
        let mut ui = Ui {
            program,
            emulator,
            events: rx,
        };
        ui.settle().expect("app boots");
        ui
    }

    /// Runs emulator events until it reports ready (or failure).
    fn settle(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STEP_LIMIT;
        loop {
            match self.events.try_recv() {
                Ok(emulator::Event::Action(a)) => self.emulator.perform(&self.program, a),
                Ok(emulator::Event::Ready) => return Ok(()),
                Ok(emulator::Event::Failed(i)) => return Err(format!("failed: {i}")),
                Err(_) => {
                    if Instant::now() > deadline {
                        return Err("timed out waiting for the app".into());
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
    }

    /// Runs one `.ice` instruction line, e.g. `click "登录"`.
    pub fn try_run(&mut self, line: &str) -> Result<(), String> {
        let instruction = Instruction::parse(line).map_err(|e| format!("{line}: {e:?}"))?;
        self.emulator.run(&self.program, instruction);
        self.settle().map_err(|e| format!("{line}: {e}"))
    }

    /// Runs a line and panics if it fails.
    pub fn run(&mut self, line: &str) {
        if let Err(e) = self.try_run(line) {
            panic!("{e}");
        }
    }

    /// Clicks the widget showing `text`.
    /// Types `login` and `password` into the login form (not sent yet).
    pub fn fill_login(&mut self, login: &str, password: &str) {
        self.click("请输入登录名");
        self.type_text(login);
        self.click("请输入密码");
        self.type_text(password);
    }

    /// Logs in with Enter and waits until `landmark` shows.
    pub fn log_in(&mut self, login: &str, password: &str, landmark: &str) {
        self.fill_login(login, password);
        self.enter();
        assert!(
            self.wait_for(landmark, Duration::from_secs(20)),
            "main window after login"
        );
    }

    pub fn click(&mut self, text: &str) {
        self.run(&format!("click {text:?}"));
    }

    /// Types `text` into the focused field.
    pub fn type_text(&mut self, text: &str) {
        self.run(&format!("type {text:?}"));
    }

    /// Presses Enter.
    pub fn enter(&mut self) {
        self.run("type enter");
    }

    /// Whether some widget shows exactly `text` now.
    pub fn sees(&mut self, text: &str) -> bool {
        self.try_run(&format!("expect {text:?}")).is_ok()
    }

    /// Waits (up to `limit`) until `text` shows, letting background work
    /// (timers, subscriptions) run meanwhile.
    pub fn wait_for(&mut self, text: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.sees(text) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            while let Ok(ev) = self.events.try_recv() {
                if let emulator::Event::Action(a) = ev {
                    self.emulator.perform(&self.program, a);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Panics unless `text` shows.
    pub fn expect(&mut self, text: &str) {
        assert!(self.sees(text), "expected to see {text:?}");
    }

    /// Sends raw window events through the widgets shown now, as the
    /// window would, and runs the messages they publish: what `.ice`
    /// instructions cannot say, such as a key pressed with Ctrl or a
    /// modifier held down.
    pub fn send_events(&mut self, events: impl IntoIterator<Item = iced_test::core::Event>) {
        let messages: Vec<P::Message> = {
            let mut sim = iced_test::Simulator::with_size(
                Default::default(),
                Size::new(1280.0, 820.0),
                self.emulator.view(&self.program),
            );
            sim.simulate(events);
            sim.into_messages().collect()
        };
        for m in messages {
            self.emulator.update(&self.program, m);
        }
    }

    /// Double-clicks the widget showing `text`: both clicks go through one
    /// simulation, so they land within the double-click interval however
    /// slow the machine is (two separate `click`s on a loaded CI runner
    /// can be further apart than that and count as two single clicks).
    pub fn double_click(&mut self, text: &str) {
        let messages: Vec<P::Message> = {
            let mut sim = iced_test::Simulator::with_size(
                Default::default(),
                Size::new(1280.0, 820.0),
                self.emulator.view(&self.program),
            );
            for _ in 0..2 {
                if let Err(e) = sim.click(text) {
                    panic!("double-click {text:?}: {e:?}");
                }
            }
            sim.into_messages().collect()
        };
        for m in messages {
            self.emulator.update(&self.program, m);
        }
    }

    /// Holds down exactly `modifiers` (none to release them).
    pub fn hold(&mut self, modifiers: iced_test::core::keyboard::Modifiers) {
        use iced_test::core::{Event, keyboard};
        self.send_events([Event::Keyboard(keyboard::Event::ModifiersChanged(
            modifiers,
        ))]);
    }

    /// Presses the letter `c` with Ctrl (⌘ on macOS) held.
    pub fn ctrl_key(&mut self, c: &str) {
        use iced_test::core::keyboard::{self, Key, Modifiers};
        use iced_test::core::{Event, SmolStr};
        let key = Key::Character(SmolStr::new(c));
        self.send_events([Event::Keyboard(keyboard::Event::KeyPressed {
            key: key.clone(),
            modified_key: key,
            physical_key: keyboard::key::Physical::Unidentified(
                keyboard::key::NativeCode::Unidentified,
            ),
            location: keyboard::Location::Standard,
            modifiers: Modifiers::COMMAND,
            repeat: false,
            text: None,
        })]);
    }

    /// Renders the current window into a PNG file (for looking at it).
    pub fn screenshot(&mut self, theme: &P::Theme, path: &std::path::Path) {
        let shot = self.emulator.screenshot(&self.program, theme, 1.0);
        let file = std::fs::File::create(path).expect("create png");
        let mut enc = png::Encoder::new(file, shot.size.width, shot.size.height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("png header");
        w.write_image_data(&shot.rgba).expect("png data");
    }
}

/// The client as `main` boots it with its files in `dir`, talking to the
/// order-hub at `url`: the settings file there, if any, and the cache.
pub fn boot(dir: &std::path::Path, url: &str) -> outlet_desk::ui::Boot {
    use outlet_desk::config::{Paths, Settings};
    let paths = Paths::resolve(Some(dir.to_path_buf())).expect("paths");
    let (store, problem) = outlet_desk::store::Store::open(&paths.cache_db()).expect("cache");
    assert!(problem.is_none(), "{problem:?}");
    let (settings, _) = Settings::load(&paths.settings_file());
    outlet_desk::ui::Boot {
        paths,
        settings,
        server: outlet_desk::ui::ServerChoice::Remote(url.to_owned()),
        store,
        notices: Vec::new(),
    }
}

/// A real order-hub with its demo data, a folder per desk user's files,
/// and a runtime for calling the hub directly.
pub struct Env {
    pub hub: outlet_desk::hub::EmbeddedHub,
    pub dir: tempfile::TempDir,
    pub rt: tokio::runtime::Runtime,
}

impl Env {
    pub fn new() -> Env {
        let (hub, dir) = crate::common::embedded(true);
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        Env { hub, dir, rt }
    }

    /// The client of desk user `who` (its own files), on this hub.
    pub fn boot(&self, who: &str) -> outlet_desk::ui::Boot {
        boot(&self.dir.path().join(who), &self.hub.url)
    }

    /// The hub's view of an order (as admin).
    pub fn server_order(&self, no: &str) -> serde_json::Value {
        self.rt.block_on(async {
            let c = outlet_desk::sync::HubClient::new(&self.hub.url, Default::default())
                .expect("client");
            let s = c
                .login("admin", crate::common::ADMIN_PW)
                .await
                .expect("admin logs in");
            let answer = c
                .with_token(Some(s.token))
                .order(no)
                .await
                .expect("the order");
            serde_json::to_value(answer).expect("json")
        })
    }

    /// The hub's view of an order once it has `status` (15 s at most).
    pub fn wait_status(&self, no: &str, status: &str) -> serde_json::Value {
        for _ in 0..150 {
            let o = self.server_order(no);
            if o["status"] == status {
                return o;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{no} never became {status}: {}", self.server_order(no));
    }
}
