//! The outlet picker of 分配, 所属网点, 上级网点 and 网络网点: a text field
//! with the matching outlets listed under it. Typing filters by Chinese
//! name, code or pinyin initials; the highlighted match (↑/↓ move it) is
//! what Enter picks, and Enter with no match picks nothing and says so.

use std::sync::Arc;

use iced::Length;
use iced::widget::{button, column, text, text_input};

use super::Choice;
use crate::domain::name_match;
use crate::i18n::{self, Lang};
use crate::ui::Element;

/// How many matches are listed at once.
const MAX_HITS: usize = 8;

/// Entries with their match keys, built once (off the GUI thread for the
/// network) and shared by every picker over them: 20,000 outlets are one
/// list of labels, not one per picker. Every entry's label, value,
/// lower-case label and initials sit in one text, one after another: at
/// 20,000 outlets four strings each were 80,000 allocations and 5 MB;
/// packed they are one and about 1.5 MB (issue 11).
#[derive(Debug, Default)]
pub struct Options {
    text: String,
    /// Per entry, where its label, value, lower-case label and initials
    /// end in `text`; each part starts where the one before it ends.
    ends: Vec<[u32; 4]>,
}

impl Options {
    /// The entries, in the order they are listed, with their keys.
    pub fn new(choices: Vec<Choice<String>>) -> Options {
        let mut o = Options {
            text: String::new(),
            ends: Vec::with_capacity(choices.len()),
        };
        for c in &choices {
            let lower = c.label.to_lowercase();
            // A label already in lower case (most Chinese names) is not
            // kept twice: an empty part means "the label".
            let lower = if lower == c.label { "" } else { &lower };
            let initials = name_match::initials_of(if lower.is_empty() { &c.label } else { lower });
            let mut end = [0u32; 4];
            for (i, part) in [c.label.as_str(), &c.value, lower, &initials]
                .into_iter()
                .enumerate()
            {
                o.text.push_str(part);
                // 4 GB of labels is far beyond any network.
                end[i] = u32::try_from(o.text.len()).unwrap_or(u32::MAX);
            }
            o.ends.push(end);
        }
        o.text.shrink_to_fit();
        o
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Entry `i`'s four parts: label, value, lower-case label, initials.
    fn parts(&self, i: usize) -> Option<[&str; 4]> {
        let end = self.ends.get(i)?;
        let mut start = i.checked_sub(1).map_or(0, |p| self.ends[p][3] as usize);
        let mut out = [""; 4];
        for (k, e) in end.iter().enumerate() {
            out[k] = self.text.get(start..*e as usize)?;
            start = *e as usize;
        }
        if out[2].is_empty() {
            out[2] = out[0];
        }
        Some(out)
    }

    /// Entry `i`'s label.
    pub fn label(&self, i: usize) -> Option<&str> {
        self.parts(i).map(|p| p[0])
    }

    /// Entry `i`'s value.
    pub fn value(&self, i: usize) -> Option<&str> {
        self.parts(i).map(|p| p[1])
    }

    /// Entry `i` as a choice of its own.
    pub fn choice(&self, i: usize) -> Option<Choice<String>> {
        self.parts(i).map(|p| Choice {
            value: p[1].to_owned(),
            label: p[0].to_owned(),
        })
    }

    /// Whether entry `i` matches `query` (in lower case).
    fn matches(&self, i: usize, query: &str) -> bool {
        self.parts(i)
            .is_some_and(|p| name_match::matches(p[2], p[3], query))
    }

    /// The heap bytes the entries and keys hold (for the bench).
    pub fn bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * std::mem::size_of::<[u32; 4]>()
    }
}

/// The picker's options and what is typed.
#[derive(Debug, Clone, Default)]
pub struct Picker {
    options: Arc<Options>,
    /// The entries of `options` this picker offers (all when `None`).
    only: Option<Arc<[u32]>>,
    query: String,
    /// Indexes into `options` of the listed matches.
    hits: Vec<usize>,
    /// The highlighted entry of `hits`.
    cursor: usize,
}

/// What the user did in a picker.
#[derive(Debug, Clone)]
pub enum PickerMsg {
    Query(String),
    /// Enter in the field.
    Submit,
    /// A listed match clicked (index into the options).
    Pick(usize),
    /// ↑/↓: moves the highlight.
    Move(i32),
}

/// What a picker message means for the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Picked {
    /// The user chose this outlet.
    Chose(Choice<String>),
    /// Enter with nothing typed: the screen may take it as "confirm".
    Confirm,
    /// Nothing to do (typing, moving, Enter with no match).
    Nothing,
}

impl Picker {
    /// A picker over `options`, in the order they are listed.
    pub fn new(options: Vec<Choice<String>>) -> Picker {
        Picker::shared(Arc::new(Options::new(options)), None)
    }

    /// A picker over shared `options`, offering only the entries `only`
    /// indexes (all when `None`).
    pub fn shared(options: Arc<Options>, only: Option<Arc<[u32]>>) -> Picker {
        let mut p = Picker {
            options,
            only,
            ..Picker::default()
        };
        p.refresh();
        p
    }

    /// Replaces the options, keeping what is typed.
    pub fn set_options(&mut self, options: Arc<Options>, only: Option<Arc<[u32]>>) {
        let query = std::mem::take(&mut self.query);
        *self = Picker::shared(options, only);
        self.query = query;
        self.refresh();
    }

    /// Forgets what is typed.
    pub fn clear(&mut self) {
        self.query.clear();
        self.refresh();
    }

    /// The highlighted match, if something is typed and matches.
    pub fn highlighted(&self) -> Option<Choice<String>> {
        self.hits
            .get(self.cursor)
            .and_then(|i| self.options.choice(*i))
    }

    /// Whether something is typed that matches no outlet.
    pub fn no_match(&self) -> bool {
        !self.query.trim().is_empty() && self.hits.is_empty()
    }

    fn refresh(&mut self) {
        let q = self.query.trim().to_lowercase();
        let options = &self.options;
        let matches = |i: &usize| options.matches(*i, &q);
        self.hits = match &self.only {
            Some(only) => only
                .iter()
                .map(|i| *i as usize)
                .filter(matches)
                .take(MAX_HITS)
                .collect(),
            None => (0..options.len()).filter(matches).take(MAX_HITS).collect(),
        };
        self.cursor = 0;
    }

    /// Applies a message; returns what it means for the screen.
    pub fn update(&mut self, msg: PickerMsg) -> Picked {
        match msg {
            PickerMsg::Query(q) => {
                self.query = q;
                self.refresh();
                Picked::Nothing
            }
            PickerMsg::Move(d) => {
                let n = self.hits.len() as i32;
                if n > 0 {
                    self.cursor = (self.cursor as i32 + d).rem_euclid(n) as usize;
                }
                Picked::Nothing
            }
            PickerMsg::Pick(i) => match self.options.choice(i) {
                Some(c) => {
                    self.clear();
                    Picked::Chose(c)
                }
                None => Picked::Nothing,
            },
            PickerMsg::Submit => {
                if self.query.trim().is_empty() {
                    return Picked::Confirm;
                }
                match self.highlighted() {
                    Some(c) => {
                        self.clear();
                        Picked::Chose(c)
                    }
                    None => Picked::Nothing,
                }
            }
        }
    }

    /// What is typed.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The listed matches: option index, label, highlighted.
    pub fn listed(&self) -> impl Iterator<Item = (usize, &str, bool)> {
        self.hits.iter().enumerate().filter_map(|(n, i)| {
            let label = self.options.label(*i)?;
            Some((*i, label, n == self.cursor))
        })
    }

    /// The text field alone. `chosen` is shown in the empty field; `on`
    /// wraps picker messages.
    pub fn field<'a, M: Clone + 'a>(
        &'a self,
        id: &'static str,
        chosen: Option<String>,
        placeholder: String,
        on: impl Fn(PickerMsg) -> M + Clone + 'a,
    ) -> iced::widget::TextInput<'a, M, crate::ui::theme::AppTheme> {
        let on_input = on.clone();
        text_input(&chosen.unwrap_or(placeholder), &self.query)
            .id(id)
            .on_input(move |q| on_input(PickerMsg::Query(q)))
            .on_submit(on(PickerMsg::Submit))
            .padding(5)
    }

    /// One listed match as a button, the highlighted one as the primary.
    fn hit<'a, M: Clone + 'a>(
        label: &'a str,
        highlighted: bool,
        on_press: M,
    ) -> iced::widget::Button<'a, M, crate::ui::theme::AppTheme> {
        button(text(label).size(13))
            .padding([2, 8])
            .style(if highlighted {
                crate::ui::theme::button::primary
            } else {
                crate::ui::theme::button::secondary
            })
            .on_press(on_press)
    }

    /// "No match" or the ↑↓ hint, when something is typed.
    fn status_line<'a, M: 'a>(&self, lang: Lang) -> Option<Element<'a, M>> {
        if self.query.trim().is_empty() {
            None
        } else if self.hits.is_empty() {
            Some(super::error_line(i18n::tf(
                lang,
                "picker.no_match",
                &[("query", self.query.trim())],
            )))
        } else {
            Some(super::muted(i18n::t(lang, "picker.hint")).size(11).into())
        }
    }

    /// The matches in a wrapping row (for toolbars), with the status line.
    pub fn hits_row<'a, M: Clone + 'a>(
        &'a self,
        lang: Lang,
        on: impl Fn(PickerMsg) -> M + 'a,
    ) -> Option<Element<'a, M>> {
        let status = self.status_line(lang)?;
        let mut hits = iced::widget::row![].spacing(6);
        for (i, c, lit) in self.listed() {
            hits = hits.push(Self::hit(c, lit, on(PickerMsg::Pick(i))));
        }
        Some(
            column![hits.wrap().vertical_spacing(4), status]
                .spacing(2)
                .into(),
        )
    }

    /// The field with the matches listed under it (for forms and dialogs).
    pub fn view<'a, M: Clone + 'a>(
        &'a self,
        lang: Lang,
        id: &'static str,
        chosen: Option<String>,
        placeholder: String,
        on: impl Fn(PickerMsg) -> M + Clone + 'a,
    ) -> Element<'a, M> {
        let field = self
            .field(id, chosen, placeholder, on.clone())
            .width(Length::Fill);
        // Always a column, so the field keeps its place (and its focus) in
        // the widget tree when matches appear under it.
        let mut col = column![field].spacing(2);
        let Some(status) = self.status_line(lang) else {
            return col.into();
        };
        for (i, c, lit) in self.listed() {
            col = col.push(Self::hit(c, lit, on(PickerMsg::Pick(i))).width(Length::Fill));
        }
        col.push(status).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outlets() -> Picker {
        Picker::new(
            [
                ("BJ-CY", "北京朝阳营业部 (BJ-CY)"),
                ("JS-YZ-01", "扬州邗江营业部 (JS-YZ-01)"),
                ("JS-YZ-02", "扬州江都营业部 (JS-YZ-02)"),
            ]
            .into_iter()
            .map(|(v, l)| Choice {
                value: v.to_string(),
                label: l.to_string(),
            })
            .collect(),
        )
    }

    #[test]
    fn enter_picks_the_highlighted_chinese_match() {
        let mut p = outlets();
        p.update(PickerMsg::Query("扬州".into()));
        assert_eq!(
            p.highlighted().map(|c| c.value),
            Some("JS-YZ-01".to_owned())
        );
        p.update(PickerMsg::Move(1));
        match p.update(PickerMsg::Submit) {
            Picked::Chose(c) => assert_eq!(c.value, "JS-YZ-02"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn codes_and_initials_match_in_any_case() {
        let mut p = outlets();
        p.update(PickerMsg::Query("js-yz-02".into()));
        assert_eq!(
            p.highlighted().map(|c| c.value),
            Some("JS-YZ-02".to_owned())
        );
        p.update(PickerMsg::Query("BJCY".into()));
        let listed: Vec<&str> = p.listed().map(|(_, label, _)| label).collect();
        assert_eq!(listed, ["北京朝阳营业部 (BJ-CY)"]);
    }

    #[test]
    fn enter_with_no_match_picks_nothing() {
        let mut p = outlets();
        p.update(PickerMsg::Query("拉萨".into()));
        assert!(p.no_match());
        assert_eq!(p.update(PickerMsg::Submit), Picked::Nothing);
        p.update(PickerMsg::Query(String::new()));
        assert_eq!(p.update(PickerMsg::Submit), Picked::Confirm);
    }
}
