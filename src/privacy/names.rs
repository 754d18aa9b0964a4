//! Names of people: the case's known names (the party's, written with or without spaces or
//! dots between the characters, and the nicknames built from it), names after a nickname
//! cue (绰号“阿福”), and every word the jieba tagger marks as a person name (`nr`), e.g. a
//! witness. A person name becomes its surname and 某 (王小明 → 王某), or 某某 when the
//! surname is not a common one.

use std::sync::LazyLock;

use jieba_rs::Jieba;

use super::chars::{is_han, splice, split};

/// Two-character surnames common enough to matter (欧阳某, not 欧某).
pub const COMPOUND_SURNAMES: &[&str] =
    &["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯"];

/// Common single-character surnames (the first few hundred cover nearly everyone).
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";

/// Words that introduce a nickname.
const NICKNAME_CUES: &[&str] = &["绰号", "外号", "昵称", "小名", "网名", "诨名", "艺名", "人称", "化名"];

/// Words that introduce a person in case records (邻居陈美玲, 证人：朱大福): the name after
/// one is masked even where the tagger does not see a name.
const PERSON_CUES: &[&str] = &[
    "邻居",
    "证人",
    "目击者",
    "目击人",
    "举报人",
    "投诉人",
    "报案人",
    "受害人",
    "被害人",
    "店主",
    "摊主",
    "老板",
    "房东",
    "租户",
    "业主",
    "司机",
    "驾驶员",
    "驾驶人",
    "妻子",
    "丈夫",
    "儿子",
    "女儿",
    "父亲",
    "母亲",
    "家属",
    "亲属",
    "同事",
    "员工",
    "雇员",
    "负责人",
    "法定代表人",
    "经营者",
    "联系人",
    "代理人",
    "委托人",
    "见证人",
    "监护人",
];

/// [`PERSON_CUES`] as characters, split once per process rather than at every position of
/// every masked text.
static PERSON_CUE_CHARS: LazyLock<Vec<Vec<char>>> =
    LazyLock::new(|| PERSON_CUES.iter().map(|c| c.chars().collect()).collect());

/// What ends a name after a person cue: particles and verbs that follow a name in records.
const AFTER_NAME: &str = "的在于是和与因到把被将了经常曾也都就又称说讲表示反映承认陈述确认等及以对向从";

/// Words the dictionary or the HMM would otherwise take for names in case records.
const NOT_NAMES: &[(&str, &str)] = &[
    ("北岙", "ns"),
    ("东屏", "ns"),
    ("元觉", "ns"),
    ("霓屿", "ns"),
    ("大门镇", "ns"),
    ("鹿西", "ns"),
    ("洞头", "ns"),
    ("温州", "ns"),
    ("银行卡", "n"),
    ("卡号", "n"),
    ("承办人", "n"),
    ("当事人", "n"),
    ("执法队", "nt"),
    ("综合行政执法", "n"),
    ("占道经营", "v"),
    ("责令改正", "v"),
    ("立案", "v"),
    ("结案", "v"),
];

/// Loaded once per process: the default dictionary and the words above.
static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    for (word, tag) in NOT_NAMES {
        jieba.add_word(word, Some(100_000), Some(tag));
    }
    jieba
});

/// Loads the dictionary now (at start-up) rather than on the first masked read.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
}

/// The masked form of a person's name: 张三 → 张某, 欧阳明华 → 欧阳某, 某某 when unsure.
pub fn masked_person(name: &str) -> String {
    let chars = name.chars().count();
    if let Some(s) = COMPOUND_SURNAMES.iter().find(|s| name.starts_with(**s) && chars > 2) {
        return format!("{s}某");
    }
    match name.chars().next() {
        Some(c) if SURNAMES.contains(c) && chars >= 2 => format!("{c}某"),
        _ => "某某".to_string(),
    }
}

/// Whether `word` opens with a common surname (the tagger's guesses without one are mostly
/// ordinary words: 银行卡).
fn has_surname(word: &str) -> bool {
    COMPOUND_SURNAMES.iter().any(|s| word.starts_with(*s)) || word.chars().next().is_some_and(|c| SURNAMES.contains(c))
}

/// Replaces `name` wherever it appears with up to three spaces, dots, dashes or commas
/// between its characters (朱 福, 朱·福, 朱-福), by `masked`.
pub fn replace_spread(text: &str, name: &str, masked: &str) -> String {
    let name: Vec<char> = name.chars().filter(|c| !is_filler(*c)).collect();
    if name.len() < 2 {
        return text.to_string();
    }
    let (cs, ns) = split(text);
    let mut spans = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        match spread_match(&ns, i, &name) {
            Some(end) => {
                spans.push((i, end, masked.to_string()));
                i = end;
            }
            None => i += 1,
        }
    }
    splice(&cs, spans)
}

fn is_filler(c: char) -> bool {
    matches!(
        super::chars::fold(c),
        ' ' | '·' | '.' | '-' | '_' | '、' | ',' | '，' | '\u{200B}' | '\u{2060}' | '\u{FEFF}'
    )
}

fn spread_match(ns: &[char], at: usize, name: &[char]) -> Option<usize> {
    let mut k = at;
    for (idx, want) in name.iter().enumerate() {
        if idx > 0 {
            let gap = k;
            while k < ns.len() && k - gap < 3 && is_filler(ns[k]) {
                k += 1;
            }
        }
        if ns.get(k) != Some(&super::chars::fold(*want)) {
            return None;
        }
        k += 1;
    }
    Some(k)
}

/// The nicknames people build from a name: 阿福, 老朱, 小朱, and the given name alone when it
/// has two characters (欧阳明华 → 明华).
pub fn nicknames(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() < 2 || !chars.iter().all(|c| is_han(*c)) {
        return Vec::new();
    }
    let surname_len = if COMPOUND_SURNAMES.iter().any(|s| name.starts_with(*s)) && chars.len() > 2 { 2 } else { 1 };
    let surname: String = chars[..surname_len].iter().collect();
    let given: String = chars[surname_len..].iter().collect();
    let last = chars[chars.len() - 1];
    let mut out = vec![format!("阿{last}"), format!("老{surname}"), format!("小{surname}")];
    if given.chars().count() >= 2 {
        out.push(given);
    }
    out
}

/// A nickname after a cue (绰号“阿福”, 外号叫小胖) becomes 某某.
pub fn nickname_cues(text: &str) -> String {
    let (cs, _) = split(text);
    let n = cs.len();
    let mut spans = Vec::new();
    for cue in NICKNAME_CUES {
        let cue: Vec<char> = cue.chars().collect();
        let mut i = 0;
        while i + cue.len() <= n {
            if cs[i..i + cue.len()] != cue[..] {
                i += 1;
                continue;
            }
            let mut k = i + cue.len();
            while k < n && k - (i + cue.len()) < 2 && matches!(cs[k], '：' | ':' | '叫' | '为' | '是' | ' ') {
                k += 1;
            }
            let quoted = k < n && matches!(cs[k], '“' | '"' | '「' | '『' | '‘' | '\'' | '《');
            if quoted {
                k += 1;
            }
            let start = k;
            let max = if quoted { 8 } else { 3 };
            while k < n && k - start < max {
                let c = cs[k];
                let stop = if quoted {
                    matches!(c, '”' | '"' | '」' | '』' | '’' | '\'' | '》') || c == '\n'
                } else {
                    !is_han(c) || "的在于是和与因到把被将了经常曾也都就又称".contains(c)
                };
                if stop {
                    break;
                }
                k += 1;
            }
            if k > start && !cs[start..k].contains(&'某') {
                spans.push((start, k, "某某".to_string()));
            }
            i = k.max(i + 1);
        }
    }
    splice(&cs, spans)
}

/// A name after a person cue (邻居陈美玲反映 → 邻居陈某反映) becomes 张某: two or three Han
/// characters (four after a compound surname) that open with a common surname, up to a
/// particle or a reporting verb.
pub fn person_cues(text: &str) -> String {
    let (cs, _) = split(text);
    let n = cs.len();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < n {
        let Some(cue) = PERSON_CUE_CHARS.iter().find(|c| cs[i..].starts_with(c)) else {
            i += 1;
            continue;
        };
        let mut k = i + cue.len();
        while k < n && k - (i + cue.len()) < 2 && matches!(cs[k], '：' | ':' | '叫' | '为' | ' ') {
            k += 1;
        }
        let start = k;
        let rest: String = cs[start..n.min(start + 4)].iter().collect();
        let surname = COMPOUND_SURNAMES
            .iter()
            .find(|s| rest.starts_with(**s))
            .map(|s| s.chars().count())
            .or_else(|| cs.get(start).filter(|c| SURNAMES.contains(**c)).map(|_| 1));
        let Some(surname) = surname else {
            i = start.max(i + 1);
            continue;
        };
        let max = surname + 2;
        while k < n && k - start < max && is_han(cs[k]) && cs[k] != '某' {
            if k - start > surname && AFTER_NAME.contains(cs[k]) {
                break;
            }
            k += 1;
        }
        if k - start > surname {
            let name: String = cs[start..k].iter().collect();
            spans.push((start, k, masked_person(&name)));
        }
        i = k.max(i + 1);
    }
    splice(&cs, spans)
}

/// Every word jieba tags as a person name (nr, nrfg, nrt) becomes 张某 / 某某.
pub fn tagged(text: &str) -> String {
    if !text.chars().any(is_han) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for tag in JIEBA.tag(text, true) {
        if !tag.tag.starts_with("nr") {
            continue;
        }
        let word = tag.word;
        let chars = word.chars().count();
        // Next to 某 it is a name masked already (周某 re-read as 据周 + 某).
        let beside_masked = text[..tag.byte_start].ends_with('某') || text[tag.byte_end..].starts_with('某');
        // A place, not a person: 东岙村, 花岗村.
        let place = ["村", "镇", "乡", "街", "路", "岛", "社区"].iter().any(|p| text[tag.byte_end..].starts_with(p));
        if !(2..=4).contains(&chars)
            || !word.chars().all(is_han)
            || word.contains('某')
            || beside_masked
            || place
            || !has_surname(word)
        {
            continue;
        }
        out.push_str(&text[at..tag.byte_start]);
        out.push_str(&masked_person(word));
        at = tag.byte_end;
    }
    out.push_str(&text[at..]);
    out
}
