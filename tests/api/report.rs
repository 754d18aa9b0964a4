//! `annualReport(year: 2023)` over the full demo year: every figure of sections 一 and 三 of
//! the report, in the report's own words, including those the activities table carries (学法,
//! 以案释法, 宣讲 and leaflets, the normative documents reviewed, the street campaign's
//! penalties and its two 100% rates).

use serde_json::json;

use crate::support::TestApp;

#[actix_rt::test]
async fn the_annual_report_carries_every_figure_of_sections_one_and_three() {
    let app = TestApp::spawn_scaled(1.0).await;
    let report = app.data("dashboard", "{ annualReport(year: 2023) }", json!({})).await["annualReport"]
        .as_str()
        .expect("markdown")
        .to_string();
    for expected in [
        // 一(一)
        "本年度局领导班子开展学法6次",
        "我区的赋权事项实施率为54.38%,其中处罚覆盖率为25.21%,赋权镇街共办理一般程序案件77件,简易程序案件280件,开展执法业务培训7次",
        "劝导流动摊贩143户次,帮送流动摊贩入市经营87次,流动摊贩入市经营100%,农贸市场内规范摆摊100%",
        "发出责令改正通知书225份,处罚2起出室、占道经营违法行为,处罚1起违规处置垃圾行为,及时制止露天焚烧行为14起",
        "林业督查案件37件、住建部门移交的串标案件6件、不按规定发放公积金案件1件",
        // 一(二)
        "共上报以案释法案例5篇,其中《建筑工程领域互相串通投标案》获评区“优化营商环境十佳柔性执法案例”",
        "开展各类宣传、进社区宣讲6次,发放宣传单近4000份",
        "对2021年至2023以来我局印发的278个规范性文件及其他政策措施和招投标、政府采购文件进行自查",
        "本年度公开行政许可123件、行政处罚2723件",
        "本年度累计开展重大案件审核等活动共17次",
        "共处理行政复议5件,化解行政复议争议2件",
        // 一(三)
        "共办理行政处罚案件2723件,罚没总金额384.25万元,其中简易程序办案数2640件,一般程序案件办案数83件",
        "专项检查190件,发现并整改问题43个,整改率100%",
        "今年新增执法人员6个,全局执法证持证率为92.85%,组织开展执法业务培训7次,参加省市区举办的培训4次",
        "共选送“跟案学习”人员2名",
        // 一(四)
        "共梳理合规指导事项10项,开展三书同达9次",
        "今年受理并成功办结企业信用信息修复7家次",
        "对轻微行政违法行为整改不罚51次",
        // 三
        "## 三、2023年度党政主要负责人履行推进法治建设第一责任人职责,加强法治政府建设的有关情况",
        "年度组织重大行政执法案件审核17次,召开党组理论学习中心组学法6次",
    ] {
        assert!(report.contains(expected), "missing «{expected}» in:\n{report}");
    }
}
