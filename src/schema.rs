//! The 41 connection features of KDD Cup 99 / NSL-KDD, how their columns may be named, and how a
//! label value reads.
//!
//! Every layout the reader accepts is mapped onto this one list, so the rest of the crate never
//! sees a column name: it sees a feature index.

/// What values a feature takes; this decides how a field is checked and encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name from a small set (`tcp`, `http`, `SF`): encoded through the model's category table.
    Category,
    /// A non-negative number (seconds, bytes, counts, 0/1 flags).
    Count,
    /// A fraction between 0 and 1.
    Rate,
}

/// One model input column.
#[derive(Debug, Clone, Copy)]
pub struct Feature {
    /// The standard snake_case name, as NSL-KDD's documentation spells it.
    pub name: &'static str,
    /// What values the feature takes, which decides how its field is checked.
    pub kind: Kind,
}

const fn feature(name: &'static str, kind: Kind) -> Feature {
    Feature { name, kind }
}

/// Number of connection features.
pub const FEATURE_COUNT: usize = 41;

/// The features, in the order of NSL-KDD's headerless files (and of the model's input vector).
pub const FEATURES: [Feature; FEATURE_COUNT] = {
    use Kind::{Category, Count, Rate};
    [
        feature("duration", Count),
        feature("protocol_type", Category),
        feature("service", Category),
        feature("flag", Category),
        feature("src_bytes", Count),
        feature("dst_bytes", Count),
        feature("land", Count),
        feature("wrong_fragment", Count),
        feature("urgent", Count),
        feature("hot", Count),
        feature("num_failed_logins", Count),
        feature("logged_in", Count),
        feature("num_compromised", Count),
        feature("root_shell", Count),
        feature("su_attempted", Count),
        feature("num_root", Count),
        feature("num_file_creations", Count),
        feature("num_shells", Count),
        feature("num_access_files", Count),
        feature("num_outbound_cmds", Count),
        feature("is_host_login", Count),
        feature("is_guest_login", Count),
        feature("count", Count),
        feature("srv_count", Count),
        feature("serror_rate", Rate),
        feature("srv_serror_rate", Rate),
        feature("rerror_rate", Rate),
        feature("srv_rerror_rate", Rate),
        feature("same_srv_rate", Rate),
        feature("diff_srv_rate", Rate),
        feature("srv_diff_host_rate", Rate),
        feature("dst_host_count", Count),
        feature("dst_host_srv_count", Count),
        feature("dst_host_same_srv_rate", Rate),
        feature("dst_host_diff_srv_rate", Rate),
        feature("dst_host_same_src_port_rate", Rate),
        feature("dst_host_srv_diff_host_rate", Rate),
        feature("dst_host_serror_rate", Rate),
        feature("dst_host_srv_serror_rate", Rate),
        feature("dst_host_rerror_rate", Rate),
        feature("dst_host_srv_rerror_rate", Rate),
    ]
};

/// Indices of the three categorical features, in feature order.
pub const CATEGORY_FEATURES: [usize; 3] = [1, 2, 3];

/// Header names that mean "the label column" (compared after [`normalize_name`]).
const LABEL_NAMES: [&str; 16] = [
    "attack",
    "attacks",
    "label",
    "labels",
    "class",
    "outcome",
    "target",
    "attacktype",
    "attackname",
    "attackclass",
    "attackcat",
    "attackcategory",
    "category",
    "xattack",
    "result",
    "intrusion",
];

/// Header names that mean NSL-KDD's difficulty level: passed through, never a feature.
const DIFFICULTY_NAMES: [&str; 4] = ["lastflag", "level", "difficulty", "difficultylevel"];

/// The name written for a headerless file's label column.
pub const LABEL_COLUMN: &str = "label";
/// The name written for a headerless file's difficulty column.
pub const DIFFICULTY_COLUMN: &str = "difficulty";

/// What a column of an input file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A feature's column: the feature's index in [`FEATURES`].
    Feature(usize),
    /// The connection's label (an attack name, an attack category, or normal against anomaly).
    Label,
    /// NSL-KDD's difficulty level: passed through, never a feature.
    Difficulty,
    /// Anything else (an address, a timestamp): passed through untouched.
    Other,
}

/// Folds a header name to the form names are compared in: ASCII lowercase, without `_`, `-`,
/// spaces or surrounding quotes. `Dst_Host_Srv-Count`, `dst host srv count` and `dsthostsrvcount`
/// all fold to `dsthostsrvcount`.
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .filter(|&c| {
            !(c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '_' | '-' | '"' | '\'' | '\u{2013}' | '\u{2014}' | '\u{FEFF}' | '\u{FFFD}'
                ))
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The role of a header name.
pub fn role_of(name: &str) -> Role {
    let folded = normalize_name(name);
    if let Some(index) = FEATURES
        .iter()
        .position(|f| normalize_name(f.name) == folded)
    {
        return Role::Feature(index);
    }
    if LABEL_NAMES.contains(&folded.as_str()) {
        return Role::Label;
    }
    if DIFFICULTY_NAMES.contains(&folded.as_str()) {
        return Role::Difficulty;
    }
    Role::Other
}

/// What a label value says about a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// `normal`, or `0` in a 0/1 column.
    Normal,
    /// `neptune`, or `1` in a 0/1 column (the seed's files mark Neptune with 1).
    Neptune,
    /// A label naming a group of attacks (`anomaly`, `attack`, `DoS`, `Probe`, `R2L`, `U2R`):
    /// Neptune may be among them, but the label cannot say which rows, so such rows are counted
    /// apart and never enter Neptune's accuracy.
    AttackGroup(&'static str),
    /// Another attack type (`smurf`, `satan`, ...): counted apart in metrics.
    OtherAttack(String),
}

/// Labels that name a group of attacks rather than one (as written, in any case; as shown).
/// NSL-KDD's two-class files (the official ARFF, Kaggle's `Train_data.csv`) say `anomaly`;
/// files reduced to KDD'99's four categories say `DoS`, `Probe`, `R2L`, `U2R`.
const ATTACK_GROUPS: [(&str, &str); 9] = [
    ("anomaly", "anomaly"),
    ("attack", "attack"),
    ("malicious", "malicious"),
    ("dos", "DoS"),
    ("probe", "Probe"),
    ("probing", "Probe"),
    ("r2l", "R2L"),
    ("u2r", "U2R"),
    ("u2l", "U2R"),
];

impl Label {
    /// Reads a label value: `0`/`1`, `normal`/`neptune`/`anomaly` in any case, with or without
    /// KDD Cup 99's trailing dot. An empty value is no label at all.
    pub fn parse(value: &str) -> Option<Label> {
        let value = value.trim();
        let value = value.strip_suffix('.').unwrap_or(value).trim();
        if value.is_empty() {
            return None;
        }
        // Called for every row of a labelled file: compare without allocating.
        let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(value));
        Some(if is(&["0", "0.0", "normal"]) {
            Label::Normal
        } else if is(&["1", "1.0", "neptune"]) {
            Label::Neptune
        } else if let Some((_, group)) = ATTACK_GROUPS
            .iter()
            .find(|(spelling, _)| spelling.eq_ignore_ascii_case(value))
        {
            Label::AttackGroup(group)
        } else {
            Label::OtherAttack(value.to_ascii_lowercase())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_across_spellings() {
        for name in [
            "dst_host_srv_count",
            "DST_HOST_SRV_COUNT",
            "dsthostsrvcount",
            "Dst Host Srv Count",
            "dst-host-srv-count",
        ] {
            assert_eq!(role_of(name), Role::Feature(32), "{name}");
        }
        assert_eq!(role_of("xAttack"), Role::Label);
        assert_eq!(role_of("attack_type"), Role::Label);
        assert_eq!(role_of("lastflag"), Role::Difficulty);
        assert_eq!(role_of("difficulty_level"), Role::Difficulty);
        assert_eq!(role_of("src_ip"), Role::Other);
    }

    #[test]
    fn every_feature_name_is_distinct_after_folding() {
        for (i, a) in FEATURES.iter().enumerate() {
            assert_eq!(role_of(a.name), Role::Feature(i));
        }
    }

    #[test]
    fn labels_read_in_every_spelling() {
        assert_eq!(Label::parse("normal."), Some(Label::Normal));
        assert_eq!(Label::parse("0"), Some(Label::Normal));
        assert_eq!(Label::parse("Neptune"), Some(Label::Neptune));
        assert_eq!(Label::parse("1"), Some(Label::Neptune));
        assert_eq!(Label::parse("anomaly"), Some(Label::AttackGroup("anomaly")));
        assert_eq!(Label::parse("dos"), Some(Label::AttackGroup("DoS")));
        assert_eq!(Label::parse("U2R"), Some(Label::AttackGroup("U2R")));
        assert_eq!(
            Label::parse("smurf."),
            Some(Label::OtherAttack("smurf".into()))
        );
        assert_eq!(Label::parse(" "), None);
    }
}
