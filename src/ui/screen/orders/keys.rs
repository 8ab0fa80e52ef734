//! The keyboard of 阿里订单受理: letters act on the selected order, digits
//! pick a reason, arrows move, Enter confirms, Esc closes.

use super::dialog::Dialog;
use super::{Message, ReasonKind, State};
use crate::ui::widget::picker::PickerMsg;

impl State {
    /// Maps a key to a message. Letters act on the selected order; digits
    /// pick a reason; arrows move; Enter confirms; Esc closes.
    pub fn key(
        &self,
        key: &iced::keyboard::Key,
        mods: iced::keyboard::Modifiers,
    ) -> Option<Message> {
        use iced::keyboard::Key;
        use iced::keyboard::key::Named;
        if let Key::Unidentified = key {
            // The shortcuts layer reports modifier changes this way.
            return Some(Message::Modifiers(mods));
        }
        if self.preview.is_some() {
            return matches!(key, Key::Named(Named::Escape))
                .then_some(Message::Preview(crate::ui::screen::print::Message::Close));
        }
        if mods.command() && self.dialog.is_none() {
            return match key.as_ref() {
                Key::Character("a") => Some(Message::MarkPage),
                Key::Character("p") => Some(Message::OpenPrint),
                _ => None,
            };
        }
        if mods.command() || mods.alt() {
            return None;
        }
        if self.export.is_open() && self.dialog.is_none() {
            return matches!(key, Key::Named(Named::Escape))
                .then_some(Message::Export(crate::ui::export::ExportMsg::Close));
        }
        if let Some(d) = &self.dialog {
            return match key {
                // Typed before the dialog's first field had the keyboard.
                Key::Character(c) if self.typing_ahead => Some(Message::TypeAhead(c.to_string())),
                Key::Named(Named::Escape) => Some(Message::CloseDialog),
                Key::Named(Named::Enter) if !matches!(d, Dialog::Query(_)) => Some(Message::Submit),
                Key::Named(Named::Enter) => Some(Message::CloseDialog),
                Key::Named(Named::ArrowDown) if matches!(d, Dialog::Assign { .. }) => {
                    Some(Message::AssignPick(PickerMsg::Move(1)))
                }
                Key::Named(Named::ArrowUp) if matches!(d, Dialog::Assign { .. }) => {
                    Some(Message::AssignPick(PickerMsg::Move(-1)))
                }
                Key::Character(c) if matches!(d, Dialog::Reason { .. }) => c
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .map(|n| Message::ReasonIndex(n - 1)),
                _ => None,
            };
        }
        // While 网点选项 lists matches, the arrows move its highlight.
        let picking = !self.selector_picker.query().trim().is_empty();
        match key {
            Key::Named(Named::ArrowDown) if picking => {
                Some(Message::SelectorPick(PickerMsg::Move(1)))
            }
            Key::Named(Named::ArrowUp) if picking => {
                Some(Message::SelectorPick(PickerMsg::Move(-1)))
            }
            Key::Named(Named::ArrowDown) => Some(Message::Move(1)),
            Key::Named(Named::ArrowUp) => Some(Message::Move(-1)),
            Key::Named(Named::PageDown) => Some(Message::NextPage),
            Key::Named(Named::PageUp) => Some(Message::PrevPage),
            Key::Named(Named::F5) => Some(Message::SyncNow),
            Key::Character(c) => match c.as_str() {
                "c" => Some(Message::Contacted),
                "a" => Some(Message::OpenAccept),
                "r" => Some(Message::OpenReason(ReasonKind::Return)),
                "f" => Some(Message::OpenReason(ReasonKind::PickupFailed)),
                "g" => Some(Message::OpenAssign),
                "b" => Some(Message::OpenWaybill),
                "x" => Some(Message::OpenReason(ReasonKind::Close)),
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use iced::keyboard::key::Named;
    use iced::keyboard::{Key, Modifiers};

    use super::super::dialog::Dialog;
    use super::super::{Message, ReasonKind, State};

    fn letter(c: &str) -> Key {
        Key::Character(c.into())
    }

    #[test]
    fn letters_act_on_the_selected_order_and_arrows_move() {
        let s = State::default();
        let none = Modifiers::empty();
        assert!(matches!(
            s.key(&letter("a"), none),
            Some(Message::OpenAccept)
        ));
        assert!(matches!(
            s.key(&letter("c"), none),
            Some(Message::Contacted)
        ));
        assert!(matches!(
            s.key(&letter("r"), none),
            Some(Message::OpenReason(ReasonKind::Return))
        ));
        assert!(matches!(
            s.key(&letter("x"), none),
            Some(Message::OpenReason(ReasonKind::Close))
        ));
        assert!(matches!(
            s.key(&Key::Named(Named::ArrowDown), none),
            Some(Message::Move(1))
        ));
        assert!(matches!(
            s.key(&Key::Named(Named::F5), none),
            Some(Message::SyncNow)
        ));
        // Ctrl+A ticks the page for printing, never 受理; Ctrl+P prints.
        assert!(matches!(
            s.key(&letter("a"), Modifiers::CTRL),
            Some(Message::MarkPage)
        ));
        assert!(matches!(
            s.key(&letter("p"), Modifiers::CTRL),
            Some(Message::OpenPrint)
        ));
    }

    #[test]
    fn in_a_reason_dialog_digits_pick_and_esc_closes() {
        let s = State {
            dialog: Some(Dialog::Reason {
                order_no: "A-1".into(),
                kind: ReasonKind::Return,
                reason: None,
                note: String::new(),
                error: None,
            }),
            ..State::default()
        };
        let none = Modifiers::empty();
        assert!(matches!(
            s.key(&letter("2"), none),
            Some(Message::ReasonIndex(1))
        ));
        assert!(s.key(&letter("0"), none).is_none());
        // Letters do not act on the order behind the dialog.
        assert!(s.key(&letter("a"), none).is_none());
        assert!(matches!(
            s.key(&Key::Named(Named::Escape), none),
            Some(Message::CloseDialog)
        ));
        assert!(matches!(
            s.key(&Key::Named(Named::Enter), none),
            Some(Message::Submit)
        ));
    }
}
