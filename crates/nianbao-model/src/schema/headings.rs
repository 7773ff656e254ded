//! The six numbered headings of a report, defined once, the same in both editions: renderers
//! print them, the importer finds the parts of a document by them.

use super::TableId;
use crate::report::SectionKey;

/// What a heading introduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// A prose section, by its key in interchange JSON ([`SectionKey`]).
    Section(&'static str),
    /// A table.
    Table(TableId),
}

/// One numbered heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heading {
    /// As printed in the official template: `二、主动公开政府信息情况`.
    pub text: &'static str,
    /// What it introduces.
    pub part: Part,
    /// What an importer looks for to find it in a document: the title, or shorter forms that
    /// published reports print instead (never the number, which is often misprinted).
    pub find: &'static [&'static str],
}

impl Heading {
    /// The numbering as printed: `二、`.
    pub fn number(&self) -> &'static str {
        match self.text.find('、') {
            Some(i) => &self.text[..i + '、'.len_utf8()],
            None => "",
        }
    }

    /// The title without its numbering: `主动公开政府信息情况`.
    pub fn title(&self) -> &'static str {
        &self.text[self.number().len()..]
    }

    /// The heading of a part.
    pub fn of(part: Part) -> &'static Heading {
        match HEADINGS.iter().find(|h| h.part == part) {
            Some(h) => h,
            // Every part has a heading (checked by a test); the first one is a harmless answer.
            None => &HEADINGS[0],
        }
    }
}

/// The headings in print order.
pub const HEADINGS: [Heading; 6] = [
    Heading {
        text: "一、总体情况",
        part: Part::Section(SectionKey::OVERVIEW),
        find: &["总体情况"],
    },
    Heading {
        text: "二、主动公开政府信息情况",
        part: Part::Table(TableId::S2),
        find: &["主动公开政府信息情况"],
    },
    Heading {
        text: "三、收到和处理政府信息公开申请情况",
        part: Part::Table(TableId::S3),
        find: &["收到和处理政府信息公开申请情况"],
    },
    Heading {
        text: "四、政府信息公开行政复议、行政诉讼情况",
        part: Part::Table(TableId::S4),
        find: &["政府信息公开行政复议、行政诉讼情况"],
    },
    Heading {
        text: "五、存在的主要问题及改进情况",
        part: Part::Section(SectionKey::PROBLEMS),
        find: &["存在的主要问题", "主要问题及改进", "存在问题"],
    },
    Heading {
        text: "六、其他需要报告的事项",
        part: Part::Section(SectionKey::OTHER),
        find: &["其他需要报告的事项"],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Edition;

    #[test]
    fn every_part_has_its_heading_and_the_schema_prints_them() {
        let numbers: Vec<&str> = HEADINGS.iter().map(Heading::number).collect();
        assert_eq!(numbers, ["一、", "二、", "三、", "四、", "五、", "六、"]);
        for e in Edition::ALL {
            for t in &e.schema().tables {
                let h = Heading::of(Part::Table(t.id));
                assert_eq!(h.part, Part::Table(t.id));
                assert_eq!(t.heading, h.text);
            }
        }
        for (key, text) in SectionKey::OFFICIAL {
            assert_eq!(Heading::of(Part::Section(key)).text, text);
        }
        for h in &HEADINGS {
            assert!(
                !h.find.is_empty()
                    && h.find
                        .iter()
                        .all(|f| h.title().contains(f) || *f == "存在问题")
            );
        }
        assert_eq!(HEADINGS[1].title(), "主动公开政府信息情况");
    }
}
