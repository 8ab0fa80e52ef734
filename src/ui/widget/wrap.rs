//! One widget around another: the child is laid out, drawn and given
//! every event as if it stood alone; the wrapper only adds what its
//! [`Wrapper`] says. Keyboard shortcuts and the Tab stops of
//! [`super::focus`] are both such wrappers.

use iced::advanced::layout::{self, Layout};
use iced::advanced::widget::{Operation, Tree, Widget, tree};
use iced::advanced::{Clipboard, Shell, overlay, renderer};
use iced::{Element, Event, Length, Rectangle, Size, Vector, mouse};

/// What a wrapper adds to its child; each step has a default that adds
/// nothing.
pub trait Wrapper<M, Theme, R> {
    /// The wrapper's own state in the widget tree (`()` for none).
    type State: Default + 'static;

    /// Sees an operation before the child does (to be a Tab stop itself).
    fn operate(
        &mut self,
        _state: &mut Self::State,
        _bounds: Rectangle,
        _operation: &mut dyn Operation,
    ) {
    }

    /// Whether the child gets `event` at all (every event, unless said).
    fn passes(&self, _event: &Event) -> bool {
        true
    }

    /// Sees an event after the child has had it.
    fn update(&mut self, _state: &mut Self::State, _event: &Event, _shell: &mut Shell<'_, M>) {}

    /// Draws over the child.
    fn draw_over(
        &self,
        _state: &Self::State,
        _renderer: &mut R,
        _theme: &Theme,
        _bounds: Rectangle,
    ) {
    }
}

/// Marks a wrapper's state type in its tree tag.
struct Tagged<S>(S);

/// `content` with `wrapper` around it.
pub struct Wrapped<'a, W, M, Theme, R> {
    pub(super) content: Element<'a, M, Theme, R>,
    pub(super) wrapper: W,
}

impl<'a, W, M, Theme, R> Wrapped<'a, W, M, Theme, R> {
    /// Puts `wrapper` around `content`.
    pub fn new(content: impl Into<Element<'a, M, Theme, R>>, wrapper: W) -> Self {
        Wrapped {
            content: content.into(),
            wrapper,
        }
    }
}

impl<W, M, Theme, R> Widget<M, Theme, R> for Wrapped<'_, W, M, Theme, R>
where
    W: Wrapper<M, Theme, R>,
    R: renderer::Renderer,
{
    fn tag(&self) -> tree::Tag {
        // Never the stateless tag, even for `()`: iced keeps a stateless
        // tree's empty state, which would not downcast.
        tree::Tag::of::<Tagged<W::State>>()
    }

    fn state(&self) -> tree::State {
        tree::State::new(W::State::default())
    }

    fn children(&self) -> Vec<Tree> {
        vec![Tree::new(&self.content)]
    }

    fn diff(&self, tree: &mut Tree) {
        tree.diff_children(std::slice::from_ref(&self.content));
    }

    fn size(&self) -> Size<Length> {
        self.content.as_widget().size()
    }

    fn layout(&mut self, tree: &mut Tree, renderer: &R, limits: &layout::Limits) -> layout::Node {
        self.content
            .as_widget_mut()
            .layout(&mut tree.children[0], renderer, limits)
    }

    fn operate(
        &mut self,
        tree: &mut Tree,
        layout: Layout<'_>,
        renderer: &R,
        operation: &mut dyn Operation,
    ) {
        let state = tree.state.downcast_mut::<W::State>();
        self.wrapper.operate(state, layout.bounds(), operation);
        self.content
            .as_widget_mut()
            .operate(&mut tree.children[0], layout, renderer, operation);
    }

    fn update(
        &mut self,
        tree: &mut Tree,
        event: &Event,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        renderer: &R,
        clipboard: &mut dyn Clipboard,
        shell: &mut Shell<'_, M>,
        viewport: &Rectangle,
    ) {
        if self.wrapper.passes(event) {
            self.content.as_widget_mut().update(
                &mut tree.children[0],
                event,
                layout,
                cursor,
                renderer,
                clipboard,
                shell,
                viewport,
            );
        }
        let state = tree.state.downcast_mut::<W::State>();
        self.wrapper.update(state, event, shell);
    }

    fn mouse_interaction(
        &self,
        tree: &Tree,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
        renderer: &R,
    ) -> mouse::Interaction {
        self.content.as_widget().mouse_interaction(
            &tree.children[0],
            layout,
            cursor,
            viewport,
            renderer,
        )
    }

    fn draw(
        &self,
        tree: &Tree,
        renderer: &mut R,
        theme: &Theme,
        style: &renderer::Style,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
    ) {
        self.content.as_widget().draw(
            &tree.children[0],
            renderer,
            theme,
            style,
            layout,
            cursor,
            viewport,
        );
        let state = tree.state.downcast_ref::<W::State>();
        self.wrapper
            .draw_over(state, renderer, theme, layout.bounds());
    }

    fn overlay<'b>(
        &'b mut self,
        tree: &'b mut Tree,
        layout: Layout<'b>,
        renderer: &R,
        viewport: &Rectangle,
        translation: Vector,
    ) -> Option<overlay::Element<'b, M, Theme, R>> {
        self.content.as_widget_mut().overlay(
            &mut tree.children[0],
            layout,
            renderer,
            viewport,
            translation,
        )
    }
}

impl<'a, W, M, Theme, R> From<Wrapped<'a, W, M, Theme, R>> for Element<'a, M, Theme, R>
where
    W: Wrapper<M, Theme, R> + 'a,
    M: 'a,
    Theme: 'a,
    R: renderer::Renderer + 'a,
{
    fn from(w: Wrapped<'a, W, M, Theme, R>) -> Self {
        Element::new(w)
    }
}
