//! The masking pass held to its promises: unit cases, the corpus of hard sentences in
//! `tests/fixtures/masking.tsv`, and property tests.

use super::*;

fn person(name: &str) -> party::Model {
    party::Model {
        id: uuid::Uuid::nil(),
        kind: PartyKind::Person,
        name: name.into(),
        id_number: Some("11010519491231002X".into()),
        credit_code: None,
        phone: Some("13805770001".into()),
        address: Some("北岙街道中心街12号".into()),
        created_at: chrono::DateTime::UNIX_EPOCH,
    }
}

#[test]
fn names_are_masked_like_the_court_does() {
    assert_eq!(masked_name(PartyKind::Person, "张三"), "张某");
    assert_eq!(masked_name(PartyKind::Person, "欧阳明华"), "欧阳某");
    assert_eq!(masked_name(PartyKind::Organization, "温州洞海建设有限公司"), "某有限公司");
    assert_eq!(masked_name(PartyKind::Organization, "洞头小陈海鲜餐饮店"), "某餐饮店");
    assert_eq!(masked_name(PartyKind::Organization, "洞头渔业"), "某单位");
}

#[test]
fn free_text_loses_names_and_identifiers() {
    let p = person("张三");
    let text =
        "张三(身份证11010519491231002X,电话13805770001,住北岙街道中心街12号)在店外占道经营;另一人电话13900001111";
    let masked = mask_text(text, Some(&p));
    assert!(!masked.contains("张三"), "{masked}");
    assert!(!masked.contains("1101051949"), "{masked}");
    assert!(!masked.contains("13805770001"), "{masked}");
    assert!(!masked.contains("13900001111"), "{masked}");
    assert!(!masked.contains("中心街12号"), "{masked}");
    assert!(masked.starts_with("张某"), "{masked}");
    // Short numbers (amounts, dates) stay.
    assert_eq!(mask_text("罚款200元,2023年3月1日", None), "罚款200元,2023年3月1日");
}

/// The party every corpus sentence is masked with.
fn zhu_fu() -> party::Model {
    party::Model {
        id: uuid::Uuid::nil(),
        kind: PartyKind::Person,
        name: "朱福".into(),
        id_number: Some("330322198001011234".into()),
        credit_code: None,
        phone: Some("13812345678".into()),
        address: Some("北岙街道中心街12号".into()),
        created_at: chrono::DateTime::UNIX_EPOCH,
    }
}

const CORPUS: &str = include_str!("../../tests/fixtures/masking.tsv");

fn corpus() -> Vec<(&'static str, Vec<&'static str>, Vec<&'static str>)> {
    let list = |s: &'static str| -> Vec<&'static str> { s.split('|').filter(|p| !p.is_empty() && *p != "-").collect() };
    CORPUS
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "corpus line needs three tab-separated columns: {l}");
            (cols[0], list(cols[1]), list(cols[2]))
        })
        .collect()
}

#[test]
fn the_corpus_of_hard_sentences_holds() {
    let party = zhu_fu();
    let lines = corpus();
    assert!(lines.len() >= 100, "{} sentences", lines.len());
    let mut failures = Vec::new();
    for (input, gone, kept) in &lines {
        let masked = mask_text(input, Some(&party));
        for g in gone {
            if masked.contains(g) {
                failures.push(format!("{input} → {masked}: still holds {g}"));
            }
        }
        for k in kept {
            if !masked.contains(k) {
                failures.push(format!("{input} → {masked}: lost {k}"));
            }
        }
        let twice = mask_text(&masked, Some(&party));
        if twice != masked {
            failures.push(format!("{input} → {masked} → {twice}: not idempotent"));
        }
    }
    assert!(failures.is_empty(), "{} of {} sentences fail:\n{}", failures.len(), lines.len(), failures.join("\n"));
}

/// The cost of one call on a typical record of a few hundred characters (printed; run with
/// `--nocapture` to read it). The bound is loose: debug builds on a busy machine.
#[test]
fn a_typical_record_masks_in_reasonable_time() {
    let party = zhu_fu();
    let record = "询问笔录：2023年3月1日10时30分，洞头区综合行政执法局执法人员张伟、刘洋在北岙街道中心街\
        检查时发现，当事人朱福（身份证号330322198001011234，电话138-1234-5678，住北岙街道中心街12号）\
        在店门口占道经营，摆放海鲜摊位3处，面积约12平方米。证人王小明（电话13900001111）证实当事人\
        自2023年2月起多次在此经营。执法人员当场责令当事人改正，并告知其依据《浙江省市容和环境卫生\
        管理条例》第三十八条的规定，拟处罚款人民币2000元。当事人对上述事实无异议，称系对相关规定\
        不了解，愿意配合整改。车辆浙C·12345停放于人行道，一并责令移除。";
    warm_up();
    let started = std::time::Instant::now();
    let rounds = 50;
    for _ in 0..rounds {
        std::hint::black_box(mask_text(record, Some(&party)));
    }
    let per_call = started.elapsed() / rounds;
    println!("mask_text: {} chars, {per_call:?} per call", record.chars().count());
    assert!(per_call < std::time::Duration::from_millis(200), "{per_call:?}");
}

mod properties {
    use proptest::prelude::*;

    use super::super::mask_text;

    /// Neutral filler: Chinese text without digits, names or addresses.
    const FILLER: &[&str] = &[
        "当事人",
        "经查",
        "在店门口",
        "占道经营",
        "执法人员",
        "现场检查",
        "责令改正",
        "，",
        "。",
        "联系方式",
        "号码",
        "电话",
        "身份证",
        "银行卡",
        "账户",
        "并称",
        "已核实",
        "：",
        " ",
        "（",
        "）",
        "摊位",
        "海鲜",
        "整改",
    ];
    const SEPARATORS: &[&str] = &["", "", "", " ", "-", "\u{3000}", "－", "  ", " - ", ".", "_", "—"];

    fn widen(c: char, wide: bool) -> char {
        if wide && (c.is_ascii_digit() || c.is_ascii_uppercase()) {
            char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
        } else {
            c
        }
    }

    /// An identifier's characters with random separators and widths.
    fn spread(raw: String) -> impl Strategy<Value = String> {
        let n = raw.chars().count();
        (
            proptest::collection::vec(0..SEPARATORS.len(), n),
            proptest::collection::vec(any::<bool>(), n),
            prop::sample::select(vec!["", "", "+86 ", "＋８６", "0086-"]),
        )
            .prop_map(move |(seps, wide, prefix)| {
                let mut out = String::new();
                for (k, c) in raw.chars().enumerate() {
                    if k > 0 {
                        out.push_str(SEPARATORS[seps[k]]);
                    }
                    out.push(widen(c, wide[k]));
                }
                if raw.len() == 11 { format!("{prefix}{out}") } else { out }
            })
    }

    fn phone() -> impl Strategy<Value = String> {
        ("1[3-9][0-9]{9}").prop_flat_map(spread)
    }

    fn id_number() -> impl Strategy<Value = String> {
        ("[1-6][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9])[0-9]{3}[0-9Xx]").prop_flat_map(spread)
    }

    fn card() -> impl Strategy<Value = String> {
        ("6[0-9]{15,18}").prop_flat_map(spread)
    }

    fn credit_code() -> impl Strategy<Value = String> {
        ("[159][1-3][0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}[0-9A-Y]").prop_flat_map(spread)
    }

    fn identifier() -> impl Strategy<Value = String> {
        prop_oneof![phone(), id_number(), card(), credit_code()]
    }

    fn filler() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop::sample::select(FILLER.to_vec()), 0..6).prop_map(|w| w.concat())
    }

    fn no_digits(s: &str) -> bool {
        !s.chars().any(|c| super::super::chars::fold(c).is_ascii_digit())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn identifiers_never_survive(before in filler(), id in identifier(), after in filler()) {
            let text = format!("{before}{id}{after}");
            let masked = mask_text(&text, None);
            prop_assert!(no_digits(&masked), "{text} → {masked}");
        }

        #[test]
        fn several_identifiers_never_survive(parts in proptest::collection::vec((filler(), identifier()), 1..4)) {
            let text: String = parts.iter().map(|(f, i)| format!("{f}{i}")).collect();
            let masked = mask_text(&text, Some(&super::zhu_fu()));
            prop_assert!(no_digits(&masked), "{text} → {masked}");
        }

        #[test]
        fn masking_is_idempotent(before in filler(), id in identifier(), after in filler()) {
            let once = mask_text(&format!("{before}{id}{after}"), Some(&super::zhu_fu()));
            prop_assert_eq!(mask_text(&once, Some(&super::zhu_fu())), once);
        }

        #[test]
        fn arbitrary_unicode_never_panics(text in any::<String>()) {
            let _ = mask_text(&text, Some(&super::zhu_fu()));
            let _ = mask_text(&text, None);
        }

        #[test]
        fn arbitrary_chinese_never_panics(text in "[\\u4e00-\\u9fff０-９0-9 ·\\-－，。号路街道镇村]{0,80}") {
            let _ = mask_text(&text, Some(&super::zhu_fu()));
        }
    }
}
