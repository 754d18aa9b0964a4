//! `annualReport(year)`: section 一 of the bureau's annual report on the rule of law (法治政府
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

/// Section 一 in Markdown.
pub fn markdown(f: &Figures) -> String {
    let y = f.year;
    let mut out = String::new();
    out.push_str(&format!("# 温州市洞头区综合行政执法局{y}年度法治政府建设工作报告\n\n"));
    out.push_str(&format!("## 一、{y}年度推进法治政府建设的主要举措和成效\n\n"));

    out.push_str("### (一)认真履行职责,全面推进执法改革\n\n");
    out.push_str(&format!(
        "强化赋权事项实施,梳理及明确《赋权镇街行政检查认领事项清单》,做好赋权镇街省级监管库的检查事项认领工作。\
         {y}年,我区的赋权事项实施率为{},其中处罚覆盖率为{},赋权镇街共办理一般程序案件{}件,简易程序案件{}件,\
         开展执法业务培训{}次。\n\n",
        f.implementation.percent(),
        f.coverage.percent(),
        f.town_cases.general,
        f.town_cases.simple,
        f.trainings_held,
    ));
    out.push_str(&format!(
        "聚焦市容品质提升,劝导流动摊贩{}户次,帮送流动摊贩入市经营{}次;建立“街道吹哨、部门报到”联合执法机制,\
         发出责令改正通知书{}份,及时制止露天焚烧行为{}起。积极承接新划转执法事项,本年度共承接自然资源部门移交的\
         林业督查案件{}件、住建部门移交的串标案件{}件、不按规定发放公积金案件{}件。\n\n",
        f.vendors_persuaded,
        f.vendors_helped_into_market,
        f.rectification_notices,
        f.open_burning_stopped,
        transfers(f, TransferCategory::Forestry),
        transfers(f, TransferCategory::BidRigging),
        transfers(f, TransferCategory::ProvidentFund),
    ));

    out.push_str("### (二)围绕重点工作,深入推进依法行政\n\n");
    out.push_str(&format!(
        "严格落实行政执法“三项制度”,依法及时向社会公开有关行政执法信息,本年度公开行政许可{}件、行政处罚{}件;\
         实行执法全过程记录;严格落实重大执法决定法制审核制度,本年度累计开展重大案件审核等活动共{}次。\
         认真做好行政复议及行政诉讼等工作,共处理行政复议{}件,化解行政复议争议{}件。\n\n",
        f.licence_publications,
        f.penalty_publications,
        f.legal_reviews,
        f.reconsiderations,
        f.reconsiderations_resolved,
    ));

    out.push_str("### (三)强化法制监督,持续提升办案质效\n\n");
    out.push_str(&format!(
        "{y}年,我局共办理行政处罚案件{}件,罚没总金额{}万元,其中简易程序办案数{}件,一般程序案件办案数{}件。\
         持续开展案卷评查工作,今年共开展行政处罚裁量标准和处罚公示内容专项检查{}件,发现并整改问题{}个,整改率{}。\
         今年新增执法人员{}个,全局执法证持证率为{},组织开展执法业务培训{}次,参加省市区举办的培训{}次。\
         与区人民法院构建行政机关“跟案学习”工作机制,共选送“跟案学习”人员{}名。\n\n",
        f.cases.total(),
        wan_yuan(f.fines_fen),
        f.cases.simple,
        f.cases.general,
        f.file_checks,
        f.file_problems_rectified,
        rectification_rate(f),
        f.new_officers,
        f.certificates.percent(),
        f.trainings_held,
        f.trainings_attended,
        f.follow_case_trainees,
    ));

    out.push_str("### (四)优化执法服务,全力提升助企实效\n\n");
    out.push_str(&format!(
        "梳理《洞头区“两菜一鱼”重点产业行政合规指导清单》,制定《涉企执法“三书同达”制度》。今年以来,\
         共梳理合规指导事项{}项,开展三书同达{}次。有序开展信用修复工作,今年受理并成功办结企业信用信息修复{}家次。\
         包容审慎推行“首违免罚”模式,今年以来,对轻微行政违法行为整改不罚{}次。\n\n",
        f.compliance_guidance_items, f.three_document_deliveries, f.credit_repairs, f.first_violation_exemptions,
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
    fn hundred_percent_prints_like_the_report() {
        assert_eq!(trim_percent("100.00%"), "100%");
        assert_eq!(trim_percent("92.85%"), "92.85%");
    }
}
