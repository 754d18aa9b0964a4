//! `annualReport(year)`: sections 一 and 三 of the bureau's annual report on the rule of law (法治政府
//! 建设工作报告), laid out like the 2023 report, every number filled from the statistics:
//! percentages cut to two places as the report prints them, money in 万元.

use entity::enums::TransferCategory;

use super::service::{Figures, Ratio};

/// Fen as 万元 with two decimals, cut like the report (3,842,500.00 yuan is 384.25 万元).
pub fn wan_yuan(fen: i64) -> String {
    // 1 万元 = 10,000 yuan = 1,000,000 fen; two decimals of 万元 = 10,000 fen.
    let hundredths = fen / 10_000;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

fn transfers(f: &Figures, category: TransferCategory) -> i64 {
    f.transfers_received.iter().find(|(c, _)| *c == category).map_or(0, |(_, n)| *n)
}

fn rectification_rate(f: &Figures) -> String {
    let r = Ratio { numerator: f.file_problems_rectified, denominator: f.file_problems };
    if f.file_problems == 0 { "100%".into() } else { trim_percent(&r.percent()) }
}

/// "100.00%" is printed "100%" in the report; other rates keep two places.
fn trim_percent(p: &str) -> String {
    p.strip_suffix(".00%").map_or_else(|| p.to_owned(), |whole| format!("{whole}%"))
}

/// "近4000份": a count the report rounds, to the nearest thousand (hundred below 1000), with
/// 近 when it falls short of the round figure and 约 when it passes it.
pub fn nearly(n: i64) -> String {
    let unit = if n >= 1_000 { 1_000 } else { 100 };
    let round = (n + unit / 2) / unit * unit;
    if round == n || round == 0 {
        n.to_string()
    } else if round > n {
        format!("近{round}")
    } else {
        format!("约{round}")
    }
}

fn rate(r: Ratio) -> String {
    trim_percent(&r.percent())
}

/// Sections 一 and 三 in Markdown, sentence by sentence as the 2023 report words them.
pub fn markdown(f: &Figures) -> String {
    let y = f.year;
    let a = &f.activities;
    let mut out = String::new();
    out.push_str(&format!("# 温州市洞头区综合行政执法局{y}年度法治政府建设工作报告\n\n"));
    out.push_str(&format!("## 一、{y}年度推进法治政府建设的主要举措和成效\n\n"));

    out.push_str("### (一)认真履行职责,全面推进执法改革\n\n");
    out.push_str(&format!(
        "一是全面谋划法治建设工作部署。我局党组高度重视依法行政工作,始终把法治政府建设列入党组会议议事日程,\
         与城市管理相关工作同谋划、同部署,并有效落实工作经费。强化“一把手负总责、分管领导具体抓”责任机制,\
         制定领导干部年度学法计划,组织执法人员参加省市区执法业务培训,积极推动年度法治建设工作要点重点落到实处,\
         本年度局领导班子开展学法{}次。\n\n",
        a.leadership_studies,
    ));
    out.push_str(&format!(
        "二是全面推进执法改革。强化赋权事项实施,梳理及明确《赋权镇街行政检查认领事项清单》,做好赋权镇街省级监管库的检查事项认领工作。\
         {y}年,我区的赋权事项实施率为{},其中处罚覆盖率为{},赋权镇街共办理一般程序案件{}件,简易程序案件{}件,\
         开展执法业务培训{}次。\n\n",
        f.implementation.percent(),
        f.coverage.percent(),
        f.town_cases.general,
        f.town_cases.simple,
        f.trainings_held,
    ));
    out.push_str(&format!(
        "三是全力推进综合行政执法行动。聚焦市容品质提升,定人定岗定责,着力加强市容市貌整治。\
         推进“最海鲜”集散中心“迁新疏旧”工作,劝导流动摊贩{}户次,帮送流动摊贩入市经营{}次,流动摊贩入市经营{},\
         农贸市场内规范摆摊{};建立“街道吹哨、部门报到”联合执法机制,积极开展各类专项执法行动,\
         发出责令改正通知书{}份,处罚{}起出室、占道经营违法行为,处罚{}起违规处置垃圾行为,及时制止露天焚烧行为{}起。\
         积极承接新划转执法事项,本年度共承接自然资源部门移交的林业督查案件{}件、住建部门移交的串标案件{}件、\
         不按规定发放公积金案件{}件,提升划转事项承接率,破除领域壁垒。\n\n",
        f.vendors_persuaded,
        f.vendors_helped_into_market,
        rate(a.vendors_in_market),
        rate(a.stalls_in_order),
        f.rectification_notices,
        a.campaign_stall_penalties,
        a.campaign_rubbish_penalties,
        f.open_burning_stopped,
        transfers(f, TransferCategory::Forestry),
        transfers(f, TransferCategory::BidRigging),
        transfers(f, TransferCategory::ProvidentFund),
    ));

    out.push_str("### (二)围绕重点工作,深入推进依法行政\n\n");
    let awards: Vec<String> =
        a.case_explanation_awards.iter().map(|(title, award)| format!("《{title}》获评{award}")).collect();
    let awards = if awards.is_empty() { String::new() } else { format!(",其中{}", awards.join("、")) };
    out.push_str(&format!(
        "一是普法宣传全覆盖。按照“谁执法,谁普法”责任制要求,多渠道开展普法宣传,把以案释法融入普法宣传。\
         今年以来,共上报以案释法案例{}篇{awards};开展各类宣传、进社区宣讲{}次,发放宣传单{}份。\n\n",
        a.case_explanations,
        a.outreach_sessions,
        nearly(a.leaflets),
    ));
    out.push_str(&format!(
        "二是制度强化全链条。根据单位职能梳理《洞头区综合行政执法局合法性审查事项目录清单》并印发实施,\
         严格按照目录清单执行合法性审查相关工作,对{}年至{y}以来我局印发的{}个规范性文件及其他政策措施和招投标、\
         政府采购文件进行自查,并落实相关整改工作。严格落实行政执法“三项制度”,建立健全事前事中事后公开机制,\
         依法及时向社会公开有关行政执法信息,本年度公开行政许可{}件、行政处罚{}件;实行执法全过程记录,\
         通过文字、音像等方式,实现执法过程留痕和可回溯管理;严格落实重大执法决定法制审核制度,\
         根据人事变动调整案审委员会,本年度累计开展重大案件审核等活动共{}次,确保审核不走过场。\n\n",
        y - 2,
        a.normative_documents_reviewed,
        f.licence_publications,
        f.penalty_publications,
        f.legal_reviews,
    ));
    out.push_str(&format!(
        "三是部门协同全方位。对于重大、疑难、复杂的行政执法问题,积极对接上级和业务主管部门,力争在法律适用上达成共识,\
         同时认真做好行政复议及行政诉讼等工作。今年以来,共处理行政复议{}件,化解行政复议争议{}件。\n\n",
        f.reconsiderations, f.reconsiderations_resolved,
    ));

    out.push_str("### (三)强化法制监督,持续提升办案质效\n\n");
    out.push_str(&format!(
        "一是建立健全案件办理长效通报机制。强化月度案件通报、季度案例推送等制度,充分发挥案件审查委员会作用,\
         进一步完善案件质量效率评估体系。{y}年,我局共办理行政处罚案件{}件,罚没总金额{}万元,\
         其中简易程序办案数{}件,一般程序案件办案数{}件。\n\n",
        f.cases.total(),
        wan_yuan(f.fines_fen),
        f.cases.simple,
        f.cases.general,
    ));
    out.push_str(&format!(
        "二是严格落实案件评查工作机制。持续开展案卷评查工作,强化案件办理指导,\
         今年共开展行政处罚裁量标准和处罚公示内容专项检查{}件,发现并整改问题{}个,整改率{}。\n\n",
        f.file_checks,
        f.file_problems_rectified,
        rectification_rate(f),
    ));
    out.push_str(&format!(
        "三是持续有效开展执法业务培训。组织开展有针对性的业务培训,提升执法人员的办案水平,\
         今年新增执法人员{}个,全局执法证持证率为{},组织开展执法业务培训{}次,参加省市区举办的培训{}次。\
         与区人民法院构建行政机关“跟案学习”工作机制,共选送“跟案学习”人员{}名。\n\n",
        f.new_officers,
        f.certificates.percent(),
        f.trainings_held,
        f.trainings_attended,
        f.follow_case_trainees,
    ));

    out.push_str("### (四)优化执法服务,全力提升助企实效\n\n");
    out.push_str(&format!(
        "一是完善事项清单优化营商环境。梳理《洞头区“两菜一鱼”重点产业行政合规指导清单》,制定《涉企执法“三书同达”制度》。\
         今年以来,共梳理合规指导事项{}项,开展三书同达{}次。二是有序开展信用修复工作,\
         今年受理并成功办结企业信用信息修复{}家次。三是包容审慎推行“首违免罚”模式,今年以来,\
         对轻微行政违法行为整改不罚{}次。\n\n",
        f.compliance_guidance_items, f.three_document_deliveries, f.credit_repairs, f.first_violation_exemptions,
    ));

    out.push_str(&format!("## 三、{y}年度党政主要负责人履行推进法治建设第一责任人职责,加强法治政府建设的有关情况\n\n"));
    out.push_str(&format!(
        "局党组书记、局长高度重视我局法治政府建设和依法行政工作,严格落实法治建设第一责任人职责,\
         扎实部署、细化责任、强化督导、狠抓落实。一是严格落实工作职责,充分发挥局法治政府建设工作领导小组的核心作用,\
         年度组织重大行政执法案件审核{}次,召开党组理论学习中心组学法{}次。二是建立健全工作机制,\
         认真履行法治建设的主体责任,及时听取法治建设工作中的问题和困难,牵头研究解决方案,指定专人督促落实。\
         三是强化法治保障,强化组织领导,注重将依法行政要求贯穿到制度建设、群众服务等的全过程中,\
         关注法治建设在燃气安全、保洁绿化、农污运维、垃圾分类、违法建设等重要工作中的具体履行情况。\n\n",
        f.legal_reviews, a.leadership_studies,
    ));

    out.push_str("### 数据表\n\n| 指标 | 数值 |\n|---|---|\n");
    let rows: Vec<(String, String)> = vec![
        ("行政处罚案件(简易 / 一般)".into(), format!("{}({} / {})", f.cases.total(), f.cases.simple, f.cases.general)),
        ("罚没金额".into(), format!("{}万元", wan_yuan(f.fines_fen))),
        ("赋权镇街案件(一般 / 简易)".into(), format!("{} / {}", f.town_cases.general, f.town_cases.simple)),
        (
            "赋权事项实施率 / 处罚覆盖率".into(),
            format!(
                "{}({}/{}) / {}({}/{})",
                f.implementation.percent(),
                f.implementation.numerator,
                f.implementation.denominator,
                f.coverage.percent(),
                f.coverage.numerator,
                f.coverage.denominator
            ),
        ),
        ("责令改正通知书".into(), format!("{}份", f.rectification_notices)),
        (
            "承接移交案件(林业 / 串标 / 公积金)".into(),
            format!(
                "{} / {} / {}",
                transfers(f, TransferCategory::Forestry),
                transfers(f, TransferCategory::BidRigging),
                transfers(f, TransferCategory::ProvidentFund)
            ),
        ),
        ("公示(行政许可 / 行政处罚)".into(), format!("{} / {}", f.licence_publications, f.penalty_publications)),
        ("重大案件法制审核".into(), format!("{}次", f.legal_reviews)),
        ("行政复议(处理 / 化解)".into(), format!("{} / {}", f.reconsiderations, f.reconsiderations_resolved)),
        (
            "案卷评查(检查 / 问题 / 整改)".into(),
            format!(
                "{} / {} / {}({})",
                f.file_checks,
                f.file_problems,
                f.file_problems_rectified,
                rectification_rate(f)
            ),
        ),
        (
            "执法证持证率".into(),
            format!("{}({}/{})", f.certificates.percent(), f.certificates.numerator, f.certificates.denominator),
        ),
        ("新增执法人员".into(), format!("{}个", f.new_officers)),
        ("执法业务培训(组织 / 参加)".into(), format!("{} / {}", f.trainings_held, f.trainings_attended)),
        ("跟案学习人员".into(), format!("{}名", f.follow_case_trainees)),
        (
            "合规指导事项 / 三书同达".into(),
            format!("{} / {}", f.compliance_guidance_items, f.three_document_deliveries),
        ),
        ("企业信用修复".into(), format!("{}家次", f.credit_repairs)),
        ("首违不罚".into(), format!("{}次", f.first_violation_exemptions)),
        ("劝导流动摊贩 / 帮送入市".into(), format!("{} / {}", f.vendors_persuaded, f.vendors_helped_into_market)),
        ("制止露天焚烧".into(), format!("{}起", f.open_burning_stopped)),
        (
            "流动摊贩入市经营 / 农贸市场内规范摆摊".into(),
            format!(
                "{}({}/{}) / {}({}/{})",
                rate(f.activities.vendors_in_market),
                f.activities.vendors_in_market.numerator,
                f.activities.vendors_in_market.denominator,
                rate(f.activities.stalls_in_order),
                f.activities.stalls_in_order.numerator,
                f.activities.stalls_in_order.denominator
            ),
        ),
        (
            "专项行动处罚(出室、占道经营 / 违规处置垃圾)".into(),
            format!("{} / {}", f.activities.campaign_stall_penalties, f.activities.campaign_rubbish_penalties),
        ),
        ("局领导班子学法".into(), format!("{}次", f.activities.leadership_studies)),
        ("以案释法案例".into(), format!("{}篇", f.activities.case_explanations)),
        (
            "宣传、进社区宣讲 / 宣传单".into(),
            format!("{}次 / {}份", f.activities.outreach_sessions, f.activities.leaflets),
        ),
        ("规范性文件等自查".into(), format!("{}个", f.activities.normative_documents_reviewed)),
    ];
    for (k, v) in rows {
        out.push_str(&format!("| {k} | {v} |\n"));
    }
    out
}

/// The same report as a self-contained HTML page (headings, paragraphs and the table of the
/// Markdown above; every text escaped).
pub fn html(f: &Figures) -> String {
    let md = markdown(f);
    let mut body = String::new();
    let mut in_table = false;
    for line in md.lines() {
        if let Some(row) = line.strip_prefix('|') {
            if line.starts_with("|---") {
                continue;
            }
            if !in_table {
                body.push_str("<table>\n");
                in_table = true;
            }
            let cells: Vec<String> =
                row.trim_end_matches('|').split('|').map(|c| format!("<td>{}</td>", escape(c.trim()))).collect();
            body.push_str(&format!("<tr>{}</tr>\n", cells.concat()));
            continue;
        }
        if in_table {
            body.push_str("</table>\n");
            in_table = false;
        }
        if let Some(h) = line.strip_prefix("### ") {
            body.push_str(&format!("<h3>{}</h3>\n", escape(h)));
        } else if let Some(h) = line.strip_prefix("## ") {
            body.push_str(&format!("<h2>{}</h2>\n", escape(h)));
        } else if let Some(h) = line.strip_prefix("# ") {
            body.push_str(&format!("<h1>{}</h1>\n", escape(h)));
        } else if !line.trim().is_empty() {
            body.push_str(&format!("<p>{}</p>\n", escape(line)));
        }
    }
    if in_table {
        body.push_str("</table>\n");
    }
    format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}年度法治政府建设工作报告</title>\
         <style>body{{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:52rem;margin:2rem auto;line-height:1.8;padding:0 1rem}}\
         table{{border-collapse:collapse}}td{{border:1px solid #ccc;padding:.3rem .6rem}}</style></head><body>\n{body}</body></html>\n",
        f.year
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_in_wan_yuan() {
        assert_eq!(wan_yuan(384_250_000), "384.25");
        assert_eq!(wan_yuan(0), "0.00");
        assert_eq!(wan_yuan(1_009_999), "1.00");
    }

    #[test]
    fn rounded_counts_print_like_the_report() {
        assert_eq!(nearly(3_950), "近4000");
        assert_eq!(nearly(4_000), "4000");
        assert_eq!(nearly(4_120), "约4000");
        assert_eq!(nearly(480), "近500");
        assert_eq!(nearly(0), "0");
    }

    #[test]
    fn hundred_percent_prints_like_the_report() {
        assert_eq!(trim_percent("100.00%"), "100%");
        assert_eq!(trim_percent("92.85%"), "92.85%");
    }
}
