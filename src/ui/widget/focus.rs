//! Keyboard focus beyond what iced gives: Tab that cycles (and stays
//! inside an open dialog), focus on a dialog's first field, and
//! [`keyable`], which puts controls iced cannot focus (checkboxes, pick
//! lists, buttons) into the Tab order, operable with Space/Enter and ↑/↓.
//!
//! iced 0.14 only focuses text inputs, and its `focus_next` stops after
//! the last one and walks the whole window, including what lies behind a
//! modal dialog.

use iced::advanced::widget::Id;
use iced::advanced::widget::operation::{Focusable, Operation, Outcome};
use iced::advanced::{Shell, renderer};
use iced::keyboard::{self, key::Named};
use iced::{Border, Color, Event, Rectangle, Task, mouse};

use super::wrap::{Wrapped, Wrapper};

use crate::ui::Element;
use crate::ui::theme::AppTheme as Theme;

/// The id every modal dialog's box carries (see `widget::modal`).
pub const MODAL: &str = "modal-dialog";

/// Takes the focus from every field: a yes/no question opens with its Y/N
/// keys live, never typing them into the form behind it.
pub fn blur<T: Send + 'static>() -> Task<T> {
    iced::advanced::widget::operate(iced::advanced::widget::operation::focusable::unfocus())
}

/// Where focus goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The first focusable control.
    First,
    /// The one after the focused one, wrapping to the first (Tab).
    Next,
    /// The one before, wrapping to the last (Shift+Tab).
    Previous,
}

/// The index focus moves to among `total` controls, the `focused` one
/// being focused now; `None` when there is nothing to focus.
pub fn target(mv: Move, focused: Option<usize>, total: usize) -> Option<usize> {
    if total == 0 {
        return None;
    }
    Some(match (mv, focused) {
        (Move::First, _) | (Move::Next, None) => 0,
        (Move::Next, Some(f)) => (f + 1) % total,
        (Move::Previous, None) => total - 1,
        (Move::Previous, Some(f)) => (f + total - 1) % total,
    })
}

/// Moves focus; with `scope`, only among the controls inside the container
/// of that id (an open dialog), and everything outside loses focus; when
/// nothing of that id is on screen, among all controls.
pub fn move_focus<T: Send + 'static>(mv: Move, scope: Option<&'static str>) -> Task<T> {
    iced::advanced::widget::operate(Cycle::counting(scope.map(Id::new), mv))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Count,
    Apply,
}

/// Two walks of the tree: count the controls in scope and find the
/// focused one, then focus the target and unfocus every other control.
struct Cycle {
    scope: Option<Id>,
    mv: Move,
    phase: Phase,
    focused: Option<usize>,
    total: usize,
    index: usize,
    target: Option<usize>,
    /// The last container seen was the scope: its children are inside.
    entering: bool,
    inside: bool,
}

impl Cycle {
    /// The first walk: count the controls in `scope`.
    fn counting(scope: Option<Id>, mv: Move) -> Cycle {
        Cycle {
            inside: scope.is_none(),
            scope,
            mv,
            phase: Phase::Count,
            focused: None,
            total: 0,
            index: 0,
            target: None,
            entering: false,
        }
    }
}

impl<T> Operation<T> for Cycle {
    fn traverse(&mut self, operate: &mut dyn FnMut(&mut dyn Operation<T>)) {
        if self.entering && !self.inside {
            self.entering = false;
            self.inside = true;
            operate(self);
            self.inside = false;
        } else {
            self.entering = false;
            operate(self);
        }
    }

    fn container(&mut self, id: Option<&Id>, _bounds: Rectangle) {
        self.entering = self.scope.is_some() && id == self.scope.as_ref();
    }

    fn focusable(&mut self, _id: Option<&Id>, _bounds: Rectangle, state: &mut dyn Focusable) {
        match self.phase {
            Phase::Count => {
                if self.inside {
                    if state.is_focused() {
                        self.focused = Some(self.total);
                    }
                    self.total += 1;
                }
            }
            Phase::Apply => {
                if self.inside && Some(self.index) == self.target {
                    state.focus();
                } else {
                    state.unfocus();
                }
                if self.inside {
                    self.index += 1;
                }
            }
        }
    }

    fn finish(&self) -> Outcome<T> {
        let target = target(self.mv, self.focused, self.total);
        match (self.phase, target) {
            (Phase::Count, Some(t)) => Outcome::Chain(Box::new(Cycle {
                phase: Phase::Apply,
                focused: self.focused,
                total: self.total,
                target: Some(t),
                ..Cycle::counting(self.scope.clone(), self.mv)
            })),
            // No dialog open: Tab walks the whole window.
            (Phase::Count, None) if self.scope.is_some() => {
                Outcome::Chain(Box::new(Cycle::counting(None, self.mv)))
            }
            _ => Outcome::None,
        }
    }
}

/// Puts `content` into the Tab order: when focused (by Tab) it shows a
/// ring, Space or Enter sends `activate` (tick a checkbox, press a
/// button), and ↑/↓ send `step(-1 | 1)` (the previous or next choice of a
/// drop-down), as in the Windows dialogs clerks know.
pub fn keyable<'a, M: Clone + 'a>(
    content: impl Into<Element<'a, M>>,
    activate: Option<M>,
) -> Keyable<'a, M> {
    Wrapped::new(
        content,
        Keys {
            activate,
            step: None,
        },
    )
}

/// See [`keyable`].
pub type Keyable<'a, M> = Wrapped<'a, Keys<'a, M>, M, Theme, iced::Renderer>;

/// What [`keyable`] adds: the messages its keys send.
pub struct Keys<'a, M> {
    activate: Option<M>,
    step: Option<Box<dyn Fn(i32) -> Option<M> + 'a>>,
}

impl<'a, M: Clone + 'a> Keyable<'a, M> {
    /// ↑/↓ step through choices: `f(-1)` or `f(1)` is the message.
    pub fn on_step(mut self, f: impl Fn(i32) -> Option<M> + 'a) -> Self {
        self.wrapper.step = Some(Box::new(f));
        self
    }
}

/// Whether Tab has put the keyboard focus here.
#[derive(Debug, Default)]
pub struct State {
    focused: bool,
}

impl Focusable for State {
    fn is_focused(&self) -> bool {
        self.focused
    }
    fn focus(&mut self) {
        self.focused = true;
    }
    fn unfocus(&mut self) {
        self.focused = false;
    }
}

impl<M: Clone> Wrapper<M, Theme, iced::Renderer> for Keys<'_, M> {
    type State = State;

    fn operate(&mut self, state: &mut State, bounds: Rectangle, operation: &mut dyn Operation) {
        // Something that does nothing by key (a disabled button) is not a
        // Tab stop.
        if self.activate.is_some() || self.step.is_some() {
            operation.focusable(None, bounds, state);
        }
    }

    fn update(&mut self, state: &mut State, event: &Event, shell: &mut Shell<'_, M>) {
        match event {
            // A click takes the keyboard focus away, as from a text field
            // (a clicked button must not fire again on a later Enter).
            Event::Mouse(mouse::Event::ButtonPressed(_)) => state.focused = false,
            Event::Keyboard(keyboard::Event::KeyPressed { key, .. })
                if state.focused && !shell.is_event_captured() =>
            {
                let message = match key.as_ref() {
                    // Space arrives named from the window and as " " from
                    // a typed string (iced_test).
                    keyboard::Key::Named(Named::Space | Named::Enter) => self.activate.clone(),
                    keyboard::Key::Character(" ") => self.activate.clone(),
                    keyboard::Key::Named(Named::ArrowUp) => self.step.as_ref().and_then(|f| f(-1)),
                    keyboard::Key::Named(Named::ArrowDown) => self.step.as_ref().and_then(|f| f(1)),
                    _ => None,
                };
                if let Some(m) = message {
                    shell.publish(m);
                    shell.capture_event();
                }
            }
            _ => {}
        }
    }

    fn draw_over(
        &self,
        state: &State,
        renderer: &mut iced::Renderer,
        theme: &Theme,
        bounds: Rectangle,
    ) {
        if state.focused {
            use iced::advanced::Renderer as _;
            let color = theme.extended_palette().primary.strong.color;
            renderer.fill_quad(
                renderer::Quad {
                    bounds: bounds.expand(2.0),
                    border: Border {
                        color,
                        width: 2.0,
                        radius: 3.0.into(),
                    },
                    ..renderer::Quad::default()
                },
                Color::TRANSPARENT,
            );
        }
    }
}

/// A checkbox in the Tab order: Space (or Enter) ticks it. Read-only when
/// `on_toggle` is `None`.
pub fn check<'a, M: Clone + 'a>(
    value: bool,
    label: String,
    on_toggle: Option<impl Fn(bool) -> M + 'a>,
) -> Element<'a, M> {
    let activate = on_toggle.as_ref().map(|f| f(!value));
    keyable(
        iced::widget::checkbox(value)
            .label(label)
            .on_toggle_maybe(on_toggle),
        activate,
    )
    .into()
}

/// A drop-down in the Tab order: ↑/↓ pick the previous or next choice
/// without opening it (the mouse still opens the list).
pub fn choose<'a, T, M>(
    options: Vec<T>,
    selected: Option<T>,
    on_select: impl Fn(T) -> M + Clone + 'a,
) -> Keyable<'a, M>
where
    T: ToString + PartialEq + Clone + 'a,
    M: Clone + 'a,
{
    let at = selected
        .as_ref()
        .and_then(|s| options.iter().position(|o| o == s));
    let steps = options.clone();
    let pick = on_select.clone();
    keyable(
        iced::widget::pick_list(options, selected, on_select).padding(5),
        None,
    )
    .on_step(move |d| {
        let next = match at {
            Some(i) => i as i64 + i64::from(d),
            None => 0,
        };
        usize::try_from(next)
            .ok()
            .and_then(|i| steps.get(i))
            .map(|o| pick(o.clone()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_wraps_both_ways() {
        assert_eq!(target(Move::Next, Some(2), 3), Some(0));
        assert_eq!(target(Move::Next, Some(0), 3), Some(1));
        assert_eq!(target(Move::Next, None, 3), Some(0));
        assert_eq!(target(Move::Previous, Some(0), 3), Some(2));
        assert_eq!(target(Move::Previous, None, 3), Some(2));
        assert_eq!(target(Move::First, Some(1), 3), Some(0));
        assert_eq!(target(Move::Next, None, 0), None);
    }
}
