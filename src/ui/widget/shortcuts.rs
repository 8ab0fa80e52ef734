//! Keyboard shortcuts as a widget: keys no other widget took (no text field
//! focused) become messages. Being in the widget tree, they work the same
//! in the real window and in iced_test's emulator.

use iced::advanced::{Shell, renderer};
use iced::keyboard::{self, Key, Modifiers};
use iced::{Element, Event};

use super::wrap::{Wrapped, Wrapper};

/// A keyboard shortcut of the base-data screens (网点管理, 员工管理,
/// 系统管理); 阿里订单受理 maps its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    New,
    Edit,
    Save,
    Escape,
    Delete,
    Refresh,
    Yes,
    No,
}

impl Shortcut {
    /// The shortcut a key press means, if any: Ctrl+N/E/S, Y/N in a
    /// confirmation, Esc, Delete, F5.
    pub fn from_key(key: &Key, mods: Modifiers) -> Option<Shortcut> {
        use iced::keyboard::key::Named;
        match (key.as_ref(), mods.command()) {
            (Key::Character("n"), true) => Some(Shortcut::New),
            (Key::Character("e"), true) => Some(Shortcut::Edit),
            (Key::Character("s"), true) => Some(Shortcut::Save),
            (Key::Character("y"), false) => Some(Shortcut::Yes),
            (Key::Character("n"), false) => Some(Shortcut::No),
            (Key::Named(Named::Escape), _) => Some(Shortcut::Escape),
            (Key::Named(Named::Delete), _) => Some(Shortcut::Delete),
            (Key::Named(Named::F5), _) => Some(Shortcut::Refresh),
            _ => None,
        }
    }
}

/// Wraps `content`; `map` turns an unhandled key press into a message.
pub fn shortcuts<'a, M: 'a, Theme: 'a, R: renderer::Renderer + 'a>(
    content: impl Into<Element<'a, M, Theme, R>>,
    map: impl Fn(&Key, Modifiers) -> Option<M> + 'a,
) -> Element<'a, M, Theme, R> {
    Wrapped::new(content, Shortcuts { map: Box::new(map) }).into()
}

/// Turns a key press into a message, or not.
type KeyMap<'a, M> = Box<dyn Fn(&Key, Modifiers) -> Option<M> + 'a>;

struct Shortcuts<'a, M> {
    map: KeyMap<'a, M>,
}

impl<M, Theme, R> Wrapper<M, Theme, R> for Shortcuts<'_, M> {
    type State = ();

    fn update(&mut self, _state: &mut (), event: &Event, shell: &mut Shell<'_, M>) {
        // A focused text field takes Escape just to drop its focus; in a
        // dialog or form the user means "cancel", so Escape still goes on.
        let escape = matches!(
            event,
            Event::Keyboard(keyboard::Event::KeyPressed {
                key: keyboard::Key::Named(keyboard::key::Named::Escape),
                ..
            })
        );
        if shell.is_event_captured() && !escape {
            return;
        }
        // Modifier changes go on as an unidentified key (never captured),
        // for screens where Ctrl/Shift+click means something.
        if let Event::Keyboard(keyboard::Event::ModifiersChanged(modifiers)) = event {
            if let Some(m) = (self.map)(&Key::Unidentified, *modifiers) {
                shell.publish(m);
            }
            return;
        }
        if let Event::Keyboard(keyboard::Event::KeyPressed { key, modifiers, .. }) = event
            && let Some(m) = (self.map)(key, *modifiers)
        {
            shell.publish(m);
            shell.capture_event();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, Modifiers, Shortcut};
    use iced::keyboard::key::Named;

    #[test]
    fn keys_become_the_base_data_shortcuts() {
        let n = Key::Character("n".into());
        assert_eq!(Shortcut::from_key(&n, Modifiers::CTRL), Some(Shortcut::New));
        assert_eq!(
            Shortcut::from_key(&n, Modifiers::empty()),
            Some(Shortcut::No)
        );
        assert_eq!(
            Shortcut::from_key(&Key::Named(Named::F5), Modifiers::empty()),
            Some(Shortcut::Refresh)
        );
        assert_eq!(
            Shortcut::from_key(&Key::Character("q".into()), Modifiers::CTRL),
            None
        );
    }
}
