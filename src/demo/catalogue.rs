//! The fixed tables of the demo: departments, towns, the matter catalogue and the word lists
//! that names, places and texts are drawn from. Data only; no logic.

use entity::enums::{DepartmentKind, PartyKind};

use super::{
    BEIAO, BUREAU, CITY_GUIDANCE, COURT, DAMEN, DONGPING, HOUSING, JUSTICE, LUXI, NATURAL_RESOURCES, NIYU,
    PROVIDENT_FUND, TOWN_BEIAO, TOWN_DAMEN, TOWN_DONGPING, TOWN_LUXI, TOWN_NIYU, TOWN_YUANJUE, YUANJUE,
};

pub(super) struct DeptDef {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: DepartmentKind,
    pub prefix: &'static str,
}

/// Every department except the town teams (those come from [`TOWNS`]).
pub(super) const DEPARTMENTS: &[DeptDef] = &[
    DeptDef {
        code: BUREAU, name: "温州市洞头区综合行政执法局", kind: DepartmentKind::Bureau, prefix: "洞综执"
    },
    DeptDef {
        code: NATURAL_RESOURCES,
        name: "温州市自然资源和规划局洞头分局",
        kind: DepartmentKind::LineDepartment,
        prefix: "洞自然资规",
    },
    DeptDef {
        code: HOUSING, name: "洞头区住房和城乡建设局", kind: DepartmentKind::LineDepartment, prefix: "洞住建"
    },
    DeptDef {
        code: PROVIDENT_FUND,
        name: "温州市住房公积金管理中心洞头分中心",
        kind: DepartmentKind::LineDepartment,
        prefix: "温公积金洞",
    },
    DeptDef { code: COURT, name: "洞头区人民法院", kind: DepartmentKind::Court, prefix: "洞法" },
    DeptDef { code: JUSTICE, name: "洞头区司法局", kind: DepartmentKind::Supervisor, prefix: "洞司" },
    DeptDef {
        code: CITY_GUIDANCE,
        name: "温州市综合行政执法指导办公室",
        kind: DepartmentKind::Supervisor,
        prefix: "温综执指",
    },
];

pub(super) struct TownDef {
    pub code: &'static str,
    pub name: &'static str,
    pub team_name: &'static str,
    pub prefix: &'static str,
    /// 2023 town-team volumes at scale 1.0; the six rows add up to the report's 77 general
    /// and 280 simple cases.
    pub general_2023: usize,
    pub simple_2023: usize,
    /// Empowered matters of this town with at least one penalty case in 2023. The six rows add
    /// up to 115 of the 456 town–matter empowerments: the report's 25.21% penalty coverage.
    pub penalised_matters_2023: usize,
    /// Certified officers generated for the team, besides the fixed demo logins.
    pub generated_officers: usize,
    /// Relative weight of the town in the bureau's cases and the parties' addresses.
    pub weight: u32,
    pub places: &'static [&'static str],
}

pub(super) const TOWNS: &[TownDef] = &[
    TownDef {
        code: TOWN_BEIAO,
        name: BEIAO,
        team_name: "北岙街道综合行政执法队",
        prefix: "洞北岙执",
        general_2023: 22,
        simple_2023: 88,
        penalised_matters_2023: 30,
        generated_officers: 2,
        weight: 40,
        places: &["中心街", "环岛东路", "新城大道", "海霞路", "城中路", "北岙后垄", "小朴村", "九厅村"],
    },
    TownDef {
        code: TOWN_DONGPING,
        name: DONGPING,
        team_name: "东屏街道综合行政执法队",
        prefix: "洞东屏执",
        general_2023: 15,
        simple_2023: 55,
        penalised_matters_2023: 22,
        generated_officers: 3,
        weight: 18,
        places: &["东岙村", "洞头村", "东沙村", "岙仔村", "隔头村", "半屏山景区"],
    },
    TownDef {
        code: TOWN_YUANJUE,
        name: YUANJUE,
        team_name: "元觉街道综合行政执法队",
        prefix: "洞元觉执",
        general_2023: 11,
        simple_2023: 39,
        penalised_matters_2023: 18,
        generated_officers: 3,
        weight: 12,
        places: &["状元岙村", "沙角村", "元觉码头", "花岗村", "后垅村"],
    },
    TownDef {
        code: TOWN_NIYU,
        name: NIYU,
        team_name: "霓屿街道综合行政执法队",
        prefix: "洞霓屿执",
        general_2023: 10,
        simple_2023: 35,
        penalised_matters_2023: 16,
        generated_officers: 2,
        weight: 10,
        places: &["下社村", "正岙村", "桐桥村", "上社村", "霓屿码头"],
    },
    TownDef {
        code: TOWN_DAMEN,
        name: DAMEN,
        team_name: "大门镇综合行政执法队",
        prefix: "洞大门执",
        general_2023: 12,
        simple_2023: 40,
        penalised_matters_2023: 18,
        generated_officers: 3,
        weight: 14,
        places: &["大门村", "观音礁村", "小荆村", "营盘基村", "沙岙村", "大门渔港"],
    },
    TownDef {
        code: TOWN_LUXI,
        name: LUXI,
        team_name: "鹿西乡综合行政执法队",
        prefix: "洞鹿西执",
        general_2023: 7,
        simple_2023: 23,
        penalised_matters_2023: 11,
        generated_officers: 2,
        weight: 6,
        places: &["鹿西码头", "东臼村", "山坪村", "口筐村", "昌鱼礁村"],
    },
];

pub(super) struct MatterDef {
    pub code: &'static str,
    /// The act, phrased so that `{party}{name}案` is a case title.
    pub name: &'static str,
    pub domain: &'static str,
    pub legal_basis: &'static str,
    /// Empowered to the six town teams (forestry, bidding and provident fund never are).
    pub towns: bool,
    /// Usually settled on the spot within the APL 51 caps (simple procedure).
    pub simple: bool,
    /// Share (percent) of organisations among the parties; the rest are persons.
    pub org_pct: u8,
    /// Typical general-procedure fine, yuan.
    pub fine: (i64, i64),
    /// Relative frequency among cases.
    pub weight: u32,
}

/// One catalogue row; keeps [`MATTERS`] a table of one line per matter.
#[expect(clippy::too_many_arguments, reason = "a table row: one argument per column")]
const fn m(
    code: &'static str,
    name: &'static str,
    domain: &'static str,
    legal_basis: &'static str,
    towns: bool,
    simple: bool,
    org_pct: u8,
    fine: (i64, i64),
    weight: u32,
) -> MatterDef {
    MatterDef { code, name, domain, legal_basis, towns, simple, org_pct, fine, weight }
}

const SR: &str = "市容";
const HW: &str = "环境卫生";
const SZ: &str = "市政";
const YL: &str = "园林绿化";
const GH: &str = "城乡规划";
const RQ: &str = "燃气";
const HB: &str = "环境保护";
const TD: &str = "土地管理";
const SL: &str = "水利";
const BZ: &str = "殡葬管理";
const JZ: &str = "建设工程";
const LY: &str = "林业";
const ZB: &str = "招投标";
const GJJ: &str = "公积金";

/// The matter catalogue (执法事项). 76 items are empowered to every town team (6 × 76 = 456
/// town–matter empowerments, the denominator of the report's 54.38% and 25.21%); the rest
/// stay with the bureau.
// Columns: code, the act, domain, legal basis, empowered to towns, typically simple
// procedure, % organisations, usual general-procedure fine band (yuan), frequency.
#[rustfmt::skip]
pub(super) const MATTERS: &[MatterDef] = &[
    // 市容
    m("SR-001", "占道经营", SR, "《城市市容和环境卫生管理条例》第三十六条第（二）项", true, true, 10, (200, 2000), 60),
    m("SR-002", "出店经营", SR, "《城市市容和环境卫生管理条例》第三十六条第（二）项", true, true, 75, (300, 3000), 45),
    m("SR-003", "乱张贴宣传品", SR, "《城市市容和环境卫生管理条例》第三十四条第（二）项", true, true, 40, (100, 2000), 14),
    m("SR-004", "乱涂写刻画", SR, "《城市市容和环境卫生管理条例》第三十四条第（二）项", true, true, 10, (100, 1000), 5),
    m("SR-005", "临街阳台窗外堆放吊挂有碍市容物品", SR, "《城市市容和环境卫生管理条例》第三十四条第（三）项", true, true, 20, (100, 500), 6),
    m("SR-006", "擅自设置大型户外广告", SR, "《城市市容和环境卫生管理条例》第三十六条第（一）项", true, true, 90, (1000, 10000), 8),
    m("SR-007", "擅自在街道两侧和公共场地堆放物料", SR, "《城市市容和环境卫生管理条例》第三十六条第（二）项", true, true, 50, (500, 5000), 12),
    m("SR-008", "擅自在街道两侧和公共场地搭建设施", SR, "《城市市容和环境卫生管理条例》第三十六条第（二）项", true, false, 50, (1000, 10000), 5),
    m("SR-009", "建筑物设施不符合城市容貌标准", SR, "《城市市容和环境卫生管理条例》第三十七条", true, false, 70, (1000, 10000), 2),
    m("SR-010", "未经批准饲养家畜家禽影响市容", SR, "《城市市容和环境卫生管理条例》第三十五条", true, true, 5, (50, 500), 3),
    m("SR-011", "临街工地未设置护栏或者遮挡", SR, "《城市市容和环境卫生管理条例》第三十四条第（七）项", true, true, 95, (1000, 5000), 4),
    // 环境卫生
    m("HW-001", "乱扔果皮纸屑烟头等废弃物", HW, "《城市市容和环境卫生管理条例》第三十四条第（一）项", true, true, 0, (50, 200), 10),
    m("HW-002", "随地吐痰便溺", HW, "《城市市容和环境卫生管理条例》第三十四条第（一）项", true, true, 0, (50, 200), 3),
    m("HW-003", "不按规定时间地点方式倾倒垃圾", HW, "《城市市容和环境卫生管理条例》第三十四条第（四）项", true, true, 40, (100, 2000), 12),
    m("HW-004", "不履行卫生责任区清扫保洁义务", HW, "《城市市容和环境卫生管理条例》第三十四条第（五）项", true, true, 85, (200, 3000), 10),
    m("HW-005", "运输散装货物未密封覆盖造成泄漏遗撒", HW, "《城市市容和环境卫生管理条例》第三十四条第（六）项", true, true, 60, (500, 5000), 8),
    m("HW-006", "损坏环境卫生设施", HW, "《城市市容和环境卫生管理条例》第三十八条", true, true, 20, (200, 3000), 3),
    m("HW-007", "擅自拆除环境卫生设施", HW, "《城市市容和环境卫生管理条例》第三十六条第（三）项", true, false, 70, (1000, 10000), 1),
    m("HW-008", "违规处置垃圾", HW, "《中华人民共和国固体废物污染环境防治法》第一百一十一条第一款第（一）项", true, true, 30, (100, 50000), 14),
    m("HW-009", "未将厨余垃圾交由具备相应资质条件的单位处理", HW, "《中华人民共和国固体废物污染环境防治法》第一百一十一条第一款第（五）项", true, false, 90, (5000, 50000), 4),
    m("HW-010", "未及时清运施工过程中产生的固体废物", HW, "《中华人民共和国固体废物污染环境防治法》第一百一十一条第一款第（三）项", false, false, 100, (10000, 90000), 3),
    m("HW-011", "擅自倾倒堆放工程施工建筑垃圾", HW, "《中华人民共和国固体废物污染环境防治法》第一百一十一条第一款第（四）项", true, false, 100, (10000, 90000), 4),
    m("HW-012", "运输过程中沿途丢弃遗撒生活垃圾", HW, "《中华人民共和国固体废物污染环境防治法》第一百一十一条第一款第（七）项", true, true, 40, (100, 50000), 3),
    m("HW-013", "露天焚烧秸秆落叶", HW, "《中华人民共和国大气污染防治法》第一百一十九条第一款", true, false, 0, (500, 2000), 6),
    m("HW-014", "露天焚烧垃圾", HW, "《中华人民共和国大气污染防治法》第一百一十九条第二款", true, false, 20, (2000, 9000), 6),
    m("HW-015", "露天烧烤食品", HW, "《中华人民共和国大气污染防治法》第一百一十八条第三款", true, false, 30, (500, 5000), 7),
    m("HW-016", "餐饮服务业超标排放油烟", HW, "《中华人民共和国大气污染防治法》第一百一十八条第一款", true, false, 100, (5000, 50000), 6),
    m("HW-017", "在居民住宅楼内新建产生油烟的餐饮服务项目", HW, "《中华人民共和国大气污染防治法》第一百一十八条第二款", true, false, 100, (5000, 50000), 2),
    m("HW-018", "施工工地未采取扬尘防治措施", HW, "《中华人民共和国大气污染防治法》第一百一十五条第一款", true, false, 100, (10000, 90000), 5),
    m("HW-019", "运输渣土车辆未密闭造成物料遗撒", HW, "《中华人民共和国大气污染防治法》第一百一十六条", true, false, 90, (2000, 20000), 6),
    m("HW-020", "擅自关闭闲置或者拆除生活垃圾处理设施", HW, "《中华人民共和国固体废物污染环境防治法》第一百一十一条第一款第（二）项", false, false, 100, (10000, 90000), 1),
    m("HW-021", "将建筑垃圾混入生活垃圾", HW, "《城市建筑垃圾管理规定》第二十条第一款第（一）项", true, true, 50, (100, 3000), 5),
    m("HW-022", "擅自设立弃置场受纳建筑垃圾", HW, "《城市建筑垃圾管理规定》第二十条第一款第（三）项", true, false, 60, (3000, 10000), 2),
    m("HW-023", "施工单位未及时清运建筑垃圾", HW, "《城市建筑垃圾管理规定》第二十二条第一款", true, false, 100, (5000, 50000), 3),
    m("HW-024", "将建筑垃圾交给个人或者未经核准的单位处置", HW, "《城市建筑垃圾管理规定》第二十二条第二款", false, false, 100, (10000, 90000), 2),
    m("HW-025", "运输建筑垃圾沿途丢弃遗撒", HW, "《城市建筑垃圾管理规定》第二十三条", true, false, 90, (5000, 50000), 4),
    m("HW-026", "未经核准擅自处置建筑垃圾", HW, "《城市建筑垃圾管理规定》第二十五条", true, false, 70, (5000, 50000), 3),
    m("HW-027", "随意倾倒抛撒堆放建筑垃圾", HW, "《城市建筑垃圾管理规定》第二十六条", true, true, 40, (200, 50000), 6),
    m("HW-028", "未按规定缴纳城市生活垃圾处理费", HW, "《城市生活垃圾管理办法》第三十八条", true, true, 90, (500, 30000), 2),
    m("HW-029", "未经许可从事生活垃圾经营性清扫收集运输", HW, "《城市生活垃圾管理办法》第四十三条", false, false, 80, (5000, 30000), 1),
    // 市政
    m("SZ-001", "擅自占用城市道路", SZ, "《城市道路管理条例》第二十七条第（一）项、第四十二条", true, true, 60, (500, 20000), 9),
    m("SZ-002", "擅自挖掘城市道路", SZ, "《城市道路管理条例》第二十七条第（一）项、第四十二条", true, false, 90, (2000, 20000), 3),
    m("SZ-003", "超限车辆擅自在城市道路上行驶", SZ, "《城市道路管理条例》第二十七条第（二）项、第四十二条", true, true, 80, (500, 20000), 3),
    m("SZ-004", "机动车在桥梁或者非指定的城市道路上试刹车", SZ, "《城市道路管理条例》第二十七条第（三）项、第四十二条", true, true, 50, (200, 5000), 1),
    m("SZ-005", "擅自在城市道路上建设建筑物构筑物", SZ, "《城市道路管理条例》第二十七条第（四）项、第四十二条", true, false, 50, (2000, 20000), 2),
    m("SZ-006", "擅自在桥梁或者路灯设施上设置广告牌或者挂浮物", SZ, "《城市道路管理条例》第二十七条第（六）项、第四十二条", true, true, 80, (200, 5000), 3),
    m("SZ-007", "未对城市道路上检查井箱盖缺损及时补缺修复", SZ, "《城市道路管理条例》第四十二条第（一）项", true, false, 100, (1000, 20000), 1),
    m("SZ-008", "未在城市道路施工现场设置明显标志和安全防围设施", SZ, "《城市道路管理条例》第四十二条第（二）项", true, true, 100, (1000, 20000), 2),
    m("SZ-009", "占用挖掘城市道路后不及时清理现场", SZ, "《城市道路管理条例》第四十二条第（三）项", true, true, 90, (500, 10000), 2),
    m("SZ-010", "依附城市道路建设管线杆线未办理批准手续", SZ, "《城市道路管理条例》第四十二条第（四）项", true, false, 100, (2000, 20000), 1),
    m("SZ-011", "未按照批准的位置面积期限占用挖掘城市道路", SZ, "《城市道路管理条例》第四十二条第（六）项", true, true, 80, (500, 20000), 2),
    m("SZ-012", "排水户未取得污水排入排水管网许可证排放污水", SZ, "《城镇排水与污水处理条例》第五十条第一款", true, false, 100, (5000, 50000), 3),
    m("SZ-013", "雨污分流地区将污水排入雨水管网", SZ, "《城镇排水与污水处理条例》第四十九条", true, false, 70, (2000, 50000), 3),
    // 园林绿化
    m("YL-001", "损坏城市树木花草", YL, "《城市绿化条例》第二十六条第（一）项", true, true, 20, (200, 5000), 5),
    m("YL-002", "擅自砍伐城市树木", YL, "《城市绿化条例》第二十六条第（二）项", true, false, 40, (2000, 30000), 3),
    m("YL-004", "损坏城市绿化设施", YL, "《城市绿化条例》第二十六条第（四）项", true, true, 30, (200, 5000), 3),
    m("YL-005", "擅自占用城市绿化用地", YL, "《城市绿化条例》第二十七条", true, false, 60, (2000, 30000), 3),
    m("YL-006", "公共绿地内商业服务摊点不服从管理", YL, "《城市绿化条例》第二十八条", true, true, 30, (100, 2000), 3),
    m("YL-007", "附属绿化工程未按批准的设计方案施工", YL, "《城市绿化条例》第二十五条", true, false, 100, (5000, 50000), 1),
    // 城乡规划
    m("GH-001", "未取得建设工程规划许可证进行建设", GH, "《中华人民共和国城乡规划法》第六十四条", true, false, 55, (5000, 90000), 8),
    m("GH-002", "未按照建设工程规划许可证的规定进行建设", GH, "《中华人民共和国城乡规划法》第六十四条", true, false, 60, (5000, 90000), 5),
    m("GH-003", "未依法取得乡村建设规划许可证进行建设", GH, "《中华人民共和国城乡规划法》第六十五条", true, false, 10, (2000, 9000), 6),
    m("GH-004", "未经批准进行临时建设", GH, "《中华人民共和国城乡规划法》第六十六条第（一）项", true, false, 50, (2000, 30000), 4),
    m("GH-005", "未按照批准内容进行临时建设", GH, "《中华人民共和国城乡规划法》第六十六条第（二）项", true, false, 60, (2000, 30000), 2),
    m("GH-006", "临时建筑物构筑物超过批准期限不拆除", GH, "《中华人民共和国城乡规划法》第六十六条第（三）项", true, false, 60, (2000, 30000), 2),
    m("GH-007", "竣工验收后六个月内未报送竣工验收资料", GH, "《中华人民共和国城乡规划法》第六十七条", false, false, 100, (10000, 90000), 1),
    // 燃气
    m("RQ-001", "在不具备安全条件的场所使用储存燃气", RQ, "《城镇燃气管理条例》第四十九条第一款第（五）项", true, true, 70, (500, 20000), 10),
    m("RQ-002", "安装使用不符合气源要求的燃气燃烧器具", RQ, "《城镇燃气管理条例》第四十九条第一款第（三）项", true, true, 60, (500, 20000), 4),
    m("RQ-003", "擅自安装改装拆除户内燃气设施", RQ, "《城镇燃气管理条例》第四十九条第一款第（四）项", true, true, 40, (500, 10000), 3),
    m("RQ-004", "改变燃气用途或者转供燃气", RQ, "《城镇燃气管理条例》第四十九条第一款第（六）项", true, false, 80, (2000, 50000), 2),
    m("RQ-005", "擅自操作公用燃气阀门", RQ, "《城镇燃气管理条例》第四十九条第一款第（一）项", true, true, 20, (200, 1000), 1),
    m("RQ-006", "燃气经营者在不具备安全条件的场所储存燃气", RQ, "《城镇燃气管理条例》第四十六条第（五）项", true, false, 100, (10000, 90000), 3),
    m("RQ-007", "向未取得燃气经营许可证的单位或者个人提供用于经营的燃气", RQ, "《城镇燃气管理条例》第四十六条第（四）项", true, false, 100, (10000, 90000), 2),
    // 环境保护
    m("HB-001", "超过噪声排放标准排放建筑施工噪声", HB, "《中华人民共和国噪声污染防治法》第七十七条第一款第（一）项", true, false, 100, (10000, 90000), 3),
    m("HB-002", "未取得证明在噪声敏感建筑物集中区域夜间施工", HB, "《中华人民共和国噪声污染防治法》第七十七条第一款第（二）项", true, false, 100, (10000, 90000), 4),
    // 土地管理
    m("TD-001", "农村村民非法占用土地建住宅", TD, "《中华人民共和国土地管理法》第七十八条", true, false, 0, (2000, 9000), 3),
    m("TD-002", "占用耕地建窑建坟或者擅自在耕地上建房", TD, "《中华人民共和国土地管理法》第七十五条", true, false, 20, (2000, 9000), 2),
    // 水利
    m("SL-001", "在河道管理范围内弃置堆放阻碍行洪物体", SL, "《中华人民共和国河道管理条例》第四十四条第（一）项", true, false, 40, (1000, 10000), 2),
    m("SL-002", "在河道管理范围内未经批准采砂取土", SL, "《中华人民共和国河道管理条例》第四十四条第（二）项", true, false, 50, (2000, 30000), 1),
    // 殡葬管理
    m("BZ-001", "在公墓和农村公益性墓地以外的地方建造坟墓", BZ, "《殡葬管理条例》第二十条", true, false, 0, (500, 5000), 2),
    m("BZ-002", "制造销售封建迷信殡葬用品", BZ, "《殡葬管理条例》第二十二条第二款", true, true, 60, (500, 5000), 1),
    // Not empowered to towns (the `towns` column says so for the rows above too).
    m("YL-003", "擅自迁移古树名木", YL, "《城市绿化条例》第二十六条第（三）项", false, false, 50, (5000, 50000), 1),
    m("RQ-008", "未取得燃气经营许可证从事燃气经营活动", RQ, "《城镇燃气管理条例》第四十五条第一款", false, false, 80, (50000, 90000), 3),
    m("RQ-009", "擅自为非自有气瓶充装燃气", RQ, "《城镇燃气管理条例》第四十六条第（七）项", false, false, 100, (10000, 90000), 2),
    m("JZ-001", "装修中擅自变动房屋建筑主体和承重结构", JZ, "《建设工程质量管理条例》第六十九条第二款", false, false, 40, (5000, 9000), 3),
    m("JZ-002", "未取得施工许可证擅自施工", JZ, "《建设工程质量管理条例》第五十七条", false, false, 100, (10000, 90000), 3),
    m("LY-001", "滥伐林木", LY, "《中华人民共和国森林法》第七十六条第二款", false, false, 15, (2000, 9500), 18),
    m("LY-002", "盗伐林木", LY, "《中华人民共和国森林法》第七十六条第一款", false, false, 5, (3000, 9500), 4),
    m("LY-003", "非法占用林地", LY, "《中华人民共和国森林法》第七十三条第一款", false, false, 45, (5000, 90000), 12),
    m("LY-004", "开垦采石采砂采土造成林木毁坏", LY, "《中华人民共和国森林法》第七十四条第一款", false, false, 40, (3000, 60000), 3),
    m("ZB-001", "串通投标", ZB, "《中华人民共和国招标投标法》第五十三条", false, false, 100, (30000, 90000), 5),
    m("ZB-002", "投标人与招标人串通投标", ZB, "《中华人民共和国招标投标法》第五十三条", false, false, 100, (30000, 90000), 1),
    m("GJJ-001", "不按规定办理住房公积金缴存", GJJ, "《住房公积金管理条例》第三十七条", false, false, 100, (10000, 50000), 1),
    m("GJJ-002", "逾期不缴或者少缴住房公积金", GJJ, "《住房公积金管理条例》第三十八条", false, false, 100, (0, 0), 0),
];

/// The penalty clause (罚则) of a matter and its fine ranges per party kind (the discretion
/// benchmark 裁量基准, yuan), CHECKED against the statutes held in `/work/shared/seed/laws/`.
/// Only the forestry, bidding and provident-fund matters have their statute there; every other
/// matter's penalty text (the 市容环卫, 城市道路, 城市绿化, 城乡规划, 燃气, 大气/固废/噪声,
/// 土地, 河道, 殡葬 and 建设工程 regulations) is not held, so its ranges stay null (R12: any
/// amount R1 allows) and its penalty basis says "罚则原文未收录" rather than guess a band.
///
/// `Some((0, 0))` is a clause that fines nobody of that kind: no fine may be imposed.
pub(super) struct PenaltyDef {
    pub code: &'static str,
    pub basis: &'static str,
    pub person: Option<(i64, i64)>,
    pub org: Option<(i64, i64)>,
}

/// No fine at all under the clause.
const NO_FINE: Option<(i64, i64)> = Some((0, 0));

#[rustfmt::skip]
pub(super) const CHECKED_PENALTIES: &[PenaltyDef] = &[
    // 森林法 (2019) 第七十六条第二款: "可以处滥伐林木价值三倍以上五倍以下的罚款" – a multiple of
    // the timber's value, no fixed band: null.
    PenaltyDef { code: "LY-001", basis: "《中华人民共和国森林法》第七十六条第二款（滥伐林木价值三倍以上五倍以下的罚款，无定额幅度）", person: None, org: None },
    // 第七十六条第一款: "并处盗伐林木价值五倍以上十倍以下的罚款": null.
    PenaltyDef { code: "LY-002", basis: "《中华人民共和国森林法》第七十六条第一款（盗伐林木价值五倍以上十倍以下的罚款，无定额幅度）", person: None, org: None },
    // 第七十三条第一款: "可以处恢复植被和林业生产条件所需费用三倍以下的罚款": null.
    PenaltyDef { code: "LY-003", basis: "《中华人民共和国森林法》第七十三条第一款（恢复植被和林业生产条件所需费用三倍以下的罚款，无定额幅度）", person: None, org: None },
    // 第七十四条第一款: "可以处毁坏林木价值五倍以下的罚款": null.
    PenaltyDef { code: "LY-004", basis: "《中华人民共和国森林法》第七十四条第一款（毁坏林木价值五倍以下的罚款，无定额幅度）", person: None, org: None },
    // 招标投标法 (2017) 第五十三条: "处中标项目金额千分之五以上千分之十以下的罚款，对单位直接负责的
    // 主管人员和其他直接责任人员处单位罚款数额百分之五以上百分之十以下的罚款": proportional, null.
    PenaltyDef { code: "ZB-001", basis: "《中华人民共和国招标投标法》第五十三条（中标项目金额千分之五以上千分之十以下的罚款，无定额幅度）", person: None, org: None },
    PenaltyDef { code: "ZB-002", basis: "《中华人民共和国招标投标法》第五十三条（中标项目金额千分之五以上千分之十以下的罚款，无定额幅度）", person: None, org: None },
    // 住房公积金管理条例 (2019) 第三十七条: "逾期不办理的，处1万元以上5万元以下的罚款" – on the
    // 单位 only: an organisation ¥10,000–50,000, a person no fine.
    PenaltyDef { code: "GJJ-001", basis: "《住房公积金管理条例》第三十七条", person: NO_FINE, org: Some((10_000, 50_000)) },
    // 第三十八条: "责令限期缴存；逾期仍不缴存的，可以申请人民法院强制执行" – no fine at all.
    PenaltyDef { code: "GJJ-002", basis: "《住房公积金管理条例》第三十八条（无罚款，逾期仍不缴存的申请人民法院强制执行）", person: NO_FINE, org: NO_FINE },
];

/// Appended to the legal basis of a matter whose penalty text is not among the statutes held.
pub(super) const PENALTY_TEXT_NOT_HELD: &str = "（罚则原文未收录，罚款幅度未核）";

/// The penalty clause of `def`: the checked one, else its legal basis marked as not checked.
pub(super) fn penalty_basis(def: &MatterDef) -> String {
    match CHECKED_PENALTIES.iter().find(|p| p.code == def.code) {
        Some(p) => p.basis.to_string(),
        None => format!("{}{PENALTY_TEXT_NOT_HELD}", def.legal_basis),
    }
}

/// The checked fine range (yuan) of `def` for a party of `kind`; `None` where there is none
/// to check (R12 then allows any amount R1 allows).
pub(super) fn fine_range(def: &MatterDef, kind: PartyKind) -> Option<(i64, i64)> {
    let p = CHECKED_PENALTIES.iter().find(|p| p.code == def.code)?;
    match kind {
        PartyKind::Person => p.person,
        PartyKind::Organization => p.org,
    }
}

/// Matters whose empowerment to one town was interrupted in 2023 (a recall and a re-grant),
/// and one recalled for good before 2023: they exercise the dated part of R7 without
/// changing the number of town–matter pairs empowered in 2023.
pub(super) struct DatedEmpowerment {
    pub matter: &'static str,
    pub town: &'static str,
    /// `(from, until)` as `YYYY-MM-DD`, `until` empty for open-ended.
    pub periods: &'static [(&'static str, &'static str)],
}

pub(super) const DATED_EMPOWERMENTS: &[DatedEmpowerment] = &[
    DatedEmpowerment { matter: "SZ-010", town: NIYU, periods: &[("2022-01-01", "2023-06-30"), ("2023-09-01", "")] },
    DatedEmpowerment { matter: "HW-022", town: LUXI, periods: &[("2022-01-01", "2023-03-31"), ("2023-05-01", "")] },
    DatedEmpowerment { matter: "YL-003", town: DAMEN, periods: &[("2022-01-01", "2022-12-31")] },
];

/// Start of the regular town empowerments (Zhejiang's 2022 catalogue).
pub(super) const EMPOWERED_FROM: &str = "2022-01-01";

/// Surnames common in Dongtou, with pinyin for logins.
pub(super) const SURNAMES: &[(&str, &str)] = &[
    ("陈", "chen"),
    ("林", "lin"),
    ("王", "wang"),
    ("张", "zhang"),
    ("郑", "zheng"),
    ("叶", "ye"),
    ("黄", "huang"),
    ("邱", "qiu"),
    ("洪", "hong"),
    ("曾", "zeng"),
    ("柯", "ke"),
    ("董", "dong"),
    ("施", "shi"),
    ("方", "fang"),
    ("薛", "xue"),
    ("杨", "yang"),
    ("李", "li"),
    ("吴", "wu"),
    ("徐", "xu"),
    ("周", "zhou"),
    ("胡", "hu"),
    ("朱", "zhu"),
    ("潘", "pan"),
    ("蔡", "cai"),
    ("何", "he"),
    ("郭", "guo"),
    ("谢", "xie"),
    ("金", "jin"),
    ("彭", "peng"),
    ("池", "chi"),
];

pub(super) const GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀", "xiu"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("海", "hai"),
    ("波", "bo"),
    ("建", "jian"),
    ("华", "hua"),
    ("志", "zhi"),
    ("国", "guo"),
    ("斌", "bin"),
    ("晓", "xiao"),
    ("丹", "dan"),
    ("俊", "jun"),
    ("浩", "hao"),
    ("宇", "yu"),
    ("婷", "ting"),
    ("雪", "xue"),
    ("慧", "hui"),
    ("琳", "lin"),
    ("鹏", "peng"),
    ("辉", "hui"),
    ("亮", "liang"),
    ("飞", "fei"),
    ("峰", "feng"),
    ("春", "chun"),
    ("东", "dong"),
    ("文", "wen"),
    ("成", "cheng"),
    ("红", "hong"),
    ("玲", "ling"),
    ("燕", "yan"),
    ("萍", "ping"),
    ("鑫", "xin"),
    ("晨", "chen"),
    ("阳", "yang"),
    ("凯", "kai"),
    ("瑞", "rui"),
    ("怡", "yi"),
    ("佳", "jia"),
    ("铭", "ming"),
    ("德", "de"),
    ("福", "fu"),
    ("胜", "sheng"),
];

/// 字号 (trade names) of shops and companies.
pub(super) const TRADE_NAMES: &[&str] = &[
    "海风", "望海", "百岛", "半屏", "仙叠", "海韵", "蓝湾", "鑫旺", "顺发", "兴隆", "永盛", "金海", "新港", "渔港",
    "海霞", "东升", "宏达", "恒通", "华洋", "瑞丰", "海悦", "渔家", "鹿岛", "洞兴",
];

/// Kinds of individual businesses (个体工商户), for 洞头区{字号}{kind}.
pub(super) const SHOP_KINDS: &[&str] = &[
    "海鲜餐饮店",
    "水果店",
    "便利店",
    "小吃店",
    "烧烤店",
    "五金店",
    "建材商行",
    "汽车维修店",
    "民宿",
    "副食品店",
    "理发店",
    "水产商行",
];

/// Lines of business of companies, for 温州{字号}{kind}有限公司.
pub(super) const COMPANY_KINDS: &[&str] = &[
    "建设",
    "建筑工程",
    "市政工程",
    "园林工程",
    "渔业发展",
    "水产食品",
    "旅游开发",
    "物业管理",
    "燃气",
    "贸易",
    "运输",
    "置业",
];

/// Companies bidding for public works (bid rigging).
pub(super) const CONTRACTOR_KINDS: &[&str] = &["建设", "建筑工程", "市政工程", "园林工程"];

/// Public works put out to tender in the district (bid rigging facts).
pub(super) const PROJECTS: &[&str] = &[
    "洞头区海岛公路提升改造工程",
    "北岙街道老旧小区改造工程",
    "洞头区污水管网提标改造工程",
    "大门镇渔港配套设施工程",
    "霓屿街道海塘安澜工程",
    "洞头区游步道景观提升工程",
    "元觉街道农村生活污水治理工程",
    "鹿西乡码头改建工程",
];
